/// The lifecycle state of a job, as stored in `jobs.state`; only `done` jobs contribute to reports.
public enum JobState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Waiting for a host.
    case pending
    /// Assigned to a host and training.
    case running
    /// Finished ok; its metrics are those of the attempt that succeeded.
    case done
    /// Failed after its last allowed attempt.
    case failed
    /// Cancelled by the user.
    case cancelled
    /// Ended early by the sweep's stop rule (`stop`), its reason in the job's error. Its
    /// metrics up to then are kept; resume and retry never run it again.
    case stopped
}

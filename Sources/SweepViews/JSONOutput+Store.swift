import Foundation
import SweepCore
import SweepStore

extension JSONOutput {
    /// `sweep list --json`, read from the store: every sweep, most recently launched first.
    public static func list(_ store: StoreReader) throws(StoreError) -> JSONValue {
        let running = store.writer()?.sweep
        return .array(try store.overviews().map { overview($0, running: $0.sweep.name == running) })
    }

    /// `sweep status SWEEP --json [--brief]`, read from the store.
    /// - Parameter jobLimit: list at most this many jobs (the first in spec order); the
    ///   object then says how many it left out (`jobs_omitted`).
    public static func status(_ store: StoreReader, sweep: SweepInfo, brief: Bool, jobLimit: Int? = nil) throws(StoreError) -> JSONValue {
        let writer = store.writer()
        let counts = try store.counts(of: sweep.id)
        let jobs = brief ? nil : try store.jobs(of: sweep.id, limit: jobLimit)
        let partial = jobLimit.map { counts.total > $0 } ?? false
        var object = status(sweep: sweep, revision: try store.revisions(of: sweep.id).last?.revision ?? 1, counts: counts,
                            writer: writer, hosts: try store.hosts(), jobs: jobs,
                            progress: writer == nil || brief ? [:] : try store.progress(of: sweep.id),
                            finals: brief ? [:] : try store.finalMetrics(of: sweep.id, jobs: partial ? jobs?.map(\.id) : nil))
        if let jobs, partial, case .object(var fields) = object {
            fields["jobs_omitted"] = .int(counts.total - jobs.count)
            object = .object(fields)
        }
        return object
    }

    /// `sweep logs JOB --json`, read from the store (output files from beside the database).
    public static func logs(_ store: StoreReader, job: StoredJob) throws(StoreError) -> JSONValue {
        logs(job: job, attempts: try store.attempts(of: job.id), output: try store.logs(of: job.id),
             files: outputFiles(database: store.path, job: job.id), coordinatorRuns: store.writer() != nil)
    }

    /// The files the job's attempts left in $SWEEP_OUTPUT, as kept beside the database:
    /// paths relative to the job's folder (`attempt-N/...`), with their sizes.
    public static func outputFiles(database: String, job: Int64) -> [(path: String, bytes: Int?)] {
        let folder = outputFolder(database: database, job: job)
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var files: [String] = []
        while let path = walker.nextObject() as? String, files.count <= JobOutput.maxFiles * 4 {
            if walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular { files.append(path) }
        }
        return files.sorted().map { ($0, (try? FileManager.default.attributesOfItem(atPath: folder + "/" + $0))?[.size] as? Int) }
    }

    public static func outputFolder(database: String, job: Int64) -> String { JobOutput.root(database: database) + "/job-\(job)" }
}

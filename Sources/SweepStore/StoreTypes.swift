import Foundation
import SweepCore

/// A sweep as stored: its name, workload and the spec it was launched from.
public struct SweepInfo: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var workload: String
    public var specPath: String
    /// The spec's text at launch, so `sweep resume` works without the file.
    public var specText: String
    public var planHash: String
    public var createdAt: Date
    public var launchedAt: Date
}

/// A job as stored.
public struct StoredJob: Sendable, Hashable {
    public var id: Int64
    public var key: String
    public var workload: String
    public var config: JobConfig
    public var state: JobState
    /// Attempts started so far.
    public var attempts: Int
    public var host: String?
    public var startedAt: Date?
    public var finishedAt: Date?
    public var error: String?
    public var summary: JSONValue?
    /// The attempt that finished ok, whose metrics count.
    public var okAttempt: Int?
    /// Failed attempts so far (lost ones, from a dead host or coordinator, don't count).
    public var failures: Int
}

/// One attempt at a job.
public struct StoredAttempt: Sendable, Hashable {
    /// How an attempt stands, as stored in `attempts.status`.
    public enum Status: String, Sendable, Hashable, CaseIterable, Codable {
        /// Started and not finished (or its coordinator died; see `Store.writer()`).
        case running
        case ok, failed, cancelled
        /// Its host or coordinator went away; the job ran again.
        case lost
    }

    public var job: Int64
    public var attempt: Int
    public var host: String
    public var status: Status
    public var startedAt: Date
    public var finishedAt: Date?
    public var error: String?
    public var stderrTail: String?
    /// The host and binary that ran it; nil for attempts stored before provenance.
    public var machine: AttemptMachine?
}

/// What ran an attempt: the host's OS and CPU as its worker described them, and the
/// `sweep` binary's version and SHA-256.
public struct AttemptMachine: Sendable, Hashable {
    public var os: String?
    public var cpu: String?
    public var cores: Int?
    public var sweepVersion: String
    public var binaryHash: String
    /// Where it ran, in its host kind's terms; nil for attempts stored before placements
    /// that ran on no scheduler's node.
    public var placement: Placement?

    /// The node a scheduler put it on; nil when the host itself ran it.
    public var node: String? { placement?.node }

    public init(os: String?, cpu: String?, cores: Int?, sweepVersion: String, binaryHash: String, placement: Placement? = nil) {
        self.os = os
        self.cpu = cpu
        self.cores = cores
        self.sweepVersion = sweepVersion
        self.binaryHash = binaryHash
        self.placement = placement
    }
}

extension AttemptMachine: CustomStringConvertible {
    /// `Debian GNU/Linux 12 (bookworm), Linux 6.1.0-18-amd64, x86_64, Intel(R) Xeon(R) CPU @ 2.20GHz,
    /// 2 cores, sweep 0.1.0 3f2a9c1b04de`: the unknown parts left out, the hash cut to 12.
    public var description: String {
        var parts: [String] = []
        if let node { parts.append("node \(node)") }
        if let os { parts.append(os) }
        if let cpu { parts.append(cpu) }
        if let cores { parts.append("\(cores) cores") }
        parts.append("sweep \(sweepVersion) \(binaryHash.prefix(12))")
        return parts.joined(separator: ", ")
    }
}

/// A host the coordinator has used, with its latest state.
public struct StoredHost: Sendable, Hashable {
    /// A host's state, as stored in `hosts.state`.
    public enum State: String, Sendable, Hashable, CaseIterable, Codable {
        case up, lost, quarantined, unreachable
        /// Started but its worker is not running yet: a scheduler job waiting in its queue.
        case pending
        /// Cannot work for this sweep (refused key, missing runtime, wrong CPU): never reconnected.
        case unusable
    }

    public var name: String
    public var state: State
    /// What the host said about itself, or why it went down.
    public var detail: String?
    /// What its worker runs in, when its kind says (a scheduler's job, pending for `pending`
    /// and running for `up`; the node once it runs).
    public var placement: Placement?

    public init(name: String, state: State, detail: String?, placement: Placement? = nil) {
        self.name = name
        self.state = state
        self.detail = detail
        self.placement = placement
    }
}

/// How many of a sweep's jobs are in each state.
public struct StateCounts: Sendable, Hashable {
    public var pending = 0
    public var running = 0
    public var done = 0
    public var failed = 0
    public var cancelled = 0
    public var stopped = 0

    public init() {}

    public var total: Int { pending + running + done + failed + cancelled + stopped }

    subscript(state: JobState) -> Int {
        get {
            switch state {
            case .pending: return pending
            case .running: return running
            case .done: return done
            case .failed: return failed
            case .cancelled: return cancelled
            case .stopped: return stopped
            }
        }
        set {
            switch state {
            case .pending: pending = newValue
            case .running: running = newValue
            case .done: done = newValue
            case .failed: failed = newValue
            case .cancelled: cancelled = newValue
            case .stopped: stopped = newValue
            }
        }
    }
}

/// One metric value of one epoch of one attempt.
public struct MetricRow: Sendable, Hashable {
    public var job: Int64
    public var attempt: Int
    public var epoch: Int
    public var name: String
    public var value: Double

    public init(job: Int64, attempt: Int, epoch: Int, name: String, value: Double) {
        self.job = job
        self.attempt = attempt
        self.epoch = epoch
        self.name = name
        self.value = value
    }
}

/// A job of a spec to record: its key, workload and resolved config.
public struct NewJob: Sendable, Hashable {
    public var key: String
    public var workload: String
    public var config: JobConfig

    public init(key: String, workload: String, config: JobConfig) {
        self.key = key
        self.workload = workload
        self.config = config
    }
}

/// What launching a spec did to the store.
public struct Registration: Sendable, Hashable {
    public var sweep: SweepInfo
    /// Jobs this launch added.
    public var added: Int
    /// Jobs that already existed (from this sweep or another that shares configs).
    public var reused: Int
    /// Jobs a dead coordinator left running, or that were cancelled, put back to pending.
    public var recovered: Int
    /// How the sweep's job set changed (all new for a new sweep).
    public var difference: SweepDifference
    /// The sweep's spec revision now (1 for a new sweep; +1 for each new spec text).
    public var revision: Int
}

/// How a sweep's job set changes when its spec is launched again.
public struct SweepDifference: Sendable, Hashable, CustomStringConvertible {
    /// Jobs new to the sweep (maybe already in the store through another sweep).
    public var added: Int
    /// Jobs in the sweep before and after.
    public var kept: Int
    /// Of the kept jobs, those already done (never run again).
    public var keptDone: Int
    /// Jobs that leave the sweep (they stay in the store).
    public var dropped: Int

    public init(added: Int, kept: Int, keptDone: Int, dropped: Int) {
        self.added = added
        self.kept = kept
        self.keptDone = keptDone
        self.dropped = dropped
    }

    /// `+4 new, 8 kept (6 done), 2 dropped`
    public var description: String { "+\(added) new, \(kept) kept (\(keptDone) done), \(dropped) dropped" }
}

/// One spec text a sweep was launched with.
public struct SpecRevision: Sendable, Hashable {
    /// 1 for the first spec, +1 for each changed one.
    public var revision: Int
    public var specPath: String
    public var specText: String
    /// Hash of its job keys (as `SweepInfo.planHash`).
    public var planHash: String
    /// How many jobs it expanded to.
    public var jobs: Int
    public var createdAt: Date
    /// The commit of the repository the spec was in when this revision was stored (nil
    /// outside a repository), and whether its tree was dirty (nil: not determined).
    public var gitCommit: String?
    public var gitDirty: Bool?
}

/// An early-stopping rule's decision about one job, as one sweep's: which rule, at which
/// epoch, why, and (once stored) the attempt it ended.
public struct StopDecision: Sendable, Hashable {
    /// The sweep whose rule decided.
    public var sweep: Int64
    /// `asha`, `median`, `hyperband`; nil for a job stopped before the store recorded it (v7).
    public var rule: String?
    public var epoch: Int?
    /// `stopped at epoch 9 by asha: ...`, as `status` shows it.
    public var reason: String
    /// The attempt it ended (its metrics are the stopped run's); nil before it is stored.
    public var attempt: Int?
    public var decidedAt: Date?

    public init(sweep: Int64, rule: String?, epoch: Int?, reason: String, attempt: Int? = nil, decidedAt: Date? = nil) {
        self.sweep = sweep
        self.rule = rule
        self.epoch = epoch
        self.reason = reason
        self.attempt = attempt
        self.decidedAt = decidedAt
    }
}

/// What `Store.settleStopped` did at a launch.
public struct StoppedSettlement: Sendable, Hashable {
    /// Jobs this sweep had stopped, put back to `stopped` after another sweep re-queued them.
    public var restored: Int
    /// Jobs only other sweeps had stopped, re-queued to run to the end in this one.
    public var runToEnd: Int

    public init(restored: Int, runToEnd: Int) {
        self.restored = restored
        self.runToEnd = runToEnd
    }
}

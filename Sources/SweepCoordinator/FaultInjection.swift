#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Test hook: `SWEEP_FAULT_KILL_AT=point:n` makes the coordinator SIGKILL itself the n-th
/// time it passes `point`, so tests can kill it at exact places in its commit sequence.
/// Points: `registered` (sweep recorded, nothing started), `started` (an attempt committed,
/// its `run` not yet sent), `finished` (an attempt's end committed).
public enum FaultInjection {
    private static let counts = Mutex<[String: Int]>([:])
    private static let target: (point: String, count: Int)? = {
        guard let spec = ProcessInfo.processInfo.environment["SWEEP_FAULT_KILL_AT"] else { return nil }
        let parts = spec.split(separator: ":")
        guard parts.count == 2, let n = Int(parts[1]) else { return nil }
        return (String(parts[0]), n)
    }()

    /// Kills this process if `point` is the configured one and its count is reached.
    /// Called only from the coordinator's loop thread.
    public static func pass(_ point: String) {
        guard let target, target.point == point else { return }
        let count = counts.withLock { counts in
            counts[point, default: 0] += 1
            return counts[point]!
        }
        if count == target.count { kill(getpid(), SIGKILL) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import SweepCore

/// A workload for exercising the runner: it sleeps, fails or crashes on request and
/// reports metrics that tests can predict from (value, seed, epoch).
public enum Probe: Workload {
    public static let name = "probe"
    public static let version = 1
    public static let summary = "Runner self-test: predictable metrics, optional sleep, failure or crash."

    public static let parameters: [ParamSpec] = [
        .int("epochs", 3, in: 0...1_000_000, "Epochs to report."),
        .int("sleep_ms", 0, in: 0...3_600_000, "Milliseconds to sleep in each epoch."),
        .int("fail_at_epoch", -1, in: -1...1_000_000, "Epoch at which the job fails with an error (-1: never)."),
        .int("crash_at_epoch", -1, in: -1...1_000_000, "Epoch at which the process aborts with SIGABRT (-1: never)."),
        .real("value", 1.0, in: -1e9...1e9, "Scales the reported metrics."),
        .text("data_file", "", "A file the job needs; shipped to remote hosts as ~/.cache/sweep/datasets/probe/<name>."),
    ]

    public static func dataFiles(for config: JobConfig) -> [DataFile] {
        let path = config.string("data_file")
        guard !path.isEmpty, let sha256 = try? Digest.cachedSHA256Hex(fileAtPath: path) else { return [] }
        return [DataFile(localPath: path, remotePath: shippedPath(of: path), sha256: sha256)]
    }

    /// Where a shipped data file lands on a host, relative to home.
    static func shippedPath(of path: String) -> String {
        ".cache/sweep/datasets/probe/" + (path.split(separator: "/").last.map(String.init) ?? path)
    }

    /// The metrics the probe reports at `epoch` (counted from 1).
    public static func metrics(value: Double, seed: UInt64, epoch: Int) -> [String: Double] {
        let e = Double(epoch)
        return ["loss": value / e + Double(seed) / 100, "acc": e / (e + abs(value) + 1)]
    }

    public static func run(_ config: JobConfig, context: any JobContext) throws -> JSONValue {
        let epochs = config.int("epochs")
        let sleepMicroseconds = UInt32(min(config.int("sleep_ms") * 1000, Int(UInt32.max)))
        let value = config.double("value")
        let dataFile = config.string("data_file")
        if !dataFile.isEmpty {
            // The coordinator's path where it runs locally, the shipped copy on a remote host.
            let shipped = (getenv("HOME").map { String(cString: $0) } ?? "") + "/" + shippedPath(of: dataFile)
            guard access(dataFile, R_OK) == 0 || access(shipped, R_OK) == 0 else {
                throw JobFailure("probe: data_file \(dataFile) is neither here nor at \(shipped)")
            }
        }
        var last: [String: Double] = [:]
        for epoch in stride(from: 1, through: epochs, by: 1) where !context.shouldStop {
            if sleepMicroseconds > 0 { usleep(sleepMicroseconds) }
            if epoch == config.int("crash_at_epoch") {
                context.log("probe: crashing at epoch \(epoch) as configured")
                abort()
            }
            if epoch == config.int("fail_at_epoch") {
                throw JobFailure("probe: failing at epoch \(epoch) as configured (fail_at_epoch)")
            }
            last = metrics(value: value, seed: config.seed, epoch: epoch)
            context.report(epoch: epoch, metrics: last)
        }
        return ["epochs": .int(epochs), "final": .object(last.mapValues { .double($0) })]
    }
}

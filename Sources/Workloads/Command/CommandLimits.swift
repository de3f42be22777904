#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The kernel's limits on what a program is started with, checked before `execve` would
/// refuse it with "Argument list too long": one argument or environment string is at most
/// MAX_ARG_STRLEN (128 KiB with its NUL), and all of them, with a pointer each, at most
/// ARG_MAX (a quarter of the stack limit, 2 MiB by default).
enum CommandLimits {
    static let maxStringBytes = 128 << 10

    static var maxTotalBytes: Int {
        let limit = sysconf(Int32(_SC_ARG_MAX))
        return limit > 0 ? limit : 128 << 10
    }

    /// What a string costs: its bytes, its NUL and its pointer.
    static func cost(_ string: String) -> Int { string.utf8.count + 1 + MemoryLayout<UnsafePointer<CChar>>.size }

    /// Why `words` with `environment` (`NAME=value` strings) cannot be started, or nil.
    static func problem(words: [String], environment: [String]) -> String? {
        for (i, word) in words.enumerated() where word.utf8.count + 1 > maxStringBytes {
            return "word \(i + 1) of the command is \(word.utf8.count >> 10) KiB, more than one argument may be "
                + "(\(maxStringBytes >> 10) KiB): pass large values in the config ($SWEEP_CONFIG_FILE)"
        }
        if let long = environment.first(where: { $0.utf8.count + 1 > maxStringBytes }) {
            return "the environment variable \(long.prefix { $0 != "=" }) is \(long.utf8.count >> 10) KiB, "
                + "more than one may be (\(maxStringBytes >> 10) KiB)"
        }
        let total = words.reduce(0) { $0 + cost($1) } + environment.reduce(0) { $0 + cost($1) }
        guard total <= maxTotalBytes else {
            return "the command line and environment add up to \(total >> 10) KiB, more than the system's limit "
                + "(ARG_MAX, \(maxTotalBytes >> 10) KiB): pass large values in the config ($SWEEP_CONFIG_FILE)"
        }
        return nil
    }

    /// What the job's environment will cost at most besides this process's own: the
    /// `SWEEP_*` variables with the largest `$SWEEP_CONFIG` and long folder paths.
    static let jobVariablesAllowance = CommandRun.maxConfigVariableBytes + 8 << 10

    /// The same check at launch, with this process's environment standing for the host's.
    static func problemAtLaunch(words: [String]) -> String? {
        problem(words: words, environment: launchEnvironment)
    }

    /// This process's environment, with a filler the size of the job's variables.
    private static let launchEnvironment: [String] = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        + Array(repeating: String(repeating: "x", count: 4 << 10), count: jobVariablesAllowance / (4 << 10))
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// What a worker says about the machine it runs on, for each attempt's provenance: the
/// OS (`PRETTY_NAME` of /etc/os-release, kernel release, architecture) and the CPU model
/// (`model name` of /proc/cpuinfo). Read once per worker; each string at most
/// `maxLength` characters, control characters dropped; nil when unknown.
public enum MachineDescription {
    public static let maxLength = 200
    /// Both files are a few KB; /proc/cpuinfo grows with cores, and the first entry is enough.
    static let maxRead = 64 << 10

    /// `Debian GNU/Linux 12 (bookworm), Linux 6.1.0-18-amd64, x86_64`.
    public static func os(osRelease: String = "/etc/os-release") -> String? {
        var parts: [String] = []
        if let text = readPrefix(osRelease), let name = field("PRETTY_NAME", in: text, separator: "=") {
            parts.append(name)
        }
        var names = utsname()
        if uname(&names) == 0 {
            let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let machine = withUnsafeBytes(of: &names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            parts.append("Linux " + release)
            parts.append(machine)
        }
        return bounded(parts.joined(separator: ", "))
    }

    /// `Intel(R) Xeon(R) CPU @ 2.20GHz`; nil where the kernel gives no model name (most ARM).
    public static func cpu(cpuinfo: String = "/proc/cpuinfo") -> String? {
        readPrefix(cpuinfo).flatMap { field("model name", in: $0, separator: ":") }.flatMap(bounded)
    }

    /// The value of the first `key<separator>value` line, unquoted.
    static func field(_ key: String, in text: String, separator: Character) -> String? {
        for line in text.split(separator: "\n") {
            guard let at = line.firstIndex(of: separator),
                  line[..<at].trimmingCharacters(in: .whitespaces) == key else { continue }
            var value = line[line.index(after: at)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.first == "\"" || value.first == "'", value.last == value.first {
                value = String(value.dropFirst().dropLast())
            }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// At most `maxLength` characters, no control characters; nil when empty.
    public static func bounded(_ text: String) -> String? {
        let clean = String(String.UnicodeScalarView(text.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }))
        let cut = String(clean.prefix(maxLength))
        return cut.isEmpty ? nil : cut
    }

    /// The first `maxRead` bytes of a file (a /proc file reports size 0, so no stat).
    private static func readPrefix(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maxRead) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

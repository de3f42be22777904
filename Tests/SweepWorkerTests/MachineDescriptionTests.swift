#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepWorker
import SweepTestSupport
import Testing

/// What a worker says about its machine, read from files like /etc/os-release and /proc/cpuinfo.
@Suite struct MachineDescriptionTests {
    let folder: TemporaryFolder
    init() throws { folder = try TemporaryFolder("sweep-machine") }

    func file(_ text: String) throws -> String {
        let path = folder.file(UUID().uuidString)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsTheOSNameAndCPUModelBounded() throws {
        let release = try file("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n")
        let os = try #require(MachineDescription.os(osRelease: release))
        var names = utsname()
        _ = uname(&names)
        let machine = withUnsafeBytes(of: &names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(os.hasPrefix("Debian GNU/Linux 12 (bookworm), Linux ") && os.hasSuffix(", " + machine), "\(os)")
        #expect(MachineDescription.os(osRelease: "/nonexistent")?.hasPrefix("Linux ") == true, "the kernel still says")

        let cpuinfo = try file("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n\nprocessor\t: 1\nmodel name\t: other\n")
        #expect(MachineDescription.cpu(cpuinfo: cpuinfo) == "Intel(R) Xeon(R) CPU @ 2.20GHz")
        #expect(MachineDescription.cpu(cpuinfo: try file("processor\t: 0\nCPU part\t: 0xd0c\n")) == nil, "no model name: unknown")
        let hostile = try file("model name\t: \u{1b}[31m" + String(repeating: "z", count: 10_000) + "\n")
        let cut = try #require(MachineDescription.cpu(cpuinfo: hostile))
        #expect(cut.count == MachineDescription.maxLength && !cut.contains("\u{1b}"))
    }
}

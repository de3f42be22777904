import Foundation
import Testing

/// Sweep and host names are single path components: nothing a spec, a host file or an
/// argument names can write or delete outside its folder.
@Suite struct PlainNameTests {
    static let badNames = ["..", ".", "", "a/b", "../victim", String(repeating: "x", count: 65), "a b", "tab\there"]

    @Test(arguments: badNames)
    func aSpecWhoseNameIsNotPlainIsRefusedAndNothingIsWritten(_ name: String) throws {
        let sandbox = try SweepSandbox()
        let quoted = name.replacingOccurrences(of: "\t", with: "\\t")
        try sandbox.write("s.json", #"{"name": "\#(quoted)", "workload": "probe"}"#)
        let run = try sandbox.run(["launch", "s.json", "--local-slots", "1"])
        #expect(run.status != 0)
        #expect(run.stderr.contains(#"s.json:1:10: name: expected a name of letters, digits, '-', '_' or '.', at most 64 characters, not "." or ".." (it names the sweep and its report folder)"#),
                "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))
    }

    @Test func aSpecFileWhoseStemIsNotPlainNeedsAName() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("my sweep.json", #"{"workload": "probe"}"#)
        let run = try sandbox.run(["launch", "my sweep.json", "--dry-run"])
        #expect(run.status != 0)
        #expect(run.stderr.contains(#"my sweep.json:1:1: the file name "my sweep" cannot name the sweep (' ' is not allowed): give the spec a "name""#),
                "\(run.stderr)")
        try sandbox.write("fine.json", #"{"workload": "probe", "name": "ok-name_1.2"}"#)
        #expect(try sandbox.run(["launch", "fine.json", "--dry-run"]).status == 0)
    }

    @Test(arguments: badNames.filter { !$0.isEmpty })
    func hostCommandsRefuseANameThatIsNotPlain(_ name: String) throws {
        let sandbox = try SweepSandbox()
        try FileManager.default.createDirectory(at: sandbox.directory.appendingPathComponent("Hosts"), withIntermediateDirectories: true)
        try sandbox.write("victim.json", "{}")
        try sandbox.write("Hosts/victim.json", "{}")
        let remove = try sandbox.run(["hosts", "remove", name])
        #expect(remove.status == 64, "\(remove.stderr)")
        #expect(remove.stderr.contains("is not a plain name"), "\(remove.stderr)")
        let add = try sandbox.run(["hosts", "add", name, "--ssh", "alice@127.0.0.1"])
        #expect(add.status == 64, "\(add.stderr)")
        #expect(add.stderr.contains("letters, digits, '-', '_' or '.', at most 64 characters"), "\(add.stderr)")
        #expect(FileManager.default.fileExists(atPath: sandbox.directory.appendingPathComponent("victim.json").path))
    }

    @Test func anEmptyHostNameIsRefused() throws {
        let sandbox = try SweepSandbox()
        let remove = try sandbox.run(["hosts", "remove", ""])
        #expect(remove.status == 64 && remove.stderr.contains("it is empty"), "\(remove.stderr)")
    }

    @Test func aHostFileWhoseNameIsNotPlainIsRefusedNamingTheFile() throws {
        let sandbox = try SweepSandbox()
        try FileManager.default.createDirectory(at: sandbox.directory.appendingPathComponent("Hosts"), withIntermediateDirectories: true)
        try sandbox.write("Hosts/bad.json", #"{"name": "..", "ssh": "alice@127.0.0.1"}"#)
        try sandbox.write("p.json", #"{"name": "p", "workload": "probe"}"#)
        let run = try sandbox.run(["launch", "p.json", "--local-slots", "1"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("Hosts/bad.json") && run.stderr.contains("name: expected a host name of letters"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))
    }
}

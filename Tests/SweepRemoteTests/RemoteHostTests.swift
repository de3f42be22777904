import Foundation
import SweepSSH
import SweepTestSupport
import Testing

@testable import SweepRemote

@Suite struct RemoteHostTests {
    @Test(arguments: [
        ("sweep: error while loading shared libraries: libssh.so.4: cannot open shared object file: No such file or directory",
         "missing shared library libssh.so.4: install libssh-4 on the host"),
        ("sweep: error while loading shared libraries: libswiftCore.so: cannot open shared object file",
         "missing shared library libswiftCore.so: install the Swift runtime (or build the coordinator with --static-swift-stdlib) on the host"),
        ("sweep: error while loading shared libraries: libfoo.so.9: cannot open shared object file",
         "missing shared library libfoo.so.9: install the package that provides it on the host"),
        ("Illegal instruction", "Illegal instruction"),
    ])
    func aBinaryThatCannotStartIsExplained(_ stderr: String, _ expected: String) {
        #expect(RemoteHost.explain(stderr) == expected)
    }

    @Test func shellQuotingSurvivesQuotes() {
        #expect(RemoteHost.shellQuoted("a b'c") == #"'a b'\''c'"#)
    }

    @Test(arguments: [
        ("alice@gpu1.lab:2222", "alice", "gpu1.lab", 2222), ("gpu1", nil, "gpu1", nil),
        ("bob@[::1]:22", "bob", "::1", 22), ("[fe80::1]", nil, "fe80::1", nil),
    ] as [(String, String?, String, Int?)])
    func addressesParse(_ text: String, _ user: String?, _ host: String, _ port: Int?) throws {
        let parsed = try #require(HostFile.parseAddress(text))
        #expect(parsed.user == user && parsed.host == host && parsed.port == port)
    }

    @Test(arguments: ["", "@host", "host:0", "host:70000", "a b", "[::1", "user@", "a;touch${IFS}x", "$(id)", "-oProxyCommand=x",
                      "`id`@h", "u@h|x", "x'y"])
    func badAddressesAreRefused(_ text: String) {
        #expect(HostFile.parseAddress(text) == nil)
    }

    @Test(arguments: [".", "..", "local", "a/b", String(repeating: "x", count: 65)])
    func unsafeHostNamesAreRefused(_ name: String) {
        #expect(!HostFile.isValidName(name))
    }

    @Test func anEmptyHostsFolderIsAnErrorUnlessAllowed() throws {
        let scratch = try TemporaryFolder("sweep-hosts")
        let directory = scratch.path
        let error = #expect(throws: HostFileError.self) { try HostFile.load(directory) }
        #expect(error?.description == "\(directory): the folder is empty (no *.json host files); add one with sweep hosts add NAME --ssh user@host --hosts-dir \(directory)")
        #expect(try HostFile.load(directory, allowEmpty: true).isEmpty)
    }

    #if arch(x86_64)
    @Test func cpuFlagsOfTheBuildTargetAreChecked() {
        let haswell = "flags\t\t: fpu vme sse sse2 avx avx2 bmi1 bmi2 f16c fma movbe abm xsave"
        #expect(RemoteHost.missingCPUFlags(haswell).isEmpty)
        let sandyBridge = "flags\t\t: fpu vme sse sse2 avx xsave"
        #expect(RemoteHost.missingCPUFlags(sandyBridge) == ["avx2", "bmi1", "bmi2", "f16c", "fma", "movbe"])
    }
    #endif

    @Test func errorsThatCannotHealArePermanent() {
        func ssh(_ kind: SSHError.Kind) -> SSHError { SSHError(kind: kind, function: "f", message: "m", host: "h") }
        for kind in [SSHError.Kind.authentication, .hostKeyUnknown, .hostKeyChanged, .configuration] {
            #expect(RemoteHost.isPermanent(ssh(kind)), "\(kind)")
        }
        for kind in [SSHError.Kind.connect, .connectionLost, .channel] {
            #expect(!RemoteHost.isPermanent(ssh(kind)), "\(kind)")
        }
        #expect(RemoteHost.isPermanent(RemoteHostError(host: "h", message: "is aarch64 ...")))
        #expect(!RemoteHost.isPermanent(CancellationError()))
    }

    @Test func anUnknownHostKeyNamesAcceptNew() {
        let error = SSHError(kind: .hostKeyUnknown, function: "ssh_session_is_known_server", message: "m",
                             host: "alice@gpu1:22", fingerprint: "SHA256:abc")
        let text = RemoteHost.explain(error, acceptNew: "sweep hosts check gpu1 --accept-new")
        #expect(text.contains("SHA256:abc") && text.hasSuffix("record it: sweep hosts check gpu1 --accept-new"), "\(text)")
    }

    /// What a host prints (its shell's stderr, its mount table, srun's answer) reaches the
    /// terminal inside one-line messages: escapes and newlines are neutralised, and it is bounded.
    @Test func textFromAHostIsOneBoundedLineWithoutEscapes() {
        #expect(RemoteHost.printable("  bad\u{1B}]0;title\u{07}\nnext\r\u{1B}[2J  ") == "bad?]0;title??next??[2J")
        #expect(RemoteHost.printable(String(repeating: "x", count: 10_000), limit: 300).count == 300)
    }
}

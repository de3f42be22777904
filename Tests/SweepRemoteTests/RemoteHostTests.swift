import SweepCoordinator
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

    @Test(arguments: ["", "@host", "host:0", "host:70000", "a b", "[::1", "user@"])
    func badAddressesAreRefused(_ text: String) {
        #expect(HostFile.parseAddress(text) == nil)
    }
}

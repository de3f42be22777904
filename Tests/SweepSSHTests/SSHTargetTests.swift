import Testing
import SweepSSH

@Suite("SSHTarget parsing")
struct SSHTargetTests {
    @Test("parses [user@]host[:port]", arguments: [
        ("gpu-box", nil, "gpu-box", nil),
        ("alice@gpu-box", "alice", "gpu-box", nil),
        ("alice@10.0.0.7:2222", "alice", "10.0.0.7", 2222),
        ("gpu-box:22", nil, "gpu-box", 22),
        ("bob@[fe80::1]:2200", "bob", "fe80::1", 2200),
        ("[::1]", nil, "::1", nil),
    ] as [(String, String?, String, Int?)])
    func parses(text: String, user: String?, host: String, port: Int?) throws {
        let target = try SSHTarget(parsing: text)
        #expect(target.user == user)
        #expect(target.host == host)
        #expect(target.port == port)
    }

    @Test("rejects malformed targets with a message naming the input", arguments: [
        ("", "empty host"),
        ("@host", "empty user"),
        ("host:", "port ''"),
        ("host:99999", "port '99999'"),
        ("host:ssh", "port 'ssh'"),
        ("[::1", "missing ']'"),
        ("[::1]2222", "expected ':port'"),
        ("a b", "' ' or '/'"),
    ])
    func rejects(text: String, reason: String) {
        let error = #expect(throws: SSHError.self) { try SSHTarget(parsing: text) }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("'\(text)' is not [user@]host[:port]") == true)
        #expect(error?.message.contains(reason) == true)
    }
}

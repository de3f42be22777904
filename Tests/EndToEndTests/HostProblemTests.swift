import Foundation
import SweepCore
import SweepStore
import SweepTestSupport
import Testing

/// A hang guard on giving up a host that cannot heal. That it is not retried is checked by
/// the absence of "reconnecting" (five reconnects with backoff would take 31 s and say so);
/// how fast it is given up is for benchmarks: a busy machine is slow.
private let givenUpAtOnce = 60.0

/// Hosts that cannot work are refused at once with the fix, never retried; hosts that merely
/// lack SFTP still work; a host file's ssh_config never makes sweep run a command.
@Suite(.serialized) struct HostProblemTests {
    /// Writes `Hosts/NAME.json` for a test sshd, with extra fields.
    func addHostFile(_ sandbox: SweepSandbox, name: String, sshd: TestSSHD, identity: String? = nil,
                     sshConfig: String = "/dev/null") throws {
        let hosts = sandbox.directory.appendingPathComponent("Hosts")
        try FileManager.default.createDirectory(at: hosts, withIntermediateDirectories: true)
        let json: JSONValue = [
            "name": .string(name), "ssh": .string("\(sshd.user)@127.0.0.1:\(sshd.port)"), "slots": 2,
            "identity": .string(identity ?? sshd.userKeyPath), "known_hosts": .string(sshd.knownHostsPath),
            "ssh_config": .string(sshConfig),
        ]
        try json.canonicalText.write(to: hosts.appendingPathComponent("\(name).json"), atomically: true, encoding: .utf8)
    }

    func probeSpec(_ sandbox: SweepSandbox, _ name: String) throws {
        try sandbox.write("\(name).json", #"{"name": "\#(name)", "workload": "probe", "base": {"epochs": 2}, "grid": {"value": [1, 2, 3]}}"#)
    }

    func binaryHash() throws -> String { try Digest.sha256Hex(fileAtPath: SweepSandbox.binary.path) }

    @Test func aHostFilesSSHConfigCannotRunACommandOnCheckOrLaunch() throws {
        let sandbox = try SweepSandbox()
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let marker = sandbox.directory.appendingPathComponent("pwned").path
        try sandbox.write("evil_ssh_config", "Host *\n  ProxyCommand touch \(marker)\n")
        try addHostFile(sandbox, name: "evil", sshd: sshd, sshConfig: "evil_ssh_config")

        let check = try sandbox.run(["hosts", "check"])
        #expect(check.status != 0)
        #expect(check.stdout.contains("evil_ssh_config:2: ProxyCommand"), "\(check.stdout)")

        try probeSpec(sandbox, "e")
        let started = Date()
        let launch = try sandbox.run(["launch", "e.json", "--local-slots", "1"], timeout: 120)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stdout.contains("evil_ssh_config:2: ProxyCommand"), "\(launch.stdout)")
        #expect(!launch.stdout.contains("reconnecting") && !launch.stderr.contains("reconnecting"))
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(!FileManager.default.fileExists(atPath: marker), "the host file's ProxyCommand ran")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "e", jobs: 3, epochs: 2)
    }

    /// The forms that passed the scan that used to stand in front of libssh: a quoted
    /// `Include` path with a blank, and one holding `=`, whose file says `Match exec`.
    @Test(arguments: [#"Include "DIR/with space/evil.conf""#, "Include=DIR/a=b/evil.conf"])
    func aQuotedIncludeRunsNothingOnAddListOrLaunch(_ include: String) throws {
        let sandbox = try SweepSandbox()
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let dir = sandbox.directory.path
        let marker = dir + "/pwned"
        for folder in ["with space", "a=b"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(folder)", withIntermediateDirectories: true)
            try sandbox.write("\(folder)/evil.conf", "Match exec \"touch \(marker)\"\n  User \(sshd.user)\n")
        }
        try sandbox.write("quoted_ssh_config", include.replacingOccurrences(of: "DIR", with: dir) + "\n")
        let add = try sandbox.run([
            "hosts", "add", "quoted", "--ssh", "\(sshd.user)@127.0.0.1:\(sshd.port)", "--identity", sshd.userKeyPath,
            "--known-hosts", sshd.knownHostsPath, "--ssh-config", "quoted_ssh_config",
        ])
        #expect(add.status != 0, "\(add.stdout)\n\(add.stderr)")
        #expect((add.stdout + add.stderr).contains("evil.conf:1: Match exec runs a local command"), "\(add.stdout)\n\(add.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/Hosts/quoted.json"))

        try addHostFile(sandbox, name: "quoted", sshd: sshd, sshConfig: "quoted_ssh_config")
        _ = try sandbox.run(["hosts", "list"])
        try probeSpec(sandbox, "q")
        let launch = try sandbox.run(["launch", "q.json", "--local-slots", "1"], timeout: 120)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stdout.contains("Match exec runs a local command"), "\(launch.stdout)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the included Match exec ran")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "q", jobs: 3, epochs: 2)
    }

    @Test func acceptNewRecordsTheKeyOnlyInAKnownHostsFileAndSaysWhichKey() throws {
        let sandbox = try SweepSandbox()
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        try sandbox.write("victim.txt", "precious")
        let victim = sandbox.directory.appendingPathComponent("victim.txt").path
        let common = ["--ssh", "\(sshd.user)@127.0.0.1:\(sshd.port)", "--identity", sshd.userKeyPath, "--ssh-config", "/dev/null", "--accept-new"]
        let refused = try sandbox.run(["hosts", "add", "v"] + common + ["--known-hosts", "victim.txt"])
        #expect(refused.status != 0)
        #expect((refused.stdout + refused.stderr).contains("not a known_hosts file"), "\(refused.stdout)\n\(refused.stderr)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")

        let added = try sandbox.run(["hosts", "add", "k"] + common + ["--known-hosts", "known_hosts"])
        #expect(added.status == 0, "\(added.stdout)\n\(added.stderr)")
        #expect(added.stdout.contains("k: ssh-ed25519 key \(sshd.hostKeyFingerprint) recorded in "), "\(added.stdout)")
    }

    @Test func aRefusedKeyIsGivenUpInSecondsWithoutReconnecting() throws {
        let sandbox = try SweepSandbox()
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        try addHostFile(sandbox, name: "stranger", sshd: sshd, identity: sshd.unauthorizedKeyPath)
        try probeSpec(sandbox, "k")
        let started = Date()
        let launch = try sandbox.run(["launch", "k.json", "--local-slots", "0"], timeout: 120)
        let elapsed = Date().timeIntervalSince(started)
        #expect(launch.status == 1, "\(launch.stdout)\n\(launch.stderr)")
        #expect(elapsed < givenUpAtOnce, "took \(elapsed) s")
        #expect(launch.stdout.contains("permission denied"), "\(launch.stdout)")
        #expect(!launch.stdout.contains("reconnecting") && !launch.stderr.contains("reconnecting"), "\(launch.stdout)")
        #expect(launch.stdout.contains("Resume with"))
    }

    @Test func aChangedHostKeyIsGivenUpAtOnceNamingTheRealCommand() throws {
        let sandbox = try SweepSandbox()
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        try addHostFile(sandbox, name: "moved", sshd: sshd)
        try sshd.restartWithNewHostKey()
        try probeSpec(sandbox, "c")
        let started = Date()
        let launch = try sandbox.run(["launch", "c.json", "--local-slots", "0"], timeout: 120)
        #expect(Date().timeIntervalSince(started) < givenUpAtOnce)
        #expect(launch.status == 1)
        #expect(launch.stdout.contains("ssh-keygen -R '[127.0.0.1]:\(sshd.port)'"), "\(launch.stdout)")
        #expect(!launch.stdout.contains("reconnecting"))
    }

    @Test func aHostWithoutSFTPInAFreshAccountIsAddedAndRunsJobs() throws {
        let sandbox = try SweepSandbox()
        let sshd = try TestSSHD(sftp: false, freshHome: true)
        defer { sshd.stop() }
        let home = try #require(sshd.home)
        let shipped = "\(home)/.cache/sweep/bin/\(try binaryHash())/sweep"
        let add = try sandbox.run([
            "hosts", "add", "bare", "--ssh", "\(sshd.user)@127.0.0.1:\(sshd.port)", "--slots", "2",
            "--identity", sshd.userKeyPath, "--known-hosts", sshd.knownHostsPath, "--ssh-config", "/dev/null",
        ])
        #expect(add.status == 0, "\(add.stdout)\n\(add.stderr)")
        // hosts add ran the launch preflight: the binary is on the host and starts there.
        #expect(add.stdout.contains("(binary shipped and starts)"), "\(add.stdout)")
        #expect(FileManager.default.isExecutableFile(atPath: shipped))
        try FileManager.default.removeItem(atPath: shipped)

        try probeSpec(sandbox, "b")
        let launch = try sandbox.run(["launch", "b.json", "--local-slots", "0"], timeout: 120)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(!launch.stdout.contains("sftp"), "\(launch.stdout)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "b", jobs: 3, epochs: 2)
        let store = try StoreReader(path: sandbox.database)
        #expect(Set(try store.jobs(of: try #require(try store.sweep(named: "b")).id).compactMap(\.host)) == ["bare"])
        #expect(FileManager.default.isExecutableFile(atPath: shipped))
    }

    @Test func aHostWhereTheBinaryCannotLoadItsLibrariesIsRefusedOnAddAndDroppedAtOnceOnLaunch() throws {
        let sandbox = try SweepSandbox()
        let sshd = try TestSSHD(freshHome: true)
        defer { sshd.stop() }
        let home = try #require(sshd.home)
        // What the loader prints on a host without the Swift runtime, from a stand-in binary
        // already in the cache (so it is not replaced by the real one).
        let directory = "\(home)/.cache/sweep/bin/\(try binaryHash())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let loaderError = "sweep: error while loading shared libraries: libswiftCore.so: cannot open shared object file: No such file or directory"
        try "#!/bin/sh\necho '\(loaderError)' >&2\nexit 127\n".write(toFile: directory + "/sweep", atomically: true, encoding: .utf8)
        chmod(directory + "/sweep", 0o755)

        let add = try sandbox.run([
            "hosts", "add", "old", "--ssh", "\(sshd.user)@127.0.0.1:\(sshd.port)",
            "--identity", sshd.userKeyPath, "--known-hosts", sshd.knownHostsPath, "--ssh-config", "/dev/null",
        ])
        #expect(add.status != 0)
        #expect(add.stderr.contains("missing shared library libswiftCore.so: install the Swift runtime"), "\(add.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory.appendingPathComponent("Hosts/old.json").path))

        try addHostFile(sandbox, name: "old", sshd: sshd)
        try probeSpec(sandbox, "r")
        let started = Date()
        let launch = try sandbox.run(["launch", "r.json", "--local-slots", "0"], timeout: 120)
        #expect(Date().timeIntervalSince(started) < givenUpAtOnce)
        #expect(launch.status == 1)
        #expect(launch.stdout.contains("missing shared library libswiftCore.so"), "\(launch.stdout)")
        #expect(!launch.stdout.contains("reconnecting"))
    }

    /// `hosts add` of the test sshd (as `user`, by default the current one); its result.
    func addHost(_ sandbox: SweepSandbox, _ name: String, sshd: TestSSHD, user: String? = nil) throws -> Run {
        try sandbox.run([
            "hosts", "add", name, "--ssh", "\(user ?? sshd.user)@127.0.0.1:\(sshd.port)",
            "--identity", sshd.userKeyPath, "--known-hosts", sshd.knownHostsPath, "--ssh-config", "/dev/null",
        ])
    }

    /// Runs a system tool (mount, useradd, ...) as this (root) process; throws on failure.
    func system(_ tool: String, _ arguments: [String]) throws {
        try Program.run(tool, arguments).succeeded()
    }

    /// A fresh-home test sshd whose home is a tmpfs mounted with `options`; `body` runs with it,
    /// then the mount is removed (lazily: a session may still hold it) before the server.
    func withHomeMounted(_ options: String, _ body: (TestSSHD) throws -> Void) throws {
        let sshd = try TestSSHD(freshHome: true)
        defer { sshd.stop() }
        let home = try #require(sshd.home)
        try system("/usr/bin/mount", ["-t", "tmpfs", "-o", options, "sweep-test", home])
        defer { try? system("/usr/bin/umount", ["-l", home]) }
        try body(sshd)
    }

    /// A full disk stalled the upload for ~10 s and ended in "Remote channel is closed".
    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs as the host's home needs root"))
    func aFullDiskIsReportedAtOnceWithWhatItNeedsAndWhere() throws {
        try withHomeMounted("size=2m") { sshd in
            let sandbox = try SweepSandbox()
            let add = try addHost(sandbox, "full", sshd: sshd)
            #expect(add.status != 0)
            let needs = "has no space left on full (needs \(try binaryMB()) MB in ~/.cache/sweep/bin/\(try binaryHash())"
            #expect(add.stderr.contains(needs), "\(add.stderr)")
            #expect(!add.stderr.contains("channel"), "\(add.stderr)")
            try addHostFile(sandbox, name: "full", sshd: sshd)
            try probeSpec(sandbox, "d")
            let launch = try sandbox.run(["launch", "d.json", "--local-slots", "0"], timeout: 60)
            #expect(launch.status == 1)
            #expect(launch.stdout.contains("host full unusable: host full " + needs), "\(launch.stdout)")
            #expect(!launch.stdout.contains("reconnecting") && !launch.stderr.contains("reconnecting"))
        }
    }

    /// A cache on a noexec file system: the binary arrives but cannot run.
    @Test(.enabled(if: getuid() == 0, "mounting a noexec tmpfs as the host's home needs root"))
    func aNoexecCacheSaysWhyAndHowToFixIt() throws {
        try withHomeMounted("size=256m,noexec") { sshd in
            let sandbox = try SweepSandbox()
            let add = try addHost(sandbox, "noexec", sshd: sshd)
            #expect(add.status != 0)
            #expect(add.stderr.contains("is mounted noexec, so no program runs from ~/.cache/sweep"), "\(add.stderr)")
            #expect(add.stderr.contains("ln -s /scratch/$USER/sweep-cache ~/.cache/sweep"), "\(add.stderr)")
        }
    }

    /// An account whose login shell is /bin/false logs in but runs nothing: it was reported as
    /// "architecture ?". A throw-away user, removed afterwards.
    @Test(.enabled(if: getuid() == 0, "adding a throw-away user with a /bin/false shell needs root"))
    func anAccountWhoseShellCannotRunCommandsIsToldSo() throws {
        let sshd = try TestSSHD(freshHome: true)
        defer { sshd.stop() }
        let user = "sweepnosh\(getpid() % 100_000)"
        // A password of "*" (no password) rather than useradd's locked "!", which sshd refuses even for keys.
        try system("/usr/sbin/useradd", ["--no-create-home", "--password", "*", "--home-dir", try #require(sshd.home),
                                         "--shell", "/bin/false", user])
        defer { try? system("/usr/sbin/userdel", [user]) }
        let sandbox = try SweepSandbox()
        let add = try addHost(sandbox, "noshell", sshd: sshd, user: user)
        #expect(add.status != 0)
        #expect(add.stderr.contains("host noshell cannot run commands: its account's login shell ran `echo` and printed nothing"),
                "\(add.stderr)")
        #expect(add.stderr.contains("/bin/false or nologin") && !add.stderr.contains("is ?"), "\(add.stderr)")
    }

    func binaryMB() throws -> Int64 {
        let size = try #require(try FileManager.default.attributesOfItem(atPath: SweepSandbox.binary.path)[.size] as? Int64)
        return (size + (1 << 20) + (1 << 20) - 1) >> 20
    }

    @Test func anEmptyHostsFolderSaysSo() throws {
        let sandbox = try SweepSandbox()
        try FileManager.default.createDirectory(at: sandbox.directory.appendingPathComponent("Nobody"), withIntermediateDirectories: true)
        try probeSpec(sandbox, "n")
        let launch = try sandbox.run(["launch", "n.json", "--hosts", "Nobody", "--local-slots", "0"])
        #expect(launch.status != 0)
        #expect(launch.stderr.contains("Nobody: the folder is empty"), "\(launch.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))
    }
}


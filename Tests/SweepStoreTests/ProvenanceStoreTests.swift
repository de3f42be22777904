import Foundation
import SweepCore
import SweepGit
import SweepStore
import SweepTestSupport
import Testing

/// What ran each attempt and which commit each spec revision came from, in a real SQLite file.
@Suite struct ProvenanceStoreTests: ScratchDatabases {
    let scratch: TemporaryFolder
    init() throws { scratch = try TemporaryFolder("sweep-store") }
    let spec = #"{"name": "s", "workload": "probe", "grid": {"value": [1, 2]}}"#
    let machine = AttemptMachine(os: "Debian GNU/Linux 12 (bookworm), Linux 6.1.0, x86_64", cpu: "Xeon", cores: 2,
                                 sweepVersion: "0.1.0", binaryHash: String(repeating: "ab", count: 32))

    @Test func attemptsAndRevisionsKeepTheirProvenance() throws {
        let path = try temporaryDatabase()
        let store = try StoreWriter(path: path)
        let checkout = GitCheckout(commit: String(repeating: "c", count: 40), dirty: nil)
        let sweep = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec,
                                       jobs: try newJobs(spec), checkout: checkout).sweep
        let jobs = try store.jobs(of: sweep.id)
        let first = try store.startAttempt(job: jobs[0].id, host: "local", machine: machine)
        try store.finishAttempt(job: jobs[0].id, attempt: first, outcome: .ok(summary: nil))
        let second = try store.startAttempt(job: jobs[1].id, host: "old")  // a worker that said nothing
        try store.finishAttempt(job: jobs[1].id, attempt: second, outcome: .ok(summary: nil))

        #expect(try store.attempts(of: jobs[0].id).map(\.machine) == [machine])
        #expect(try store.attempts(of: jobs[1].id).map(\.machine) == [nil])
        let machines = try store.machines(of: sweep.id)
        #expect(machines.map(\.host) == ["local", "old"] && machines.map(\.machine) == [machine, nil])
        #expect(machine.description == "Debian GNU/Linux 12 (bookworm), Linux 6.1.0, x86_64, Xeon, 2 cores, sweep 0.1.0 abababababab")

        // The same text from another commit is the same revision, keeping its first commit;
        // an edited one records the commit it came from, and none outside a repository.
        let later = GitCheckout(commit: String(repeating: "d", count: 40), dirty: true)
        _ = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec), checkout: later)
        let edited = #"{"name": "s", "workload": "probe", "grid": {"value": [1, 2, 3]}}"#
        _ = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: edited, jobs: try newJobs(edited), checkout: later)
        let third = #"{"name": "s", "workload": "probe", "grid": {"value": [3]}}"#
        _ = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: third, jobs: try newJobs(third))
        let revisions = try store.revisions(of: sweep.id)
        #expect(revisions.map(\.revision) == [1, 2, 3])
        #expect(revisions.map(\.gitCommit) == [checkout.commit, later.commit, nil])
        #expect(revisions.map(\.gitDirty) == [nil, true, nil])
    }

    /// A database from before provenance, opened read-only (not migrated), reads with none.
    @Test func aDatabaseFromBeforeProvenanceReadsWithout() throws {
        let path = try temporaryDatabase()
        do {
            let store = try StoreWriter(path: path)
            let sweep = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec)).sweep
            let job = try store.jobs(of: sweep.id)[0].id
            let attempt = try store.startAttempt(job: job, host: "local", machine: machine)
            try store.finishAttempt(job: job, attempt: attempt, outcome: .ok(summary: nil))
        }
        try sqlite3(path, """
            ALTER TABLE attempts DROP COLUMN os; ALTER TABLE attempts DROP COLUMN cpu; ALTER TABLE attempts DROP COLUMN cores;
            ALTER TABLE attempts DROP COLUMN sweep_version; ALTER TABLE attempts DROP COLUMN binary_hash;
            ALTER TABLE spec_revisions DROP COLUMN git_commit; ALTER TABLE spec_revisions DROP COLUMN git_dirty;
            DELETE FROM grdb_migrations WHERE identifier = 'v4-provenance';
            """)
        let reader = try StoreReader(path: path)
        let sweep = try #require(try reader.sweep(named: "s"))
        let job = try reader.jobs(of: sweep.id)[0].id
        #expect(try reader.attempts(of: job).map(\.machine) == [nil])
        #expect(try reader.machines(of: sweep.id).isEmpty)
        #expect(try reader.revisions(of: sweep.id).map(\.gitCommit) == [nil])
        // The next writer migrates it.
        let writer = try StoreWriter(path: path, coordinating: "s")
        #expect(try writer.startAttempt(job: job, host: "local", machine: machine) == 2)
    }
}

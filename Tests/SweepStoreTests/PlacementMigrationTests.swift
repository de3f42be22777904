import Foundation
import SweepCore
import SweepStore
import SweepTestSupport
import Testing

/// v10 makes what ran an attempt `{kind, id, node}`: a store from before (a Slurm worker's job
/// id on its host, its node on the attempt) shows the same rows as placements of kind slurm,
/// read as it is and once migrated.
@Suite struct PlacementMigrationTests: ScratchDatabases {
    let scratch: TemporaryFolder
    init() throws { scratch = try TemporaryFolder("sweep-store") }
    let spec = #"{"name": "s", "workload": "probe", "grid": {"value": [1, 2, 3]}}"#

    func expectOldRows(_ store: StoreReader, _ comment: Comment) throws {
        let hosts = Dictionary(uniqueKeysWithValues: try store.hosts().map { ($0.name, $0) })
        #expect(hosts["c.1"]?.placement == Placement(kind: "slurm", id: "41"), comment)
        #expect(hosts["c.1"]?.detail == "slurm job 41 running on node n1, 1 cores, sweep 0.1.0", comment)
        #expect(hosts["alpha"].map { $0.placement == nil } == true, comment)
        let jobs = try store.jobs(of: try #require(try store.sweep(named: "s")).id).map(\.id)
        let slurm = try #require(try store.attempts(of: jobs.first!).first?.machine, comment)
        // Which of c.1's Slurm jobs ran it was never recorded (the host kept only its last).
        #expect(slurm.placement == Placement(kind: "slurm", id: nil, node: "n1"), comment)
        #expect(slurm.description.hasPrefix("node n1, "), comment)
        let ssh = try #require(try store.attempts(of: jobs.last!).first?.machine, comment)
        #expect(ssh.placement == nil && ssh.node == nil, comment)
    }

    @Test func aStoreFromBeforePlacementsShowsItsSlurmRowsAsPlacements() throws {
        let path = try temporaryDatabase()
        do {
            let store = try StoreWriter(path: path)
            _ = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec))
        }
        // The tables as v9 left them (no placement columns, no record of v10), with rows as it wrote them.
        try sqlite3(path, """
            ALTER TABLE attempts DROP COLUMN placement_kind; ALTER TABLE attempts DROP COLUMN placement_id;
            ALTER TABLE hosts DROP COLUMN placement_kind; ALTER TABLE hosts DROP COLUMN placement_id; ALTER TABLE hosts DROP COLUMN node;
            DELETE FROM grdb_migrations WHERE identifier = 'v10-placement';
            INSERT INTO hosts (name, state, detail, slurm_job)
                VALUES ('c.1', 'up', 'slurm job 41 running on node n1, 1 cores, sweep 0.1.0', '41');
            INSERT INTO hosts (name, state, detail) VALUES ('alpha', 'up', 'alpha, 2 cores, sweep 0.1.0');
            INSERT INTO attempts (job_id, attempt, host, status, started_at, sweep_version, binary_hash, node)
                SELECT id, 1, 'c.1', 'ok', created_at, '0.1.0', 'ab', 'n1' FROM jobs WHERE id = (SELECT min(id) FROM jobs);
            INSERT INTO attempts (job_id, attempt, host, status, started_at, sweep_version, binary_hash)
                SELECT id, 1, 'alpha', 'ok', created_at, '0.1.0', 'ab' FROM jobs WHERE id = (SELECT max(id) FROM jobs);
            """)
        try expectOldRows(try StoreReader(path: path), "read as v9 left it")
        do {
            let migrated = try StoreWriter(path: path)
            try expectOldRows(migrated, "migrated")
            #expect(try migrated.integrityCheck() == "ok")
        }
        // The migration copied the job id: it no longer needs the old column.
        try sqlite3(path, "UPDATE hosts SET slurm_job = NULL")
        try expectOldRows(try StoreReader(path: path), "migrated, without slurm_job")
    }

    @Test func aHostsNewPlacementReplacesItsLastWholeAndOtherUpdatesKeepIt() throws {
        let store = try StoreWriter(path: try temporaryDatabase())
        try store.updateHost(name: "c.1", state: .pending, detail: "queued", placement: Placement(kind: "slurm", id: "7"))
        try store.updateHost(name: "c.1", state: .up, detail: "up", placement: Placement(kind: "slurm", id: "7", node: "n2"))
        try store.updateHost(name: "c.1", state: .lost, detail: "gone")
        #expect(try store.hosts().first?.placement == Placement(kind: "slurm", id: "7", node: "n2"))
        try store.updateHost(name: "c.1", state: .pending, detail: "queued again", placement: Placement(kind: "slurm", id: "8"))
        #expect(try store.hosts().first?.placement == Placement(kind: "slurm", id: "8"), "the new job has no node yet")
    }
}

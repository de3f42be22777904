import Foundation
import SweepCore
import SweepTestSupport
import Testing

@testable import SweepStore

/// The trials of a model-based search (migration v8-trials).
@Suite struct TrialStoreTests: ScratchDatabases {
    let scratch: TemporaryFolder
    init() throws { scratch = try TemporaryFolder("sweep-store") }
    static func job(_ x: Int) -> NewJob {
        let config = JobConfig(["x": .int(x), "seed": 0])
        return NewJob(key: config.key(workload: "probe", version: 1), workload: "probe", config: config)
    }

    static func register(_ store: StoreWriter, search: String) throws -> Int64 {
        try store.register(name: "s", workload: "probe", specPath: "s.json", specText: "{}", jobs: [], search: search).sweep.id
    }

    @Test func trialsAreJobsNumberedOnceAndAConfigProposedTwiceIsOneJob() throws {
        let store = try StoreWriter(path: try temporaryDatabase(), coordinating: "s")
        let sweep = try Self.register(store, search: "search-a")
        let first = try store.addTrial(sweep: sweep, number: 0, job: Self.job(1), samplerSeed: UInt64.max, proposedFrom: "random")
        let second = try store.addTrial(sweep: sweep, number: 1, job: Self.job(2), samplerSeed: UInt64.max, proposedFrom: "tpe: 1 below")
        let again = try store.addTrial(sweep: sweep, number: 2, job: Self.job(1), samplerSeed: UInt64.max, proposedFrom: "tpe: 1 below")
        #expect(again.id == first.id && second.id != first.id)
        #expect(try store.jobs(of: sweep).count == 2)
        let trials = try store.trials(of: sweep)
        #expect(trials.map(\.number) == [0, 1, 2])
        #expect(trials.map(\.job.id) == [first.id, second.id, first.id])
        #expect(trials.allSatisfy { $0.samplerSeed == UInt64.max })
        #expect(trials.map(\.proposedFrom) == ["random", "tpe: 1 below", "tpe: 1 below"])
        // A number is never given twice.
        #expect(throws: StoreError.self) {
            try store.addTrial(sweep: sweep, number: 1, job: Self.job(3), samplerSeed: 0, proposedFrom: "random")
        }
        #expect(try store.trials(of: sweep).count == 3)
        #expect(try store.jobs(of: sweep).count == 2, "the refused trial added nothing")
    }

    @Test func theSameSearchKeepsItsTrialsAnotherStartsAgain() throws {
        let store = try StoreWriter(path: try temporaryDatabase(), coordinating: "s")
        let sweep = try Self.register(store, search: "search-a")
        _ = try store.addTrial(sweep: sweep, number: 0, job: Self.job(1), samplerSeed: 0, proposedFrom: "random")
        #expect(try Self.register(store, search: "search-a") == sweep)
        #expect(try store.trials(of: sweep).count == 1 && store.jobs(of: sweep).count == 1)
        _ = try Self.register(store, search: "search-b")
        #expect(try store.trials(of: sweep).isEmpty && store.jobs(of: sweep).isEmpty)
        #expect(try store.job(String(Self.job(1).key.prefix(12))) != nil, "the old trial's job stays in the store")
    }

    @Test func aStoreFromBeforeTrialsIsReadThenMigrated() throws {
        let path = try temporaryDatabase()
        do {
            let store = try StoreWriter(path: path, coordinating: "s")
            _ = try store.register(name: "s", workload: "probe", specPath: "s.json", specText: "{}", jobs: [Self.job(1)])
        }
        try sqlite3(path, "DROP TABLE trials; DELETE FROM grdb_migrations WHERE identifier = 'v8-trials'")
        let reader = try StoreReader(path: path)
        let sweep = try #require(try reader.sweep(named: "s"))
        #expect(try reader.trials(of: sweep.id).isEmpty)
        #expect(try reader.jobs(of: sweep.id).count == 1)
        let writer = try StoreWriter(path: path, coordinating: "s")
        _ = try writer.addTrial(sweep: sweep.id, number: 0, job: Self.job(2), samplerSeed: 1, proposedFrom: "random")
        #expect(try writer.trials(of: sweep.id).count == 1)
    }

    /// Migration v9-search-settings: the first trial recorded stores the sampler settings,
    /// later ones do not replace them, and another search drops them with its trials.
    @Test func theFirstTrialStoresTheSamplerSettingsAndAnotherSearchDropsThem() throws {
        let store = try StoreWriter(path: try temporaryDatabase(), coordinating: "s")
        let sweep = try Self.register(store, search: "search-a")
        #expect(try store.storedSearch(named: "s") == StoredSearch(sweep: sweep, identity: "search-a", trials: 0, settings: nil, unreadable: false))
        _ = try store.addTrial(sweep: sweep, number: 0, job: Self.job(1), samplerSeed: 0, proposedFrom: "random",
                               settings: ["startup": 4, "multivariate": false])
        _ = try store.addTrial(sweep: sweep, number: 1, job: Self.job(2), samplerSeed: 0, proposedFrom: "random",
                               settings: ["startup": 9, "multivariate": true])
        #expect(try store.storedSearch(named: "s")
            == StoredSearch(sweep: sweep, identity: "search-a", trials: 2, settings: ["startup": 4, "multivariate": false], unreadable: false))
        _ = try Self.register(store, search: "search-b")
        #expect(try store.storedSearch(named: "s")?.settings == nil)
        #expect(try store.storedSearch(named: "t") == nil)
    }

    /// A store from before v9 is read (no settings: its trials predate them), then migrated.
    @Test func aStoreFromBeforeSearchSettingsIsReadThenMigrated() throws {
        let path = try temporaryDatabase()
        do {
            let store = try StoreWriter(path: path, coordinating: "s")
            let sweep = try Self.register(store, search: "search-a")
            _ = try store.addTrial(sweep: sweep, number: 0, job: Self.job(1), samplerSeed: 0, proposedFrom: "random")
        }
        try sqlite3(path, "DROP TABLE search_settings; DELETE FROM grdb_migrations WHERE identifier = 'v9-search-settings'")
        let reader = try StoreReader(path: path)
        let old = try #require(try reader.storedSearch(named: "s"))
        #expect(old.trials == 1 && old.settings == nil && !old.unreadable)
        let writer = try StoreWriter(path: path, coordinating: "s")
        _ = try writer.addTrial(sweep: old.sweep, number: 1, job: Self.job(2), samplerSeed: 0, proposedFrom: "random",
                                settings: ["multivariate": false])
        #expect(try writer.storedSearch(named: "s")?.settings == ["multivariate": false])
        // Settings that are not JSON (edited by hand) are told apart from none.
        try sqlite3(path, "UPDATE search_settings SET settings = 'not json'")
        #expect(try StoreReader(path: path).storedSearch(named: "s")?.unreadable == true)
    }
}

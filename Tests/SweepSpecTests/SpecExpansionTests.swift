import SweepCore
import Testing
import Workloads

@testable import SweepSpec

/// Plans a spec given as JSON text.
func plan(_ json: String, file: String = "test.json") throws -> SweepPlan {
    try SweepSpec(document: SpecDocument(file: file, text: json), workloads: WorkloadRegistry.all).plan()
}

@Suite struct SpecExpansionTests {
    @Test func gridTimesSeeds() throws {
        let p = try plan(#"{"name": "g", "workload": "probe", "grid": {"value": [1, 2, 3], "epochs": [1, 2]}, "seeds": 4}"#)
        #expect(p.jobs.count == 3 * 2 * 4)
        #expect(p.varying == ["epochs", "value"])
        #expect(Set(p.jobs.map(\.key)).count == p.jobs.count)
    }

    @Test func seedsRunInsideEachConfigurationWithoutAStopRule() throws {
        let p = try plan(#"{"workload": "probe", "grid": {"sleep_ms": [1, 2]}, "seeds": [0, 1, 2]}"#)
        #expect(p.jobs.map { "\($0.config.int("sleep_ms"))/\($0.config.seed)" } == ["1/0", "1/1", "1/2", "2/0", "2/1", "2/2"])
    }

    /// A stop rule sees every configuration once before any configuration's next seed.
    @Test func aStopRulePlansEveryConfigurationsSeedBeforeTheNextSeed() throws {
        let p = try plan("""
            {"workload": "probe", "base": {"epochs": 9}, "grid": {"sleep_ms": [1, 2]}, "seeds": [0, 1, 2],
             "objective": {"metric": "value", "mode": "max"}, "stop": {"rule": "asha", "grace": 1, "reduction": 3}}
            """)
        #expect(p.jobs.map { "\($0.config.int("sleep_ms"))/\($0.config.seed)" } == ["1/0", "2/0", "1/1", "2/1", "1/2", "2/2"])
    }

    @Test func zipGroupsAdvanceTogetherAndCrossTheGrid() throws {
        let p = try plan("""
            {"workload": "probe", "grid": {"value": [1, 2]},
             "zip": [{"epochs": [1, 2, 3], "sleep_ms": [0, 1, 2]}], "seeds": [7]}
            """)
        #expect(p.jobs.count == 2 * 3)
        for job in p.jobs {
            #expect(job.config.int("sleep_ms") == job.config.int("epochs") - 1)
            #expect(job.config.seed == 7)
        }
    }

    @Test func includeAddsConfigsAndExcludeDropsThem() throws {
        let p = try plan("""
            {"workload": "probe", "base": {"epochs": 2}, "grid": {"value": [1, 2, 3]},
             "include": [{"value": 9, "epochs": 5}],
             "exclude": [{"value": [2, 3]}]}
            """)
        #expect(p.excluded == 2)
        #expect(p.jobs.map { $0.config.double("value") } == [1, 9])
        #expect(p.jobs.map { $0.config.int("epochs") } == [2, 5])
    }

    @Test func duplicateConfigsBecomeOneJob() throws {
        // The include repeats a grid point: one job, counted as a duplicate.
        let p = try plan(#"{"workload": "probe", "grid": {"value": [1, 2]}, "include": [{"value": 2}]}"#)
        #expect(p.jobs.count == 2)
        #expect(p.duplicates == 1)
    }

    @Test func withoutGridOrZipIncludeListsTheConfigs() throws {
        let p = try plan(#"{"workload": "probe", "base": {"epochs": 2}, "include": [{"value": 3}, {"value": 4}]}"#)
        #expect(p.jobs.map { $0.config.double("value") } == [3, 4])
        #expect(try plan(#"{"workload": "probe", "base": {"epochs": 2}}"#).jobs.count == 1)
    }

    @Test func defaultsAreFilledAndNestedEqualsDotted() throws {
        let nested = try plan(#"{"workload": "probe", "base": {"value": 2}}"#)
        #expect(nested.jobs[0].config.int("epochs") == 3)
        #expect(nested.jobs[0].config.int("crash_at_epoch") == -1)
        #expect(nested.jobs[0].config.seed == 0)
    }

    @Test func jobKeyIsStableAndIgnoresHowANumberWasWritten() throws {
        let a = try plan(#"{"workload": "probe", "base": {"value": 2, "epochs": 4}}"#)
        let b = try plan(#"{"name": "other", "workload": "probe", "base": {"epochs": 4.0, "value": 2.0}}"#)
        #expect(a.jobs[0].key == b.jobs[0].key)
        let c = try plan(#"{"workload": "probe", "base": {"value": 2, "epochs": 4}, "seeds": [1]}"#)
        #expect(c.jobs[0].key != a.jobs[0].key)
    }

    @Test func yamlSpecsHaveTheSameMeaning() throws {
        let yaml = """
            name: y
            workload: probe
            base:
              epochs: 2
            grid:
              value: [1, 2.5]
            seeds: 2
            """
        let p = try SweepSpec(document: SpecDocument(file: "s.yaml", text: yaml), workloads: WorkloadRegistry.all).plan()
        #expect(p.jobs.count == 4)
        #expect(p.jobs.map { $0.config.double("value") } == [1, 1, 2.5, 2.5])
        let json = try plan(#"{"name": "y", "workload": "probe", "base": {"epochs": 2}, "grid": {"value": [1, 2.5]}, "seeds": 2}"#)
        #expect(p.jobs.map(\.key) == json.jobs.map(\.key))
    }
}

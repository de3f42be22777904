import Foundation
import SweepCore
import SweepReport
import SweepSpec
import SweepStore
import SweepViews
import SweepTestSupport
import Testing
import Workloads

/// What `ReportLoader` makes of stored jobs (the report, the dashboard and `status` share it).
@Suite struct ReportLoaderTests {
    /// `q_target` came after jobs were keyed: at its default it is left out of the stored
    /// config (the key holds), and the report still sees it, so that tables, `--where` and
    /// differences can name that value.
    @Test func aParameterLeftOutAtItsDefaultIsReportedWithIt() throws {
        let scratch = try TemporaryFolder("sweep-loader")
        let directory = scratch.url
        let spec = #"{"name": "late", "workload": "hitl-ddqn", "grid": {"q_target": ["double", "max"]}}"#
        let plan = try SweepSpec(document: SpecDocument(file: "late.json", text: spec), workloads: WorkloadRegistry.all).plan()
        let store = try StoreWriter(path: directory.appendingPathComponent("sweep.sqlite").path, coordinating: "late")
        let sweep = try store.register(name: "late", workload: "hitl-ddqn", specPath: "late.json", specText: spec,
                                       jobs: plan.jobs.map { NewJob(key: $0.key, workload: $0.workload, config: $0.config) }).sweep
        #expect(try store.jobs(of: sweep.id).map { $0.config["q_target"] } == [nil, "max"])

        let input = try ReportLoader.input(store: store, sweep: sweep, workloads: WorkloadRegistry.all)
        #expect(input.jobs.map { $0.params["q_target"] } == [.string("double"), .string("max")])
        #expect(input.jobs.allSatisfy { $0.params["kan.bias"] == .bool(false) && $0.params["model"] == .string("kan") })
    }
}

import SweepCore
import Testing
import Workloads

/// Every registered workload's schema is usable by the spec grammar and the store.
@Suite struct WorkloadRegistryTests {
    @Test(arguments: WorkloadRegistry.all.map { $0.name })
    func schemaIsConsistent(_ name: String) throws {
        let workload = try #require(WorkloadRegistry.workload(named: name))
        let names = workload.parameters.map(\.name)
        #expect(Set(names).count == names.count, "duplicate parameter names")
        #expect(!names.contains("seed"), "seed is implicit")
        for param in workload.parameters {
            #expect(param.coerce(param.defaultValue) == param.defaultValue, "\(param.name): default does not fit its own schema")
            #expect(!param.doc.isEmpty, "\(param.name) has no doc")
            // Configs are stored nested ({"kan": {"grid": 3}}): "a" and "a.b" cannot both be parameters.
            #expect(!names.contains { $0.hasPrefix(param.name + ".") }, "\(param.name) is also the prefix of another parameter")
        }
        var values = Dictionary(uniqueKeysWithValues: workload.parameters.map { ($0.name, $0.defaultValue) })
        values["seed"] = 0
        if name == Command.name {
            // Its one required parameter: the empty default is refused, naming it.
            #expect(workload.problems(in: JobConfig(values)).map(\.param) == ["command"])
            values["command"] = "true"
        }
        let config = JobConfig(values)
        #expect(JobConfig(nested: config.nested) == config, "the nested form loses values")
        #expect(workload.problems(in: config).isEmpty, "the defaults are rejected: \(workload.problems(in: config))")
    }
}

import SweepCore
import Workloads

/// A resolved config: the workload's defaults, `seed` 1, then `overrides`.
func hitlConfig(_ overrides: [String: JSONValue]) -> JobConfig {
    var values: [String: JSONValue] = ["seed": 1]
    for spec in HITLDDQN.parameters { values[spec.name] = spec.defaultValue }
    for (key, value) in overrides {
        precondition(values[key] != nil, "unknown parameter \(key)")
        values[key] = value
    }
    return JobConfig(values)
}

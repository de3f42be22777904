import SweepCore

/// Every workload this binary can run, by name.
public enum WorkloadRegistry {
    public static let all: [any Workload.Type] = [Probe.self, HITLDDQN.self, LoadBalancingPPO.self, Command.self]

    /// The workload named `name`, if this binary has it.
    public static func workload(named name: String) -> (any Workload.Type)? {
        all.first { $0.name == name }
    }
}

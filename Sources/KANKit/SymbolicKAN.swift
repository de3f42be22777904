/// A KAN whose every edge has been replaced by a fitted `SymbolicFit` (or dropped).
///
/// Built by `KAN.symbolic(on:)`; evaluates in Double and renders one formula per output.
public struct SymbolicKAN: Sendable {
    /// Node counts per level, e.g. `[64, 8, 10]`.
    public let widths: [Int]
    /// Per layer, `[inputs · outputs]` edges (index `i · outputs + o`); nil for dropped edges.
    public let edges: [[SymbolicFit?]]
    /// Per layer, a constant added to each output node (a KAN layer's bias; zeros without).
    public let biases: [[Double]]

    /// Creates a symbolic network from per-layer edge fits and, optionally, output biases.
    public init(widths: [Int], edges: [[SymbolicFit?]], biases: [[Double]]? = nil) {
        precondition(edges.count == widths.count - 1, "SymbolicKAN needs one edge list per layer")
        for (l, layer) in edges.enumerated() {
            precondition(layer.count == widths[l] * widths[l + 1], "SymbolicKAN layer \(l) needs \(widths[l] * widths[l + 1]) edges")
        }
        self.widths = widths
        self.edges = edges
        self.biases = biases ?? widths.dropFirst().map { [Double](repeating: 0, count: $0) }
        precondition(zip(self.biases, widths.dropFirst()).allSatisfy { $0.count == $1 } && self.biases.count == edges.count,
                     "SymbolicKAN needs one bias per output node of each layer")
    }

    /// Evaluates the formulas on one input vector of `widths[0]` values.
    public func callAsFunction(_ input: [Double]) -> [Double] {
        precondition(input.count == widths[0], "SymbolicKAN expects \(widths[0]) inputs, got \(input.count)")
        var x = input
        for (l, layer) in edges.enumerated() {
            var next = biases[l]
            for i in 0..<widths[l] {
                for o in 0..<widths[l + 1] {
                    if let edge = layer[i * widths[l + 1] + o] { next[o] += edge(x[i]) }
                }
            }
            x = next
        }
        return x
    }

    /// One formula per output, with the inputs named `inputNames` (default `x1`, `x2`, ...).
    public func formulas(inputNames: [String]? = nil) -> [String] {
        let names = inputNames ?? (1...widths[0]).map { "x\($0)" }
        precondition(names.count == widths[0], "formulas needs \(widths[0]) input names")
        var nodes = names
        for (l, layer) in edges.enumerated() {
            nodes = (0..<widths[l + 1]).map { o in
                var formula = "", constant = biases[l][o]
                for i in 0..<widths[l] {
                    guard let edge = layer[i * widths[l + 1] + o] else { continue }
                    constant += edge.d
                    let term = edge.term(l == 0 ? nodes[i] : "(\(nodes[i]))")
                    if formula.isEmpty {
                        formula = term
                    } else {
                        formula += term.hasPrefix("-") ? " - " + term.dropFirst() : " + " + term
                    }
                }
                return formula.isEmpty ? SymbolicFit.format(constant) : formula + SymbolicFit.signed(constant)
            }
        }
        return nodes
    }

    /// The lowest R² over the kept edges (1 if none), a quick measure of how faithful the formulas are.
    public var worstRSquared: Double { edges.joined().compactMap { $0?.rSquared }.min() ?? 1 }
}

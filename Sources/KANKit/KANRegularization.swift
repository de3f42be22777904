/// The settings of pykan's KAN regulariser (`reg_metric = "edge_forward_spline_n"`).
///
/// Per layer, with edge scales `s_io = std_batch(φ_io) / (std_batch(x_i) + 0.1)`:
/// `R = l1·Σ s + entropy·(H_rows + H_cols) + coefficient·Σ|c|/out + coefficientDifference·Σ|Δc|/out`,
/// where `H_rows` averages over outputs the entropy (base 2, `p log2(p + 1e-4)`) of
/// `s_·o / (Σ_i s_io + 1)` and `H_cols` averages over inputs that of `s_i· / (Σ_o s_io + 1)`.
/// The training loss adds `weight × R` summed over layers.
public struct KANRegularization: Sendable, Equatable {
    /// λ, the factor of the regulariser in the loss (`kan.lambda`).
    public var weight: Float
    /// The inner weight of the L1 term (`lamb_l1`).
    public var l1: Float
    /// The inner weight of the entropy terms (`lamb_entropy`).
    public var entropy: Float
    /// The inner weight of the coefficient L1 term (`lamb_coef`).
    public var coefficient: Float
    /// The inner weight of the coefficient-difference L1 term (`lamb_coefdiff`).
    public var coefficientDifference: Float

    /// Creates the settings; defaults are pykan's (`lamb_l1` 1, `lamb_entropy` 2, others 0).
    public init(weight: Float, l1: Float = 1, entropy: Float = 2, coefficient: Float = 0, coefficientDifference: Float = 0) {
        self.weight = weight
        self.l1 = l1
        self.entropy = entropy
        self.coefficient = coefficient
        self.coefficientDifference = coefficientDifference
    }
}

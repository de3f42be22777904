/// How a `KANLayer` starts: the defaults of one pykan generation.
///
/// Both fit the spline coefficients to uniform noise of amplitude `noiseScale / G` at the
/// grid points; they differ in the edge scales and the noise amplitude.
public enum KANInitialisation: String, Sendable, CaseIterable {
    /// pykan ≥ 0.2 (`MultKAN`): `w_b` uniform in `±1/sqrt(inputs)`, `w_s = 1/sqrt(inputs)`,
    /// `noise_scale` 0.3.
    case pykan
    /// pykan 0.0.x (`KAN`, spring 2024, the version the KAN paper's text describes):
    /// `w_b = 1/sqrt(inputs) + 0.1·(2z − 1)` with z standard normal (its `noise_scale_base`),
    /// `w_s = 1`, `noise_scale` 0.1.
    case pykan0 = "pykan-0.0"

    /// The amplitude of the initial spline noise (times 1/G).
    public var noiseScale: Float {
        switch self {
        case .pykan: 0.3
        case .pykan0: 0.1
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// How the Gaussian policy's unbounded sample `z` becomes a split in [0, 1].
///
/// The policy's log-probabilities are those of `z`: the squash is the same fixed map for
/// the old and the new policy, so PPO's probability ratio needs no Jacobian correction.
enum ActionSquash: String, Sendable, CaseIterable {
    /// `(clamp(z, -1, 1) + 1) / 2`: linear in the middle, saturating at the ends.
    case clamp
    /// `(tanh(z) + 1) / 2`: smooth everywhere.
    case tanh

    /// The fraction of new flows sent on MPLS for the sample `z`.
    @inline(__always)
    func split(_ z: Double) -> Double {
        switch self {
        case .clamp: return (min(1, max(-1, z)) + 1) / 2
        case .tanh: return (Glibc.tanh(z) + 1) / 2
        }
    }
}

/// What ran an attempt, in its host kind's own terms: the kind (`local`, `ssh`, `slurm`),
/// the kind's id for what it started (a Slurm job id; nil where the kind has none) and the
/// node a scheduler put it on (nil: the host itself ran it).
///
/// The coordinator, the store, `status`/`logs` and the dashboard know only this shape;
/// each host kind (`SweepRemote/HostKinds/`) says what its kind, id and node are.
public struct Placement: Sendable, Hashable {
    public var kind: String
    public var id: String?
    public var node: String?

    /// The longest kind name a placement may have: a plain word (`isValidKind`).
    public static let maxKindLength = 32

    public init(kind: String, id: String? = nil, node: String? = nil) {
        self.kind = kind
        self.id = id
        self.node = node
    }

    /// A kind is a short lowercase word (letters, digits, `-`): it is shown and stored as is.
    public static func isValidKind(_ kind: String) -> Bool {
        !kind.isEmpty && kind.utf8.count <= maxKindLength
            && kind.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }
    }
}

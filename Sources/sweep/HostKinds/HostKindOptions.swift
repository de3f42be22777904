import ArgumentParser
import SweepRemote

/// A host kind's `hosts add` options: one option group per kind, beside the kind itself
/// (`Sources/SweepRemote/HostKinds/`), which reads and checks what they become.
protocol HostKindOptions: ParsableArguments {
    /// The kind these options make.
    static var kind: any HostKind.Type { get }
    /// Whether the command line asks for this kind (`--slurm`); SSH, the default, always does.
    var chosen: Bool { get }
    /// How to add a host of this kind without `--ssh`, when it can be (said after "--ssh is required").
    static var withoutSSH: String? { get }
    /// Checks these options given that the command line asks for the kind called `kind`:
    /// those of another kind are refused. Throws a `ValidationError` naming the option.
    func check(for kind: String) throws
    /// The kind's settings from these options.
    func settings() throws -> any HostKind
}

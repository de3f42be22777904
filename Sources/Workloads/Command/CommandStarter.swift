import SweepCore

/// The spec `sweep init --command` writes for the user's own program: the command as
/// given, a grid stub per `{name}` placeholder, the program's files, seeds; commented like
/// the probe example, so that it plans as written and the user only edits the lists.
///
/// A stub is a plausible list for a name people sweep (`lr` 0.1, 0.01, 0.001; `batch_size`
/// 32, 64, 128; see `stub(for:)`), else `["TODO-1", "TODO-2"]`: strings that validate and
/// that the user replaces. Once the grid would pass `maxGridConfigs` configs, later
/// placeholders get one value, in `base`.
public struct CommandStarter: Sendable {
    /// A command or placeholder that cannot make a spec, said as the user should fix it.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The longest command taken, and the most placeholders.
    public static let maxCommandBytes = 4_096
    public static let maxPlaceholders = 64
    /// The most configs the written grid makes (placeholders past it get one value).
    public static let maxGridConfigs = 243
    /// The most program files listed.
    public static let maxFiles = 20

    public let name: String
    /// The placeholders, in order of appearance, without `seed`.
    public let placeholders: [String]
    /// The words of the command that are files of the current folder (the program).
    public let files: [String]
    /// The spec, as JSON with `//` comments.
    public let text: String

    /// - Parameters:
    ///   - command: the program and its arguments, as a `command` value is written.
    ///   - name: the sweep's name, or nil for the program file's stem (`train.py` -> `train`;
    ///     `my-program` when there is none, or it is not a plain name, or it is `example`).
    ///   - isFile: whether a relative path names a regular file of the current folder.
    public init(command: String, name: String?, isFile: (String) -> Bool) throws(Problem) {
        guard command.utf8.count <= Self.maxCommandBytes else {
            throw Problem(description: "the command is \(command.utf8.count) bytes, more than \(Self.maxCommandBytes): "
                + "put long argument lists in a script and give its command")
        }
        if let bad = command.unicodeScalars.first(where: {
            ($0.value < 0x20 && $0 != "\t") || (0x7F..<0xA0).contains($0.value) || (0x202A...0x202E).contains($0.value)
                || (0x2066...0x2069).contains($0.value)
        }) {
            throw Problem(description: "the command holds the control character U+\(String(bad.value, radix: 16, uppercase: true)): "
                + "give it on one line of printable text")
        }
        let parsed: CommandWords
        do {
            parsed = try CommandWords(.string(command))
        } catch {
            throw Problem(description: "--command: \(error.description)")
        }
        let words = parsed.words
        // In order of appearance, as the user wrote them.
        let position = { (name: String) in command.firstRange(of: "{\(name)}")?.lowerBound ?? command.endIndex }
        let placeholders = parsed.placeholders.subtracting(["seed"]).sorted { (position($0), $0) < (position($1), $1) }
        for placeholder in placeholders {
            if let problem = JobConfig.nameProblem(placeholder) { throw Problem(description: "placeholder {\(placeholder)}: \(problem)") }
            if Command.parameters.contains(where: { $0.name == placeholder }) {
                throw Problem(description: "placeholder {\(placeholder)} names the command workload's own parameter "
                    + "\"\(placeholder)\": call it something else")
            }
        }
        guard placeholders.count <= Self.maxPlaceholders else {
            throw Problem(description: "\(placeholders.count) placeholders, more than \(Self.maxPlaceholders)")
        }
        // Every word, and every blank-separated part of one (sh -c 'python3 train.py'), that is a file here.
        var files: [String] = []
        for word in words {
            for part in word.split(whereSeparator: { " \t;|&()<>'\"".contains($0) }).map(String.init)
            where files.count < Self.maxFiles && !files.contains(part) && CommandFiles.isInside(part)
                && !part.hasPrefix("-") && !part.contains("{") && isFile(part) {
                files.append(part)
            }
        }
        let stem = files.first.map { file in
            let base = file.split(separator: "/").last.map(String.init) ?? file
            return base.split(separator: ".", omittingEmptySubsequences: false).count > 1
                ? String(base[..<base.lastIndex(of: ".")!]) : base
        }
        // Not "example": `sweep init` writes the probe example under that name.
        let chosen = name ?? stem.flatMap { PlainName.isValid($0) && !$0.isEmpty && $0 != "example" ? $0 : nil } ?? "my-program"
        if let problem = PlainName.problem(chosen) {
            throw Problem(description: "the name \"\(chosen)\" is not a plain name (\(problem)): use \(PlainName.rule)")
        }
        self.name = chosen
        self.placeholders = placeholders
        self.files = files
        text = Self.spec(name: chosen, command: command, placeholders: placeholders, files: files)
    }

    /// A plausible list for a parameter named `name` (its last dotted part, any case, `-`
    /// as `_`): learning rates, rates near 0, fractions, batch sizes, epochs and steps,
    /// widths, layer counts; else two TODO strings.
    static func stub(for name: String) -> [JSONValue] {
        let key = String((name.split(separator: ".").last.map(String.init) ?? name).lowercased().map { $0 == "-" ? "_" : $0 })
        func any(_ names: [String]) -> Bool { names.contains(key) }
        if any(["lr", "learning_rate", "eta", "step_size"]) || key.hasSuffix("_lr") || key.hasPrefix("lr_") {
            return [0.1, 0.01, 0.001]
        }
        if any(["weight_decay", "wd", "decay", "eps", "epsilon", "l2", "reg", "lambda", "lam"]) { return [0.0001, 0.001, 0.01] }
        if any(["alpha", "beta", "gamma", "momentum", "dropout", "tau", "temperature", "temp", "p", "prob", "ratio", "frac", "fraction"]) {
            return [0.1, 0.5, 0.9]
        }
        if any(["batch", "batch_size", "bs", "minibatch", "mini_batch"]) || key.hasPrefix("batch") { return [32, 64, 128] }
        if any(["epochs", "epoch", "n_epochs", "num_epochs", "max_epochs", "steps", "n_steps", "num_steps", "iters", "iterations",
                "episodes", "n_episodes", "num_episodes"]) {
            return [5, 10]
        }
        if any(["width", "hidden", "hidden_size", "hidden_dim", "units", "dim", "channels", "features"]) { return [64, 128, 256] }
        if any(["layers", "n_layers", "num_layers", "depth", "heads", "n_heads", "num_heads"]) { return [1, 2, 4] }
        return ["TODO-1", "TODO-2"]
    }

    private static func spec(name: String, command: String, placeholders: [String], files: [String]) -> String {
        func json(_ value: JSONValue) -> String { value.canonicalText }
        var grid: [(String, [JSONValue])] = []
        var fixed: [(String, JSONValue)] = []
        var configs = 1
        for placeholder in placeholders {
            let values = stub(for: placeholder)
            if configs * values.count <= maxGridConfigs {
                grid.append((placeholder, values))
                configs *= values.count
            } else {
                fixed.append((placeholder, values[0]))
            }
        }
        let comment = "Your program, swept. Run: sweep launch \(name) --dry-run, then sweep launch \(name), sweep status \(name), sweep report \(name)"
        var lines = [
            "{",
            "  \"//\": \(json(.string(comment))),",
            "  \"name\": \(json(.string(name))),",
            "  \"workload\": \"command\",",
            "  \"//base\": \(json("The program ({name} is a job's value of name, {seed} its seed) and the files copied next to it for every job. It prints its metrics as name: value lines (sweep workloads command).")),",
        ]
        var base = ["    \"command\": \(json(.string(command)))", "    \"files\": \(json(.array(files.map { .string($0) })))"]
        base += fixed.map { "    \(json(.string($0.0))): \(json($0.1))" }
        lines += ["  \"base\": {", base.joined(separator: ",\n"), "  },"]
        if grid.isEmpty {
            lines.append("  \"//grid\": \(json("Add {name} placeholders to the command and a list of values per name here (\"grid\": {\"lr\": [0.1, 0.01]}) to sweep them.")),")
        } else {
            let todo = grid.contains { $0.1.first?.stringValue != nil } ? " Replace the TODO values with your own." : ""
            let moved = fixed.isEmpty ? "" : " (Placeholders past \(maxGridConfigs) configs have one value, in base.)"
            lines.append("  \"//grid\": \(json(.string("Every combination of these values is a config." + todo + moved))),")
            lines += ["  \"grid\": {", grid.map { "    \(json(.string($0.0))): [" + $0.1.map(json).joined(separator: ", ") + "]" }.joined(separator: ",\n"), "  },"]
        }
        lines += [
            // A stub, commented out: only the user knows which metric their program optimises.
            "  \"//objective\": \(json("Rename to \"objective\" with the metric your program prints, to rank runs with sweep best and stop hopeless ones early with a \"stop\" rule (docs/reference.md, Spec grammar).")),",
            "  \"//objective_example\": {\"metric\": \"loss\", \"mode\": \"min\"},",
            "  \"//seeds\": \(json("Each config runs once per seed: a count (0..n-1) or a list; the program gets it as {seed} or $SWEEP_SEED.")),",
            "  \"seeds\": 2",
            "}",
            "",
        ]
        return lines.joined(separator: "\n")
    }
}

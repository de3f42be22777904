import SweepCore

/// Any program of the user's, swept like a built-in workload: `command` is run with the
/// job's values in its `{name}` placeholders, in a fresh folder holding `files`, and what
/// it prints as `name: number` lines (or JSON objects of numbers) becomes its metrics.
///
/// Every parameter besides the three below is free: the program reads it from its command
/// line (through a placeholder) or from `$SWEEP_CONFIG`.
public enum Command: Workload {
    public static let name = "command"
    public static let version = 1
    public static let summary = "Any program: {name} placeholders in its command, metrics from its output lines."

    public static let parameters: [ParamSpec] = [
        ParamSpec("command", .json("a string split like a shell splits words (no shell runs it), or a list of words"), default: "",
                  "The program and its arguments; {name} is the job's value of name, {seed} its seed, {{ and }} literal braces."),
        ParamSpec("files", .json("a list of files and folders relative to the spec's folder"), default: [],
                  "Copied into each attempt's working folder (and to hosts); their content is part of the job key."),
        .bool("parse_stdout", true, "Read metrics from standard output (false: only from $SWEEP_METRICS)."),
    ]

    public static var acceptsOtherParameters: Bool { true }

    public static func parametersReferenced(by value: JSONValue, param: String) -> Set<String> {
        guard param == "command" else { return [] }
        return (try? CommandWords(value).placeholders) ?? []
    }

    public static func problems(in config: JobConfig) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        do {
            // The seed is added after this check; any value shows the placeholder is defined.
            var withSeed = config
            withSeed["seed"] = .int(0)
            let words = try CommandWords(config["command"] ?? "").filled(from: withSeed)
            if let problem = CommandLimits.problemAtLaunch(words: words) {
                problems.append(ConfigProblem(param: "command", message: problem))
            }
        } catch {
            problems.append(ConfigProblem(param: "command", message: error.description))
        }
        if let problem = CommandFiles.problem(in: config["files"] ?? []) {
            problems.append(ConfigProblem(param: "files", message: problem))
        }
        // Configs are stored nested: "a" and "a.b" cannot both hold a value.
        for name in config.values.keys.sorted() {
            var prefix = Substring(name)
            while let dot = prefix.lastIndex(of: ".") {
                prefix = prefix[..<dot]
                if config[String(prefix)] != nil {
                    problems.append(ConfigProblem(param: name, message: "\"\(prefix)\" is also set, and one name cannot hold a value and \"\(name)\""))
                }
            }
        }
        return problems
    }

    /// Replaces each config's list of `files` by its manifest (hashing each distinct list once).
    public static func resolve(_ configs: [JobConfig], specFolder: String) throws(ConfigProblem) -> [JobConfig] {
        var manifests: [JSONValue: JSONValue] = [:]
        var resolved: [JobConfig] = []
        resolved.reserveCapacity(configs.count)
        for var config in configs {
            let files = config["files"] ?? []
            if manifests[files] == nil {
                let paths = (files.arrayValue ?? []).compactMap(\.stringValue)
                let entries: [CommandFiles.Entry]
                do {
                    entries = try CommandFiles.manifest(of: paths, in: CommandFiles.folder(for: paths, specFolder: specFolder), home: CommandFiles.home)
                } catch {
                    // Both places a spec in Sweeps/ takes files from were tried: say so.
                    var problem = error
                    if problem.message.contains("does not exist"), let project = CommandFiles.projectFolder(of: specFolder) {
                        problem.message += " (nor in \(project), the project folder holding Sweeps/)"
                    }
                    throw problem
                }
                manifests[files] = .array(entries.map(\.json))
            }
            config["files"] = manifests[files]
            resolved.append(config)
        }
        return resolved
    }

    /// Runs `body` (planning a spec) with `command`'s files hashed but not copied into the
    /// cache: `--dry-run` writes nothing.
    public static func withoutCachingFiles<T>(_ body: () throws -> T) rethrows -> T {
        try CommandFiles.$writesCache.withValue(false, operation: body)
    }

    /// The cached copies of the job's files, for a host to receive before its first job.
    public static func dataFiles(for config: JobConfig) -> [DataFile] {
        var seen = Set<String>()
        return CommandFiles.entries(of: config).compactMap { entry in
            guard seen.insert(entry.sha256).inserted else { return nil }
            let path = CommandFiles.cacheFolder + "/" + entry.sha256
            return DataFile(localPath: CommandFiles.home + "/" + path, remotePath: path, sha256: entry.sha256)
        }
    }

    public static func run(_ config: JobConfig, context: any JobContext) throws -> JSONValue {
        let words: [String]
        do {
            words = try CommandWords(config["command"] ?? "").filled(from: config)
        } catch {
            throw JobFailure("command: \(error)")
        }
        let run = try CommandRun(config: config, key: config.key(workload: name, version: version), attempt: context.attempt)
        defer { run.removeFolder() }
        return try run.execute(words, parseStdout: config["parse_stdout"]?.boolValue ?? true, context: context)
    }
}

import ArgumentParser
import Foundation
import SweepSpec
import Workloads

extension Sweep {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set up this folder for sweeps: Sweeps/ with a commented example spec, Hosts/ and Reports/.",
            discussion: """
                Writes only inside the current folder and never over an existing file. Then: \
                sweep launch example --dry-run, sweep launch example, sweep report example.
                With --command, also Sweeps/NAME.json for your own program: a grid stub per {name} \
                placeholder (numbers for names like lr, batch_size, epochs; TODO strings otherwise), \
                the files of the command that are in this folder, 2 seeds; it is planned before it is written.
                """)

        @Option(help: ArgumentHelp("Also write a spec for your program, e.g. \"python3 train.py --lr {lr} --seed {seed}\".",
                                   valueName: "command"))
        var command: String?

        @Option(help: "The name of --command's sweep and spec file (default: the program file's name, train.py -> train).")
        var name: String?

        func validate() throws {
            if name != nil, command == nil { throw ValidationError("--name names the spec --command writes: give --command too") }
        }

        /// The example: the probe workload (no data set needed), every section commented.
        static let example = """
            {
              "//": "An example sweep. Try: sweep launch example --dry-run, then sweep launch example, then sweep report example",
              "name": "example",
              "workload": "probe",
              "//base": "Fixed parameters; sweep workloads probe lists every one with its default and range.",
              "base": {"epochs": 5},
              "//grid": "Every combination of these values is a config.",
              "grid": {"value": [0.5, 1, 2]},
              "//sample": "Random configs crossed with the grid, the same on every run (see docs/reference.md, Spec grammar).",
              "sample": {"n": 2, "seed": 0, "params": {"sleep_ms": {"int_uniform": [5, 30]}}},
              "//seeds": "Each config runs once per seed: a count (0..n-1) or a list.",
              "seeds": 2,
              "//report": "The tables sweep report writes: mean ± sd of the last window epochs.",
              "report": {"tables": [{"rows": ["value"], "metrics": ["loss", "acc"], "window": 3}]}
            }

            """

        func run() throws {
            // The user's spec is checked before anything is written: a refused one writes nothing.
            var link = stat()
            if lstat("Sweeps", &link) == 0, link.st_mode & S_IFMT == S_IFLNK {
                throw ValidationError("Sweeps is a symbolic link: sweep init writes only inside this folder; make Sweeps a folder here")
            }
            let user = try command.map { try Self.starter($0, name: name) }
            let files = FileManager.default
            var made: [String] = []
            for folder in ["Sweeps", "Hosts", "Reports"] {
                var isDirectory: ObjCBool = false
                if files.fileExists(atPath: folder, isDirectory: &isDirectory) {
                    guard isDirectory.boolValue else { throw ValidationError("\(folder) exists and is not a folder: move it away first") }
                    continue
                }
                try files.createDirectory(atPath: folder, withIntermediateDirectories: false)
                made.append(folder + "/")
            }
            let spec = "Sweeps/example.json"
            if try Self.create(spec, Self.example) { made.append(spec) }
            guard let (starter, plan) = user else {
                print(made.isEmpty ? "already set up: Sweeps/, Hosts/, Reports/ and \(spec) exist"
                    : "wrote " + made.joined(separator: ", ") + "\nNext: sweep launch example --dry-run")
                return
            }
            let path = "Sweeps/\(starter.name).json"
            guard try Self.create(path, starter.text) else {
                throw CommandFailure("\(path) exists and is kept: give another name with --name")
            }
            made.append(path)
            print("wrote " + made.joined(separator: ", "))
            if let header = PlanTable.render(plan).split(separator: "\n").first { print(header) }
            print("\(path): " + (starter.placeholders.isEmpty ? "no {name} placeholders, so one config" : "a grid of "
                + starter.placeholders.map { "{\($0)}" }.joined(separator: ", ")) + "; files: "
                + (starter.files.isEmpty ? "none found in this folder" : starter.files.joined(separator: ", ")))
            print("Edit its lists, then: sweep launch \(starter.name) --dry-run; sweep launch \(starter.name); "
                + "sweep status \(starter.name); sweep report \(starter.name)")
        }

        /// The spec for `command`, planned as it would be from `Sweeps/` (so its files are found
        /// and hashed) before it is written.
        static func starter(_ command: String, name: String?) throws -> (CommandStarter, SweepPlan) {
            let starter: CommandStarter
            do {
                starter = try CommandStarter(command: command, name: name) { path in
                    var info = stat()
                    // lstat: a symbolic link is not the program (it may lead out of the folder).
                    return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
                }
            } catch {
                throw ValidationError(error.description)
            }
            let path = "Sweeps/\(starter.name).json"
            if starter.name == "example" { throw ValidationError("\"example\" is the probe example's name: give another with --name") }
            var info = stat()
            // lstat: a link planted there, even a dangling one, is an existing file.
            for ext in ["json", "yaml", "yml"] where lstat("Sweeps/\(starter.name).\(ext)", &info) == 0 {
                throw CommandFailure("Sweeps/\(starter.name).\(ext) exists and is kept: give another name with --name")
            }
            do {
                return (starter, try SpecFiles.plan(file: path, text: starter.text))
            } catch {
                throw CommandFailure("the spec for this command does not plan, so nothing was written:\n\(error)", exitCode: CommandFailure.invalidSpec)
            }
        }

        /// Writes `text` to a new file at `path`; false when one exists (it is kept).
        static func create(_ path: String, _ text: String) throws -> Bool {
            // O_EXCL: an existing file (or a symbolic link planted there) is never written through.
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644)
            guard fd >= 0 else {
                if errno == EEXIST { return false }
                throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            try handle.write(contentsOf: Data(text.utf8))
            return true
        }
    }
}

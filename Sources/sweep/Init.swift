import ArgumentParser
import Foundation

extension Sweep {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set up this folder for sweeps: Sweeps/ with a commented example spec, Hosts/ and Reports/.",
            discussion: """
                Writes only inside the current folder and never over an existing file. Then: \
                sweep launch example --dry-run, sweep launch example, sweep report example.
                """)

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
              "//sample": "Random configs crossed with the grid, the same on every run (see README, Spec grammar).",
              "sample": {"n": 2, "seed": 0, "params": {"sleep_ms": {"int_uniform": [5, 30]}}},
              "//seeds": "Each config runs once per seed: a count (0..n-1) or a list.",
              "seeds": 2,
              "//report": "The tables sweep report writes: mean ± sd of the last window epochs.",
              "report": {"tables": [{"rows": ["value"], "metrics": ["loss", "acc"], "window": 3}]}
            }

            """

        func run() throws {
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
            // O_EXCL: an existing file (or a symbolic link planted there) is never written through.
            let fd = open(spec, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644)
            if fd >= 0 {
                let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
                try handle.write(contentsOf: Data(Self.example.utf8))
                made.append(spec)
            } else if errno != EEXIST {
                throw ValidationError("cannot write \(spec): \(String(cString: strerror(errno)))")
            }
            print(made.isEmpty ? "already set up: Sweeps/, Hosts/, Reports/ and \(spec) exist"
                : "wrote " + made.joined(separator: ", ") + "\nNext: sweep launch example --dry-run")
        }
    }
}

import Foundation

extension CommandFiles {
    /// The folder a spec's `files` are read from: the spec's own, or, for a spec in a
    /// `Sweeps/` folder (the layout `sweep init` makes) whose files are not there but all
    /// are beside `Sweeps/`, the project folder that holds it; so `Sweeps/train.json` can
    /// name the project's `train.py`. Paths still never leave the chosen folder (no `..`).
    /// The project folder a spec in `Sweeps/` may take its files from, or nil.
    static func projectFolder(of specFolder: String) -> String? {
        let spec = URL(fileURLWithPath: specFolder).standardizedFileURL
        return spec.lastPathComponent == "Sweeps" ? spec.deletingLastPathComponent().path : nil
    }

    static func folder(for paths: [String], specFolder: String) -> String {
        let spec = URL(fileURLWithPath: specFolder).standardizedFileURL
        guard spec.lastPathComponent == "Sweeps", !paths.isEmpty else { return specFolder }
        func exists(_ path: String, in folder: URL) -> Bool {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path)
        }
        guard !paths.allSatisfy({ exists($0, in: spec) }) else { return specFolder }
        let project = spec.deletingLastPathComponent()
        return paths.allSatisfy({ exists($0, in: project) }) ? project.path : specFolder
    }
}

import ArgumentParser
import Foundation
import SweepSpec
import Workloads

/// Finding and planning spec files.
enum SpecFiles {
    /// `dist` -> `Sweeps/dist.json` (or .yaml/.yml) when `dist` is not itself a file.
    static func resolve(_ name: String) throws -> String {
        if FileManager.default.fileExists(atPath: name) { return name }
        if !name.contains("/"), !name.contains(".") {
            for ext in ["json", "yaml", "yml"] {
                let candidate = "Sweeps/\(name).\(ext)"
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
            }
            throw ValidationError("no spec \"\(name)\": neither a file nor Sweeps/\(name).json, .yaml or .yml")
        }
        throw ValidationError("no spec file \(name)")
    }

    /// Reads, validates and expands the spec at `path`.
    ///
    /// With `overrides` (`key=value` arguments) the spec is first validated as written,
    /// then changed and named `name` (default: derived from the overrides, printed).
    /// - Throws: `CommandFailure` with status 64 naming every problem.
    static func plan(_ path: String, maxJobs: Int = SweepPlan.defaultMaxJobs,
                     overrides arguments: [String] = [], name: String? = nil) throws -> SweepPlan {
        try invalidSpecIsUsage {
            var document = try SpecDocument(contentsOf: path)
            let written = try SweepSpec(document: document, workloads: WorkloadRegistry.all)
            if !arguments.isEmpty || name != nil {
                let overrides = try SpecOverrides(arguments)
                let sweepName = name ?? overrides.derivedName(from: written.name)
                document = try overrides.apply(to: document, name: sweepName, workloads: WorkloadRegistry.all)
                // Named only once the overrides hold: a refused launch has no sweep to name.
                if name == nil { print("sweep name: \(sweepName) (from the overrides; --name NEW to choose)") }
            }
            return try SweepSpec(document: document, workloads: WorkloadRegistry.all).plan(maxJobs: maxJobs)
        }
    }

    /// Validates and expands a spec's text as stored with its sweep. Not capped: the
    /// spec passed `--max-jobs` (maybe a raised one) when it was launched.
    static func plan(file: String, text: String) throws -> SweepPlan {
        try invalidSpecIsUsage {
            try SweepSpec(document: SpecDocument(file: file, text: text), workloads: WorkloadRegistry.all).plan(maxJobs: .max)
        }
    }

    private static func invalidSpecIsUsage(_ body: () throws -> SweepPlan) throws -> SweepPlan {
        do {
            return try body()
        } catch {
            throw CommandFailure("\(error)", exitCode: CommandFailure.invalidSpec)
        }
    }
}

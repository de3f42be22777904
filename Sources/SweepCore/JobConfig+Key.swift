extension JobConfig {
    /// The job key of this config under a workload: hex SHA-256 of the canonical
    /// `{workload, version, config}`, so equal configs share it.
    public func key(workload: String, version: Int) -> String {
        let identity: JSONValue = ["workload": .string(workload), "version": .int(version), "config": nested]
        return Digest.sha256Hex(identity.canonicalText.utf8)
    }
}

extension JobConfig {
    /// Why `name` cannot be a parameter's dotted name, or nil when it can: every part between
    /// dots must be non-empty. `nested` (and so the key) splits names on dots, so `a..b`,
    /// `a.` or `.a` would land on the same place as `a.b`, `a` or `a`, and two such values
    /// would give one job key or the other from run to run.
    public static func nameProblem(_ name: String) -> String? {
        guard name.isEmpty || name.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else { return nil }
        let shown = name.count > 80 ? String(name.prefix(80)) + "…" : name
        return "\"\(shown)\" is not a parameter name: expected non-empty parts joined by dots, like \"kan.width\" (no empty part, as in \"a.\", \".a\" or \"a..b\")"
    }
}

extension JobConfig {
    /// The job key of this config under a workload: hex SHA-256 of the canonical
    /// `{workload, version, config}`, so equal configs share it.
    public func key(workload: String, version: Int) -> String {
        let identity: JSONValue = ["workload": .string(workload), "version": .int(version), "config": nested]
        return Digest.sha256Hex(identity.canonicalText.utf8)
    }
}

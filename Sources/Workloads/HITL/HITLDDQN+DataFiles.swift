import SweepCore

extension HITLDDQN {
    /// The four IDX files of the config's data set, as this machine has them, for copying
    /// to worker hosts' `~/.cache/sweep/datasets/<name>/` (the second place a job looks).
    /// A `data_dir` set, or a data set missing here, ships nothing: the job then looks on
    /// its host and says how to get the data if it is not there either.
    public static func dataFiles(for config: JobConfig) -> [DataFile] {
        guard config.string("data_dir").isEmpty else { return [] }
        let name = config.string("dataset")
        guard let directory = try? DatasetCatalog.current.locate(name),
              let paths = try? DatasetCatalog.idxFiles(in: directory) else { return [] }
        return paths.compactMap { path in
            guard let sha256 = try? Digest.cachedSHA256Hex(fileAtPath: path) else { return nil }
            let file = path.split(separator: "/").last.map(String.init) ?? path
            return DataFile(localPath: path, remotePath: ".cache/sweep/datasets/\(name)/\(file)", sha256: sha256)
        }
    }
}

import Foundation

extension SpecDocument {
    /// The absolute folder of the spec file, where a workload finds the files a spec names
    /// (a relative `file` is taken from the current directory).
    public var folder: String {
        let directory = (file as NSString).deletingLastPathComponent
        if directory.hasPrefix("/") { return directory }
        let current = FileManager.default.currentDirectoryPath
        return directory.isEmpty ? current : current + "/" + directory
    }
}

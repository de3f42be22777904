#if canImport(Glibc)
import Glibc
#endif

/// The known data sets and the directories searched for them:
/// `$SWEEP_DATA/<name>`, `~/.cache/sweep/datasets/<name>`, `/usr/share/datasets/<name>`.
public struct DatasetCatalog: Sendable {
    /// Where one data set was looked for and where it was found.
    public struct Listing: Sendable, Equatable {
        /// The data set's name.
        public var name: String
        /// The first directory holding all four files, or `nil`.
        public var foundIn: String?
        /// Every directory looked at, in search order.
        public var searched: [String]
        /// How to get the data set when it is missing.
        public var remedy: String
    }

    /// The data sets `sweep data fetch` knows.
    public var descriptors: [DatasetDescriptor]
    /// The roots searched in order; a data set lives in `<root>/<name>`.
    public var roots: [String]

    /// Makes the standard catalogue, reading `SWEEP_DATA` and `HOME` from `environment`.
    public init(environment: [String: String], descriptors: [DatasetDescriptor] = [.mnist, .fashionMNIST]) {
        var roots: [String] = []
        if let custom = environment["SWEEP_DATA"], !custom.isEmpty { roots.append(custom) }
        roots.append(DatasetCatalog.cacheRoot(environment: environment))
        roots.append("/usr/share/datasets")
        self.init(roots: roots, descriptors: descriptors)
    }

    /// Makes a catalogue over explicit roots (first is searched first).
    public init(roots: [String], descriptors: [DatasetDescriptor] = [.mnist, .fashionMNIST]) {
        self.roots = roots
        self.descriptors = descriptors
    }

    /// The catalogue for this process's environment.
    public static var current: DatasetCatalog {
        DatasetCatalog(environment: processEnvironment(["SWEEP_DATA", "HOME", "XDG_CACHE_HOME"]))
    }

    /// The per-user download cache root, `~/.cache/sweep/datasets` (or under `$XDG_CACHE_HOME`).
    public static func cacheRoot(environment: [String: String]) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/sweep/datasets" }
        return (environment["HOME"] ?? "/root") + "/.cache/sweep/datasets"
    }

    /// The descriptor named `name`.
    public func descriptor(named name: String) throws(DatasetError) -> DatasetDescriptor {
        guard let found = descriptors.first(where: { $0.name == name }) else {
            throw .unknownDataset(name: name, known: descriptors.map(\.name))
        }
        return found
    }

    /// Where each known data set is found, for `sweep data list`.
    public func listing() -> [Listing] {
        descriptors.map { descriptor in
            let searched = roots.map { $0 + "/" + descriptor.name }
            return Listing(
                name: descriptor.name,
                foundIn: searched.first { DatasetCatalog.holdsIDXSet($0) },
                searched: searched,
                remedy: DatasetCatalog.remedy(for: descriptor))
        }
    }

    /// The directory holding the data set `name`, the first on the search path.
    ///
    /// - Throws: `DatasetError.notFound` naming the directories searched and the command
    ///   or package that provides the data.
    public func locate(_ name: String) throws(DatasetError) -> String {
        let descriptor = try descriptor(named: name)
        let listing = listing().first { $0.name == descriptor.name }!
        guard let directory = listing.foundIn else {
            throw .notFound(name: name, searched: listing.searched, remedy: listing.remedy)
        }
        return directory
    }

    /// The paths of the four IDX files in `directory`, each either gzipped or plain.
    ///
    /// - Throws: `DatasetError.notFound` if one is missing.
    public static func idxFiles(in directory: String) throws(DatasetError) -> [String] {
        var paths: [String] = []
        for name in DatasetDescriptor.standardFileNames {
            let gz = directory + "/" + name
            let plain = String(gz.dropLast(3))
            if fileExists(gz) {
                paths.append(gz)
            } else if fileExists(plain) {
                paths.append(plain)
            } else {
                throw .notFound(name: directory, searched: [gz, plain], remedy: "put the four standard IDX files (\(DatasetDescriptor.standardFileNames.joined(separator: ", "))) there")
            }
        }
        return paths
    }

    /// Whether `directory` holds all four IDX files.
    static func holdsIDXSet(_ directory: String) -> Bool {
        (try? idxFiles(in: directory)) != nil
    }

    static func remedy(for descriptor: DatasetDescriptor) -> String {
        var text = "run `sweep data fetch \(descriptor.name)`"
        if let package = descriptor.debianPackage { text += " or install the Debian package \(package)" }
        return text
    }

    static func fileExists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    static func processEnvironment(_ names: [String]) -> [String: String] {
        var environment: [String: String] = [:]
        for name in names {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return environment
    }
}

/// What the catalogue knows about one image data set: its four IDX files with their
/// SHA-256 sums, where to download them, how to normalise its pixels, and which Debian
/// package (if any) installs it.
public struct DatasetDescriptor: Sendable, Hashable {
    /// One IDX file of a data set.
    public struct File: Sendable, Hashable {
        /// The file name as the mirrors serve it (`train-images-idx3-ubyte.gz`).
        public var name: String
        /// The lowercase hex SHA-256 of the file as served.
        public var sha256: String

        /// Makes a file entry.
        public init(name: String, sha256: String) {
            self.name = name
            self.sha256 = sha256
        }
    }

    /// The name used in configs and on the search path (`fashion-mnist`).
    public var name: String
    /// Training images, training labels, test images, test labels, in that order.
    public var files: [File]
    /// Base URLs the files are downloaded from, tried in order (`<base>/<file name>`).
    public var mirrors: [String]
    /// Mean of the [0, 1] pixel values, subtracted before dividing by `pixelStandardDeviation`.
    public var pixelMean: Float
    /// Standard deviation used for normalisation.
    public var pixelStandardDeviation: Float
    /// The Debian package that installs the data set under `/usr/share/datasets`, if any.
    public var debianPackage: String?

    /// Makes a descriptor.
    public init(name: String, files: [File], mirrors: [String], pixelMean: Float, pixelStandardDeviation: Float, debianPackage: String? = nil) {
        precondition(files.count == 4, "a data set has four IDX files")
        self.name = name
        self.files = files
        self.mirrors = mirrors
        self.pixelMean = pixelMean
        self.pixelStandardDeviation = pixelStandardDeviation
        self.debianPackage = debianPackage
    }

    /// The standard IDX file names (train images, train labels, test images, test labels).
    public static let standardFileNames = [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    ]

    /// MNIST handwritten digits (LeCun et al.), normalised with mean 0.1307 and sd 0.3081.
    public static let mnist = DatasetDescriptor(
        name: "mnist",
        files: zip(standardFileNames, [
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ]).map { File(name: $0, sha256: $1) },
        mirrors: [
            "https://ossci-datasets.s3.amazonaws.com/mnist",
            "https://storage.googleapis.com/cvdf-datasets/mnist",
        ],
        pixelMean: 0.1307, pixelStandardDeviation: 0.3081)

    /// Fashion-MNIST (Zalando), normalised with mean 0.5 and sd 0.5.
    public static let fashionMNIST = DatasetDescriptor(
        name: "fashion-mnist",
        files: zip(standardFileNames, [
            "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
            "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
            "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
            "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
        ]).map { File(name: $0, sha256: $1) },
        mirrors: [
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
            "https://ossci-datasets.s3.amazonaws.com/fashion-mnist",
        ],
        pixelMean: 0.5, pixelStandardDeviation: 0.5,
        debianPackage: "dataset-fashion-mnist")
}

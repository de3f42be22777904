import Synchronization

/// A data set ready for training: 8x8 normalised images, labels, and the simulated
/// feedback heatmap of every image, for the training and the test split.
public struct PreparedDataset: Sendable {
    /// One split (training or test).
    public struct Split: Sendable {
        /// Number of examples.
        public var count: Int
        /// `[count, 64]` row-major normalised pixels of the 8x8 images.
        public var pixels: [Float]
        /// `[count]` class labels 0...9.
        public var labels: [Int32]
        /// `[count, 64]` row-major feedback heatmaps in [0, 1].
        public var feedback: [Float]
    }

    /// Which data, which subset, which feedback width: the key of the process-wide cache.
    public struct Key: Sendable, Hashable {
        /// A catalogue name (`fashion-mnist`) or, when `directory` is set, a label.
        public var dataset: String
        /// A directory of IDX files used instead of the catalogue, or "".
        public var directory: String
        /// First `trainLimit` training examples (0 = all).
        public var trainLimit: Int
        /// First `testLimit` test examples (0 = all).
        public var testLimit: Int
        /// Width of the feedback Gaussian.
        public var eta: Float

        /// Makes a key.
        public init(dataset: String, directory: String = "", trainLimit: Int = 0, testLimit: Int = 0, eta: Float = 5) {
            self.dataset = dataset
            self.directory = directory
            self.trainLimit = trainLimit
            self.testLimit = testLimit
            self.eta = eta
        }
    }

    /// Side of the resized images.
    public static let side = 8
    /// Pixels per resized image.
    public static let pixelCount = side * side

    /// The training split.
    public var train: Split
    /// The test split.
    public var test: Split
    /// Number of classes (largest label + 1, at least 10).
    public var classCount: Int

    private static let cache = Mutex<[Key: PreparedDataset]>([:])

    /// The prepared data for `key`, loaded and preprocessed once per process.
    ///
    /// - Throws: `DatasetError` if the files are missing or malformed.
    public static func load(_ key: Key, catalog: DatasetCatalog = .current) throws(DatasetError) -> PreparedDataset {
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let prepared = try prepare(key, catalog: catalog)
        cache.withLock { $0[key] = prepared }
        return prepared
    }

    /// Loads and preprocesses without consulting the cache.
    public static func prepare(_ key: Key, catalog: DatasetCatalog) throws(DatasetError) -> PreparedDataset {
        let directory: String
        var mean: Float? = nil, sd: Float? = nil
        if key.directory.isEmpty {
            let descriptor = try catalog.descriptor(named: key.dataset)
            directory = try catalog.locate(key.dataset)
            mean = descriptor.pixelMean
            sd = descriptor.pixelStandardDeviation
        } else {
            directory = key.directory
        }
        let paths = try DatasetCatalog.idxFiles(in: directory)
        let trainImages = try IDXArray(contentsOf: paths[0]), trainLabels = try IDXArray(contentsOf: paths[1])
        let testImages = try IDXArray(contentsOf: paths[2]), testLabels = try IDXArray(contentsOf: paths[3])
        if mean == nil {
            // A data set given by path: normalise with its own training-set statistics.
            (mean, sd) = pixelStatistics(trainImages)
        }
        let train = try split(images: trainImages, labels: trainLabels, paths: (paths[0], paths[1]), limit: key.trainLimit, mean: mean!, sd: sd!, eta: key.eta)
        let test = try split(images: testImages, labels: testLabels, paths: (paths[2], paths[3]), limit: key.testLimit, mean: mean!, sd: sd!, eta: key.eta)
        let largest = max(train.labels.max() ?? 0, test.labels.max() ?? 0)
        return PreparedDataset(train: train, test: test, classCount: max(10, Int(largest) + 1))
    }

    static func pixelStatistics(_ images: IDXArray) -> (Float, Float) {
        var sum = 0.0, squares = 0.0
        for b in images.bytes {
            let v = Double(b) / 255
            sum += v
            squares += v * v
        }
        let n = Double(max(images.bytes.count, 1))
        let mean = sum / n
        return (Float(mean), Float(max((squares / n - mean * mean).squareRoot(), 1e-6)))
    }

    static func split(images: IDXArray, labels: IDXArray, paths: (String, String), limit: Int, mean: Float, sd: Float, eta: Float) throws(DatasetError) -> Split {
        guard images.dimensions.count == 3 else {
            throw .malformed(path: paths.0, reason: "images have dimensions \(images.dimensions), expected [count, rows, columns]")
        }
        guard images.dimensions[1] == images.dimensions[2] else {
            throw .malformed(path: paths.0, reason: "images are \(images.dimensions[1])x\(images.dimensions[2]), expected square images")
        }
        guard labels.dimensions == [images.dimensions[0]] else {
            throw .malformed(path: paths.1, reason: "labels have dimensions \(labels.dimensions), expected [\(images.dimensions[0])] to match \(paths.0)")
        }
        let available = images.dimensions[0]
        let count = limit > 0 ? min(limit, available) : available
        let inSide = images.dimensions[1]
        let resize = AntialiasedResize(from: inSide, to: side)
        var pixels = [Float](repeating: 0, count: count * pixelCount)
        var feedback = [Float](repeating: 0, count: count * pixelCount)
        let source = UnsafeMutableBufferPointer<Float>.allocate(capacity: inSide * inSide)
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: inSide * side)
        defer {
            source.deallocate()
            scratch.deallocate()
        }
        let labelValues = labels.bytes.prefix(count).map(Int32.init)
        // Whole-array buffers outside the loop: per-element Array subscripts (bounds and
        // uniqueness checks) kept this loop from vectorising and cost a second per process.
        images.bytes.withUnsafeBufferPointer { bytes in
            pixels.withUnsafeMutableBufferPointer { pixels in
                feedback.withUnsafeMutableBufferPointer { feedback in
                    for n in 0..<count {
                        let image = bytes.baseAddress! + n * inSide * inSide
                        for i in 0..<(inSide * inSide) { source[i] = Float(image[i]) / 255 }
                        let resized = UnsafeMutableBufferPointer(rebasing: pixels[(n * pixelCount)..<((n + 1) * pixelCount)])
                        resize.apply(UnsafeBufferPointer(source), into: resized, scratch: scratch)
                        FeedbackHeatmap.compute(
                            image: UnsafeBufferPointer(resized), side: side, eta: eta,
                            into: UnsafeMutableBufferPointer(rebasing: feedback[(n * pixelCount)..<((n + 1) * pixelCount)]))
                        for i in resized.indices { resized[i] = (resized[i] - mean) / sd }
                    }
                }
            }
        }
        return Split(count: count, pixels: pixels, labels: labelValues, feedback: feedback)
    }
}

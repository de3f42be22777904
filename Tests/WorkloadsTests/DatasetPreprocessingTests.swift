import Foundation
import SweepTestSupport
import Testing
import Workloads

@Suite struct DatasetPreprocessingTests {
    /// The triangle-filter downscale computed directly in Double, pixel by pixel.
    static func referenceResize(_ image: [Double], from n: Int, to m: Int) -> [Double] {
        let scale = Double(n) / Double(m), support = scale
        func weights(_ o: Int) -> [Double] {
            let center = (Double(o) + 0.5) * scale
            var w = (0..<n).map { i in max(0, 1 - abs(Double(i) + 0.5 - center) / support) }
            let total = w.reduce(0, +)
            for i in 0..<n { w[i] /= total }
            return w
        }
        var out = [Double](repeating: 0, count: m * m)
        for oy in 0..<m {
            let wy = weights(oy)
            for ox in 0..<m {
                let wx = weights(ox)
                var sum = 0.0
                for y in 0..<n { for x in 0..<n { sum += wy[y] * wx[x] * image[y * n + x] } }
                out[oy * m + ox] = sum
            }
        }
        return out
    }

    @Test func resizeMatchesTheDirectComputation() {
        var generator = SystemRandomNumberGenerator()
        let image = (0..<(28 * 28)).map { _ in Double.random(in: 0...1, using: &generator) }
        let resize = AntialiasedResize(from: 28, to: 8)
        var output = [Float](repeating: 0, count: 64)
        var scratch = [Float](repeating: 0, count: 28 * 8)
        let input = image.map(Float.init)
        input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in scratch.withUnsafeMutableBufferPointer { s in resize.apply(i, into: o, scratch: s) } }
        }
        let expected = Self.referenceResize(image, from: 28, to: 8)
        for k in 0..<64 { #expect(abs(Double(output[k]) - expected[k]) < 1e-5) }
    }

    @Test func resizeWeightsAreLocalAndNormalised() {
        let resize = AntialiasedResize(from: 28, to: 8)
        for o in 0..<8 {
            let row = resize.weights[(o * 28)..<((o + 1) * 28)]
            #expect(abs(row.reduce(0, +) - 1) < 1e-6)
            // Support is 3.5 pixels either side of the centre (o + 0.5) * 3.5.
            let nonzero = row.indices.filter { row[$0] > 0 }.map { $0 - o * 28 }
            let center = (Double(o) + 0.5) * 3.5
            #expect(nonzero.allSatisfy { abs(Double($0) + 0.5 - center) < 3.5 })
            #expect(nonzero.count >= 5)
        }
    }

    @Test func feedbackHeatmapIsAGaussianAroundTheBrightestPixel() {
        var image = [Float](repeating: 0.1, count: 64)
        image[2 * 8 + 5] = 0.9  // row 2, column 5
        image[6 * 8 + 1] = 0.9  // a later tie does not move the centre
        var heatmap = [Float](repeating: 0, count: 64)
        image.withUnsafeBufferPointer { i in heatmap.withUnsafeMutableBufferPointer { FeedbackHeatmap.compute(image: i, side: 8, eta: 5, into: $0) } }
        #expect(heatmap[2 * 8 + 5] == 1)
        #expect(heatmap.max() == 1)
        for y in 0..<8 {
            for x in 0..<8 {
                let d2 = Double((x - 5) * (x - 5) + (y - 2) * (y - 2))
                #expect(abs(Double(heatmap[y * 8 + x]) - exp(-d2 / 50)) < 1e-6)
            }
        }
        // Symmetric about the centre where both sides exist.
        #expect(heatmap[2 * 8 + 3] == heatmap[2 * 8 + 7])
        #expect(heatmap[0 * 8 + 5] == heatmap[4 * 8 + 5])
    }

    @Test func preparesAnIDXSetGivenByDirectory() throws {
        let dir = try TemporaryFolder("sweep-dataset")
        try IDXWriter.writeTinySet(count: 30, to: dir.path, gzip: true)
        let key = PreparedDataset.Key(dataset: "tiny", directory: dir.path, trainLimit: 20, testLimit: 0, eta: 5)
        let data = try PreparedDataset.prepare(key, catalog: DatasetCatalog(roots: []))
        #expect(data.train.count == 20)
        #expect(data.test.count == 30)
        #expect(data.train.labels == (0..<20).map { Int32($0 % 10) })
        #expect(data.train.pixels.count == 20 * 64)
        // Own-statistics normalisation: the training pixels (before resizing) have mean 0,
        // so the resized ones are close to it.
        let mean = data.train.pixels.reduce(0, +) / Float(data.train.pixels.count)
        #expect(abs(mean) < 0.2)
        for e in 0..<20 {
            let heat = data.train.feedback[(e * 64)..<((e + 1) * 64)]
            #expect(heat.max() == 1)
            // The brightest resized pixel is where the feedback peaks.
            let pixels = Array(data.train.pixels[(e * 64)..<((e + 1) * 64)])
            let brightest = pixels.indices.max { pixels[$0] < pixels[$1] }!
            #expect(heat[e * 64 + brightest] == 1)
        }
    }

    @Test func preparesRealFashionMNIST() throws {
        let key = PreparedDataset.Key(dataset: "fashion-mnist", trainLimit: 500, testLimit: 200)
        let data = try PreparedDataset.load(key, catalog: DatasetCatalog(roots: ["/usr/share/datasets"]))
        #expect(data.train.count == 500 && data.test.count == 200)
        #expect(data.classCount == 10)
        #expect(Set(data.train.labels) == Set(0..<10))
        // (x - 0.5) / 0.5 maps [0, 1] to [-1, 1].
        #expect(data.train.pixels.allSatisfy { $0 >= -1.0001 && $0 <= 1.0001 })
        #expect(data.train.pixels.min()! < -0.99)
        #expect(data.test.feedback.allSatisfy { $0 > 0 && $0 <= 1 })
        // A second load is the cached value.
        let again = try PreparedDataset.load(key, catalog: DatasetCatalog(roots: ["/usr/share/datasets"]))
        #expect(again.train.pixels == data.train.pixels)
    }
}

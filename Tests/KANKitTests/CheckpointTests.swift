import Foundation
import KANKit
import Testing

@Suite("Checkpoints")
struct CheckpointTests {
    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kankit-\(UUID().uuidString)-\(name)").path
    }

    @Test func roundTripRestoresParametersAndGrids() throws {
        let source = KAN(widths: [4, 3, 2], seed: 1)
        source.updateGrid(from: GradientCheck.randomTensor([40, 4], seed: 2, range: -0.3...0.7))
        let path = temporaryPath("kan.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(source, to: path)
        let restored = KAN(widths: [4, 3, 2], seed: 99)
        try Checkpoint.load(into: restored, from: path)
        for (a, b) in zip(source.parameters + source.buffers, restored.parameters + restored.buffers) { #expect(a.values == b.values) }
        let input = GradientCheck.randomTensor([3, 4], seed: 3)
        #expect(source.forward(input).values == restored.forward(input).values)
    }

    @Test func mismatchedNetworkIsAClearError() throws {
        let path = temporaryPath("mlp.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(Sequential.mlp(widths: [4, 3, 2], seed: 1), to: path)
        let other = Sequential.mlp(widths: [4, 5, 2], seed: 1)
        let before = other.parameters[0].values
        let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(into: other, from: path) }
        #expect(error?.description.contains("expected weight [4, 5]") == true, "\(String(describing: error))")
        #expect(other.parameters[0].values == before)
    }

    @Test func truncatedAndForeignFilesAreRejected() throws {
        let network = Sequential.mlp(widths: [2, 2], seed: 1)
        let path = temporaryPath("bad.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(network, to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 3).write(to: URL(fileURLWithPath: path))
        let truncated = #expect(throws: CheckpointError.self) { try Checkpoint.load(into: network, from: path) }
        #expect(truncated?.reason.contains("truncated") == true)
        try Data("hello world, not a checkpoint".utf8).write(to: URL(fileURLWithPath: path))
        let foreign = #expect(throws: CheckpointError.self) { try Checkpoint.load(into: network, from: path) }
        #expect(foreign?.reason.contains("bad magic") == true)
    }
}

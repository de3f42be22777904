import SweepCore
import Testing
import Workloads

@testable import SweepSpec

/// Thousands of mutated specs through the validator: it never crashes, and every
/// rejection carries at least one message that names the file.
@Suite struct SpecFuzzTests {
    static let seedSpecs = [
        #"{"name": "a", "workload": "probe", "base": {"epochs": 3}, "grid": {"value": [1, 2.5]}, "seeds": 2}"#,
        #"{"workload": "probe", "zip": [{"epochs": [1, 2], "sleep_ms": [0, 5]}], "include": [{"value": 3}], "exclude": [{"epochs": [2]}]}"#,
        "name: y\nworkload: probe\ngrid:\n  value: [1, 2]\nseeds: [3, 4]\n",
    ]

    /// A small deterministic generator (SplitMix64), so a failure reproduces.
    struct Mutator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

        static let fragments = ["{", "}", "[", "]", ",", ":", "\"", "-1", "1e400", "null", "true", "\"grid\"", "\"seed\"",
                                "\"kan.width\"", "\\u00", "\n", "  ", "0.5", "\"value\"", "[]", "{}", "&a", "*a", "- x", "\u{0}"]

        mutating func mutate(_ text: String) -> String {
            var bytes = Array(text.utf8)
            for _ in 0...below(4) {
                let at = bytes.isEmpty ? 0 : below(bytes.count)
                switch below(4) {
                case 0 where !bytes.isEmpty:
                    bytes.remove(at: at)
                case 1:
                    bytes.insert(contentsOf: Array(Self.fragments[below(Self.fragments.count)].utf8), at: at)
                case 2 where !bytes.isEmpty:
                    bytes[at] = UInt8(truncatingIfNeeded: next())
                default:
                    if bytes.count > 2 { bytes.removeSubrange(at..<min(bytes.count, at + below(8))) }
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    @Test func mutatedSpecsAreAcceptedOrRejectedWithMessages() {
        var mutator = Mutator(state: 42)
        var rejected = 0
        for i in 0..<3000 {
            let seed = Self.seedSpecs[i % Self.seedSpecs.count]
            let file = i % Self.seedSpecs.count == 2 ? "fuzz.yaml" : "fuzz.json"
            let text = mutator.mutate(seed)
            do {
                let plan = try SweepSpec(document: SpecDocument(file: file, text: text), workloads: WorkloadRegistry.all).plan()
                #expect(!plan.jobs.isEmpty)
            } catch {
                rejected += 1
                #expect(!error.diagnostics.isEmpty, "no message for: \(text)")
                for diagnostic in error.diagnostics {
                    #expect(diagnostic.description.hasPrefix(file + ":") && !diagnostic.message.isEmpty)
                }
            }
        }
        // The mutations must actually exercise the error paths.
        #expect(rejected > 1000)
    }
}

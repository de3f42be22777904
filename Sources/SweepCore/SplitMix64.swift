/// SplitMix64 (Steele, Lea and Flood 2014): the generator of a spec's `sample` draws and of
/// the model-based search's proposals (SweepSearch).
///
/// Fixed here rather than the system's generator so that one spec gives the same draws,
/// hence the same job keys, on every run, machine and Swift version. Only integer
/// arithmetic; `unit` turns 53 bits into a double exactly, with no platform rounding.
public struct SplitMix64: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1): the top 53 bits, scaled by 2^-53 (exact).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// An integer in 0..<count, by the high word of a 128-bit product (Lemire): no
    /// division, and a bias below count / 2^64.
    public mutating func below(_ count: UInt64) -> UInt64 { next().multipliedFullWidth(by: count).high }
}

import Foundation

/// A growable UTF-8 byte buffer with allocation-free appends of integers and fixed-point
/// numbers, used by every renderer so a million CSV rows or plot points cost no per-value
/// `String`s on the heap.
struct TextBuffer {
    /// The text written so far, UTF-8.
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    /// The text as a String.
    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Number of bytes written.
    var count: Int { bytes.count }

    /// Drops the contents, keeping the capacity.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ other: TextBuffer) {
        bytes.append(contentsOf: other.bytes)
    }

    /// Appends raw UTF-8 bytes; the hot loops pass buffers taken once outside the loop.
    mutating func append(_ raw: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    /// Calls `body` with the written bytes (valid only during the call).
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBufferPointer(body)
    }

    mutating func append(byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends a decimal integer.
    mutating func append(integer value: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
        }
        appendDigits(of: value.magnitude, minimumDigits: 1)
    }

    /// Appends `value` with exactly `decimals` digits after the point, rounding half away
    /// from zero (`-0` prints as `0`); non-finite values print as `nan`, `inf`, `-inf`.
    mutating func append(_ value: Double, decimals: Int) {
        guard value.isFinite else {
            append(value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf"))
            return
        }
        let scaled = (abs(value) * Self.powersOfTen[decimals]).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else {
            // Beyond exact integers in a Double: let the C library do it.
            append(String(format: "%.\(decimals)f", value))
            return
        }
        let units = UInt64(scaled)
        if value < 0, units != 0 {
            bytes.append(UInt8(ascii: "-"))
        }
        let divisor = UInt64(Self.powersOfTen[decimals])
        appendDigits(of: UInt(units / divisor), minimumDigits: 1)
        if decimals > 0 {
            bytes.append(UInt8(ascii: "."))
            appendDigits(of: UInt(units % divisor), minimumDigits: decimals)
        }
    }

    /// Appends the shortest text that reads back as exactly `value` (Swift's `description`:
    /// `0.1`, `1e-05`, `100.0`, `nan`, `inf`), which pandas and R parse as is.
    mutating func append(roundTrip value: Double) {
        append(value.description)
    }

    private mutating func appendDigits(of value: UInt, minimumDigits: Int) {
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 20 digits
        withUnsafeMutableBytes(of: &scratch) { digits in
            var value = value
            var index = digits.count
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            } while value > 0
            while digits.count - index < minimumDigits {
                index -= 1
                digits[index] = UInt8(ascii: "0")
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: digits[index...]))
        }
    }

    private static let powersOfTen: [Double] = (0...12).map { pow(10, Double($0)) }
}

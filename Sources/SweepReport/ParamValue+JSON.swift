import Foundation

extension ParamValue {
    /// Creates a value from a JSON scalar as `JSONSerialization` returns it (or a native Swift
    /// `Bool`/`Int`/`Double`/`String`); returns nil for arrays, objects and null.
    ///
    /// `JSONSerialization` boxes booleans and numbers alike in `NSNumber`; the Objective-C type
    /// code tells them apart (`c` is a boolean, `f`/`d` a floating-point number).
    public init?(json value: Any) {
        if let string = value as? String {
            self = .string(string)
        } else if let number = value as? NSNumber {
            switch String(cString: number.objCType) {
            case "c", "B": self = .bool(number.boolValue)
            case "f", "d": self = .double(number.doubleValue)
            default: self = .int(number.intValue)
            }
        } else {
            return nil
        }
    }
}

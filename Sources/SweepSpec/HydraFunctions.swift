/// The grammar functions of Hydra's extended override syntax that mean something for a spec:
/// `choice`, `range`, `interval`, `tag` (tags are dropped), `sort` and the casts.
enum HydraFunctions {
    struct Problem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    static func call(_ name: String, _ positional: [OverrideValue], _ named: [String: OverrideValue]) throws(Problem) -> OverrideValue {
        func only(_ allowed: Set<String>) throws(Problem) {
            if let extra = named.keys.sorted().first(where: { !allowed.contains($0) }) { throw Problem("no argument named \(extra)") }
        }
        switch name {
        case "choice":
            try only([])
            guard !positional.isEmpty else { throw Problem("needs at least one value") }
            return .choice(try positional.map { value throws(Problem) in try element(value, "a choice") })
        case "range":
            try only(["start", "stop", "step"])
            // range(stop[, step=s]) counts from 0, as Python's.
            var arguments: [OverrideValue]
            if positional.count == 1, named["start"] == nil, named["stop"] == nil {
                arguments = [.element(.int(0)), positional[0]] + (named["step"].map { [$0] } ?? [])
            } else {
                arguments = try bind(["start", "stop", "step"], positional, named, required: 2)
            }
            let numbers = try arguments.map { value throws(Problem) -> HydraValue in
                let number = try element(value, "a range bound")
                guard number.number?.isFinite == true else { throw Problem("expected finite numbers, got \(text(number))") }
                return number
            }
            let step = numbers.count > 2 ? numbers[2] : .int(1)
            guard step.number != 0 else { throw Problem("the step cannot be 0") }
            return .range(start: numbers[0], stop: numbers[1], step: step)
        case "interval":
            try only(["start", "end"])
            let bounds = try bind(["start", "end"], positional, named, required: 2).map { value throws(Problem) -> Double in
                guard let number = try element(value, "an interval bound").number, number.isFinite else { throw Problem("expected two finite numbers") }
                return number
            }
            return .interval(bounds[0], bounds[1])
        case "tag":
            try only(["sweep"])
            var arguments = positional
            let sweep = named["sweep"] ?? arguments.popLast()
            guard let sweep, !isElement(sweep) else { throw Problem("expected tags and then a sweep, like tag(fast, choice(1,2))") }
            for tag in arguments { guard case .element(.string) = tag else { throw Problem("tags are strings") } }
            return sweep
        case "sort":
            try only(["sweep", "list", "reverse"])
            var reverse = false
            if let flag = named["reverse"] {
                guard case .element(.bool(let value)) = flag else { throw Problem("reverse= takes true or false") }
                reverse = value
            }
            if let list = named["list"] {
                guard case .element(.list(let items)) = list else { throw Problem("list= takes a list") }
                return .element(.list(try sorted(items, reverse: reverse)))
            }
            if let sweep = named["sweep"] ?? (positional.count == 1 && !isElement(positional[0]) ? positional[0] : nil) {
                if case let .range(start, stop, step) = sweep { return try sortedRange(start, stop, step, reverse: reverse) }
                return .choice(try sorted(try values(of: sweep), reverse: reverse))
            }
            if positional.count == 1, case .element(let value) = positional[0] {
                guard case .list(let items) = value else { return positional[0] }  // one value is sorted
                return .element(.list(try sorted(items, reverse: reverse)))
            }
            guard !positional.isEmpty else { throw Problem("needs values, a list or a sweep") }
            return .choice(try sorted(try positional.map { value throws(Problem) in try element(value, "a sorted value") }, reverse: reverse))
        case "int", "float", "str", "bool":
            try only([])
            guard !positional.isEmpty else { throw Problem("takes a value or a sweep") }
            // int(1,2) casts the choice 1,2.
            let argument = positional.count == 1
                ? positional[0] : .choice(try positional.map { value throws(Problem) in try element(value, "a cast value") })
            return try cast(argument, to: name)
        case "shuffle":
            throw Problem("shuffle() only reorders a sweep, and sweep orders its jobs itself: remove it")
        case "glob":
            throw Problem("glob() selects config-group options, which sweep does not have")
        default:
            throw Problem("unknown function; sweep understands choice, range, interval, tag, sort, int, float, str and bool")
        }
    }

    private static func isElement(_ value: OverrideValue) -> Bool {
        if case .element = value { true } else { false }
    }

    private static func element(_ value: OverrideValue, _ what: String) throws(Problem) -> HydraValue {
        guard case .element(let element) = value else { throw Problem("\(what) cannot be a sweep") }
        return element
    }

    /// Positional then named arguments in `names`' order; at least `required` of them.
    private static func bind(_ names: [String], _ positional: [OverrideValue], _ named: [String: OverrideValue],
                             required: Int) throws(Problem) -> [OverrideValue] {
        guard positional.count <= names.count else { throw Problem("takes at most \(names.count) arguments") }
        var bound = positional
        for name in names.dropFirst(positional.count) {
            guard let value = named[name] else { break }
            bound.append(value)
        }
        if let late = names.prefix(positional.count).first(where: { named[$0] != nil }) { throw Problem("\(late) given twice") }
        guard bound.count >= required else { throw Problem("needs \(names.prefix(required).joined(separator: " and "))") }
        return bound
    }

    /// The values of a sweep, a range expanded (at most `maxValues`).
    static let maxValues = 10_000

    static func values(of sweep: OverrideValue) throws(Problem) -> [HydraValue] {
        switch sweep {
        case .element(let value): return [value]
        case .choice(let items): return items
        case .interval: throw Problem("an interval has no list of values")
        case let .range(start, stop, step):
            let (a, b, s) = (start.number!, stop.number!, step.number!)
            // Counted in doubles first: range(0, 1e308, 1e-300) must be refused, not overflow.
            let estimate = ((b - a) / s).rounded(.up)
            guard estimate.isFinite, estimate <= Double(maxValues) else {
                throw Problem("range gives more than \(maxValues) values")
            }
            let count = max(0, Int(estimate))
            if case .int(let first) = start, case .int(let last) = stop, case .int(let by) = step {
                // Integers stay exact; a value past Int's range ends the list (it is past stop).
                var values: [HydraValue] = []
                var value = first
                while by > 0 ? value < last : value > last {
                    // The estimate above is inexact past 2^53: count here too.
                    guard values.count < maxValues else { throw Problem("range gives more than \(maxValues) values") }
                    values.append(.int(value))
                    let (next, overflow) = value.addingReportingOverflow(by)
                    if overflow { break }
                    value = next
                }
                return values
            }
            return (0..<count).map { i in .float(a + Double(i) * s) }
        }
    }

    /// A range in the requested order: itself if it already runs that way, else the same
    /// values from the other end.
    private static func sortedRange(_ start: HydraValue, _ stop: HydraValue, _ step: HydraValue,
                                    reverse: Bool) throws(Problem) -> OverrideValue {
        let (a, s) = (start.number!, step.number!)
        guard (s > 0) == reverse else { return .range(start: start, stop: stop, step: step) }
        let count = try values(of: .range(start: start, stop: stop, step: step)).count
        guard count > 0 else { return .range(start: start, stop: stop, step: step) }
        if case .int(let first) = start, case .int(let by) = step {
            // Exact in integers: the last value and one step before the first.
            let last = first + (count - 1) * by  // a listed value: no overflow
            let (stop, overflow) = first.subtractingReportingOverflow(by)
            guard !overflow, by != Int.min else { throw Problem("the reversed range would leave the integers") }
            return .range(start: .int(last), stop: .int(stop), step: .int(-by))
        }
        let last = a + Double(count - 1) * s
        return .range(start: .float(last), stop: .float(a - s), step: .float(-s))
    }

    private static func sorted(_ items: [HydraValue], reverse: Bool) throws(Problem) -> [HydraValue] {
        if items.allSatisfy({ $0.number != nil }) {
            return items.sorted { reverse ? $0.number! > $1.number! : $0.number! < $1.number! }
        }
        let strings = items.compactMap { if case .string(let text) = $0 { text } else { nil } }
        guard strings.count == items.count else { throw Problem("sorts numbers or strings, not a mix") }
        return strings.sorted(by: reverse ? (>) : (<)).map(HydraValue.string)
    }

    /// Hydra's casts, applied to every value (inside lists and dicts too) of an element or sweep.
    private static func cast(_ value: OverrideValue, to type: String) throws(Problem) -> OverrideValue {
        switch value {
        case .element(let element): return .element(try cast(element, to: type))
        case .choice(let items): return .choice(try items.map { item throws(Problem) in try cast(item, to: type) })
        case .interval(let a, let b):
            guard type == "float" || type == "int" else { throw Problem("an interval can only be cast to int or float") }
            return .interval(a, b)
        case let .range(start, stop, step):
            guard type == "int" || type == "float" else { throw Problem("a range can only be cast to int or float") }
            return .range(start: try cast(start, to: type), stop: try cast(stop, to: type), step: try cast(step, to: type))
        }
    }

    private static func cast(_ value: HydraValue, to type: String) throws(Problem) -> HydraValue {
        switch (value, type) {
        case (.list(let items), _): return .list(try items.map { item throws(Problem) in try cast(item, to: type) })
        case (.dict(let items), _):
            var cast: [String: HydraValue] = [:]
            for (key, item) in items { cast[key] = try Self.cast(item, to: type) }
            return .dict(cast)
        case (.int, "int"), (.float, "float"), (.bool, "bool"), (.string, "str"): return value
        case (.float(let number), "int"):
            guard number.isFinite, abs(number) < 9.2e18 else { throw Problem("cannot make an integer of \(number)") }
            return .int(Int(number))
        case (.bool(let flag), "int"): return .int(flag ? 1 : 0)
        case (.string(let text), "int"):
            guard let number = Int(text.trimmingBlanks) else { throw Problem("\"\(text)\" is not an integer") }
            return .int(number)
        case (.int(let number), "float"): return .float(Double(number))
        case (.bool(let flag), "float"): return .float(flag ? 1 : 0)
        case (.string(let text), "float"):
            let trimmed = text.trimmingBlanks
            guard Double(trimmed) != nil || ["inf", "-inf", "+inf", "nan"].contains(trimmed.lowercased()) else {
                throw Problem("\"\(text)\" is not a number")
            }
            return .float(ValueParser.double(trimmed))
        case (.int(let number), "bool"): return .bool(number != 0)
        case (.float(let number), "bool"): return .bool(number != 0)
        case (.string(let text), "bool"):
            switch text.trimmingBlanks.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw Problem("\"\(text)\" is not true or false")
            }
        case (_, "str"): return .string(Self.text(value))
        default: throw Problem("cannot cast \(text(value)) with \(type)()")
        }
    }

    /// A value as Hydra's `str()` writes it (Python's spelling of numbers, lower-case bools).
    static func text(_ value: HydraValue) -> String {
        switch value {
        case .int(let number): return String(number)
        case .float(let number):
            if number.isNaN { return "nan" }
            if number.isInfinite { return number > 0 ? "inf" : "-inf" }
            return "\(number)"
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .string(let text): return text
        case .list(let items): return "[" + items.map(text).joined(separator: ", ") + "]"
        case .dict(let items): return "{" + items.sorted { $0.key < $1.key }.map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}

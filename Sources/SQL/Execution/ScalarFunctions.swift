import Core
#if canImport(Glibc)
import Glibc
#endif

/// The built-in scalar functions: arity and result type at bind time,
/// evaluation at run time.
enum ScalarFunctions {
    /// The result type of `function` applied to arguments of `types`, or an
    /// error naming the function when the arity is wrong.
    static func resultType(_ function: ScalarFunction, _ types: [DataType?], position: Int) throws(SQLError) -> DataType? {
        func arity(_ range: ClosedRange<Int>) throws(SQLError) {
            guard range.contains(types.count) else {
                throw SQLError(SQLState.undefinedFunction,
                               "function \(function.rawValue) with \(types.count) argument(s) does not exist",
                               position: position)
            }
        }
        if function.isJSON { return try JSONFunctions.resultType(function, types, position: position) }
        let textFunctions: [ScalarFunction] = [.lower, .upper, .trim, .ltrim, .rtrim, .length, .substr, .replace,
                                               .left, .right, .repeatText, .reverse]
        if textFunctions.contains(function), let first = types.first, let type = first, type != .text, !(function == .length && type == .bytea) {
            throw SQLError(SQLState.undefinedFunction,
                           "function \(function.rawValue)(\(type.description.lowercased())) does not exist", position: position)
        }
        switch function {
        case .lower, .upper, .trim:
            try arity(1...1); return .text
        case .length:
            try arity(1...1); return .integer
        case .abs, .round, .floor, .ceil:
            try arity(function == .round ? 1...2 : 1...1)
            return types[0] ?? .double
        case .sqrt, .power:
            try arity(function == .sqrt ? 1...1 : 2...2); return .double
        case .mod:
            try arity(2...2); return widest(types)
        case .coalesce, .greatest, .least:
            try arity(1...100); return widest(types)
        case .nullif:
            try arity(2...2); return types[0]
        case .concat:
            try arity(1...100); return .text
        case .substr:
            try arity(2...3); return .text
        case .replace:
            try arity(3...3); return .text
        case .now:
            try arity(0...0); return .timestampWithTimeZone
        case .dateTrunc:
            try arity(2...2); return types[1] == .date ? .timestamp : (types[1] ?? .timestamp)
        case .datePart, .extract:
            try arity(2...2); return .double
        case .genRandomUUID:
            try arity(0...0); return .uuid
        case .ltrim, .rtrim:
            try arity(1...2); return .text
        case .position:
            try arity(2...2); return .integer
        case .left, .right, .repeatText:
            try arity(2...2); return .text
        case .reverse:
            try arity(1...1); return .text
        case .sign, .trunc:
            try arity(1...2); return types[0] ?? .double
        case .exp, .ln:
            try arity(1...1); return .double
        case .random:
            try arity(0...0); return .double
        case .currentSCN:
            try arity(0...0); return .bigint
        case .currentSetting:
            try arity(1...2); return .text
        default:
            return nil
        }
    }

    /// The common type of several arguments: double if any is double, the
    /// widest integer otherwise, else the first known type.
    static func widest(_ types: [DataType?]) -> DataType? {
        let known = types.compactMap { $0 }
        if known.contains(.double) { return .double }
        if known.contains(.bigint) { return .bigint }
        if known.contains(.integer) { return .integer }
        return known.first
    }

    static func call(_ function: ScalarFunction, _ arguments: [BoundExpression], _ row: Row, _ env: Environment) throws(SQLError) -> Value {
        if function.isJSON { return try JSONFunctions.call(function, arguments, row, env) }
        if function.isVector { return try VectorFunctions.call(function, arguments, row, env) }
        switch function {
        case .coalesce:
            for argument in arguments {
                let v = try argument.evaluate(row, env)
                if !v.isNull { return v }
            }
            return .null
        case .concat:
            var text = ""
            for argument in arguments {
                let v = try argument.evaluate(row, env)
                if !v.isNull { text += v.description }
            }
            return .text(text)
        case .greatest, .least:
            var best: Value = .null
            for argument in arguments {
                let v = try argument.evaluate(row, env)
                if v.isNull { continue }
                if best.isNull { best = v; continue }
                let order = Value.order(v, best)
                if (function == .greatest && order > 0) || (function == .least && order < 0) { best = v }
            }
            return best
        case .now:
            return .timestamp(nowMicros(), zoned: true)
        case .currentSCN:
            return .integer(Int64(env.runner.data.currentSCN.rawValue))
        case .currentSetting:
            return try currentSetting(arguments, row, env)
        case .random:
            return .double(Double.random(in: 0..<1))
        case .genRandomUUID:
            // Version 4 (random): version nibble 4, variant bits 10.
            let high = UInt64.random(in: .min ... .max) & ~0xF000 | 0x4000
            let low = UInt64.random(in: .min ... .max) & ~(0xC << 60) | (0x8 << 60)
            return .uuid(high, low)
        default:
            var values: [Value] = []
            for argument in arguments { values.append(try argument.evaluate(row, env)) }
            if function == .nullif {
                if values[0].isNull || values[1].isNull { return values[0] }
                return try BoundExpression.compare(.equal, values[0], values[1]) ? .null : values[0]
            }
            if values.contains(where: \.isNull) { return .null }
            return try strict(function, values)
        }
    }

    /// `current_setting(name [, missing_ok])`: the session's value (SET in
    /// the request), else the default; an unknown name is 42704, or NULL
    /// when missing_ok is true.
    private static func currentSetting(_ arguments: [BoundExpression], _ row: Row, _ env: Environment) throws(SQLError) -> Value {
        let name = try arguments[0].evaluate(row, env)
        let missingOK = arguments.count > 1 ? try arguments[1].evaluate(row, env) : .boolean(false)
        if name.isNull || missingOK.isNull { return .null }
        // PostgreSQL has current_setting(text) only: another type has no such function.
        guard case .text = name else {
            throw SQLError(SQLState.undefinedFunction, "function current_setting(\(Casts.typeName(name))) does not exist")
        }
        // (An untyped literal reads as boolean: 'yes', 'off', 't'…)
        guard case .boolean(let tolerant) = try Casts.cast(missingOK, to: .boolean, explicit: true) else {
            throw SQLError(SQLState.datatypeMismatch, "current_setting's second argument must be boolean")
        }
        let key = name.description.lowercased()
        if let value = env.runner.context.settings[key] ?? SettingDefaults.values[key] { return .text(value) }
        if tolerant { return .null }
        throw SQLError(SQLState.undefinedObject, "unrecognized configuration parameter \"\(name.description)\"")
    }

    /// Functions that return NULL for any NULL argument.
    private static func strict(_ function: ScalarFunction, _ v: [Value]) throws(SQLError) -> Value {
        switch function {
        case .lower: return .text(v[0].description.lowercased())
        case .upper: return .text(v[0].description.uppercased())
        case .trim:
            var text = Substring(v[0].description)
            while text.first == " " { text.removeFirst() }
            while text.last == " " { text.removeLast() }
            return .text(String(text))
        case .length:
            if case .bytes(let b) = v[0] { return .integer(Int64(b.count)) }
            return .integer(Int64(v[0].description.unicodeScalars.count))
        case .abs:
            switch v[0] {
            case .integer(let i):
                guard i != .min else { throw Casts.outOfRange(.bigint) }
                return .integer(Swift.abs(i))
            case .double(let d):
                return .double(Swift.abs(d))
            default: return .double(Swift.abs(try double(v[0])))
            }
        case .round:
            if case .integer = v[0], v.count == 1 { return v[0] }
            if case .double(let d) = v[0], v.count == 1 { return .double(d.rounded(.toNearestOrEven)) }
            let digits = v.count > 1 ? try integer(v[1]) : 0
            let x = try double(v[0])
            // Past a double's digits the value is already round (or rounds
            // to 0): 10^digits itself would be infinite or 0 and give NaN.
            if digits > 340 || !x.isFinite { return .double(x) }
            if digits < -340 { return .double(0) }
            let scale = pow(10.0, Double(digits))
            let scaled = x * scale
            guard scaled.isFinite else { return .double(x) }
            return .double(scaled.rounded(.toNearestOrAwayFromZero) / scale)
        case .floor:
            if case .integer = v[0] { return v[0] }
            return .double(roundedDown(try double(v[0])))
        case .ceil:
            if case .integer = v[0] { return v[0] }
            return .double(roundedUp(try double(v[0])))
        case .sqrt:
            let d = try double(v[0])
            guard d >= 0 else {
                throw SQLError("2201F", "cannot take square root of a negative number")
            }
            return .double(d.squareRoot())
        case .power: return .double(pow(try double(v[0]), try double(v[1])))
        case .mod: return try Arithmetic.apply(.modulo, v[0], v[1], widest([v[0].dataType, v[1].dataType]) ?? .bigint)
        case .substr:
            let scalars = Array(v[0].description.unicodeScalars)
            // (Saturating: a start or length near Int64's ends means "past the text".)
            let first = Int(try integer(v[1]))
            let start = first == Int.min ? Int.min : first - 1
            var end = scalars.count
            if v.count > 2 {
                let length = Int(try integer(v[2]))
                guard length >= 0 else { throw SQLError("22011", "negative substring length not allowed") }
                let (sum, overflow) = start.addingReportingOverflow(length)
                end = overflow ? scalars.count : Swift.min(scalars.count, sum)
            }
            let from = Swift.max(0, start)
            guard from < end else { return .text("") }
            var out = String.UnicodeScalarView()
            out.append(contentsOf: scalars[from..<end])
            return .text(String(out))
        case .replace:
            let from = v[1].description
            guard !from.isEmpty else { return .text(v[0].description) }
            return .text(v[0].description.split(separator: from, omittingEmptySubsequences: false)
                .joined(separator: v[2].description))
        case .dateTrunc:
            return try Temporal.truncate(v[0].description.lowercased(), v[1])
        case .datePart, .extract:
            return try Temporal.extract(v[0].description.lowercased(), v[1])
        case .ltrim, .rtrim:
            let characters = Set(v.count > 1 ? v[1].description : " ")
            var text = Substring(v[0].description)
            if function == .ltrim { while let c = text.first, characters.contains(c) { text.removeFirst() } }
            else { while let c = text.last, characters.contains(c) { text.removeLast() } }
            return .text(String(text))
        case .position:
            let haystack = Array(v[1].description.unicodeScalars), needle = Array(v[0].description.unicodeScalars)
            if needle.isEmpty { return .integer(1) }
            if needle.count <= haystack.count {
                for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle {
                    return .integer(Int64(i + 1))
                }
            }
            return .integer(0)
        case .left, .right:
            let scalars = Array(v[0].description.unicodeScalars)
            let n = Int(try integer(v[1]))
            let count = n >= 0 ? min(n, scalars.count) : max(0, scalars.count + n)
            var out = String.UnicodeScalarView()
            out.append(contentsOf: function == .left ? scalars.prefix(count) : scalars.suffix(count))
            return .text(String(out))
        case .repeatText:
            let n = max(0, Int(try integer(v[1])))
            let text = v[0].description
            // PostgreSQL's limit on the result (1 GB), not just on the count.
            let (length, overflow) = n.multipliedReportingOverflow(by: text.utf8.count)
            guard n <= 10_000_000, !overflow, length < 1 << 30 else { throw SQLError("54000", "requested length too large") }
            return .text(String(repeating: text, count: n))
        case .reverse:
            return .text(String(v[0].description.reversed()))
        case .sign:
            let d = try double(v[0])
            if case .integer = v[0] { return .integer(d > 0 ? 1 : (d < 0 ? -1 : 0)) }
            return .double(d > 0 ? 1 : (d < 0 ? -1 : 0))
        case .trunc:
            if case .integer = v[0] { return v[0] }
            let digits = v.count > 1 ? try integer(v[1]) : 0
            let scale = pow(10.0, Double(digits))
            return .double((try double(v[0]) * scale).rounded(.towardZero) / scale)
        case .exp:
            return .double(Glibc.exp(try double(v[0])))
        case .ln:
            let d = try double(v[0])
            guard d > 0 else { throw SQLError("2201E", d == 0 ? "cannot take logarithm of zero" : "cannot take logarithm of a negative number") }
            return .double(Glibc.log(d))
        default:
            return .null
        }
    }

    /// The current time in microseconds since the epoch.
    static func nowMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }

    private static func double(_ v: Value) throws(SQLError) -> Double {
        switch v {
        case .integer(let i): return Double(i)
        case .double(let d): return d
        default: throw SQLError(SQLState.undefinedFunction, "function argument must be numeric, not \(Casts.typeName(v))")
        }
    }

    private static func integer(_ v: Value) throws(SQLError) -> Int64 {
        switch v {
        case .integer(let i): return i
        case .double(let d) where d.isFinite && abs(d) < 9e18: return Int64(d.rounded())
        default: throw SQLError(SQLState.undefinedFunction, "function argument must be an integer, not \(Casts.typeName(v))")
        }
    }

    private static func roundedDown(_ d: Double) -> Double { d.rounded(.down) }
    private static func roundedUp(_ d: Double) -> Double { d.rounded(.up) }
}

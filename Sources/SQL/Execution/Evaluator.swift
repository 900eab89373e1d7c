import Core
#if canImport(Glibc)
import Glibc
#endif

/// Evaluates bound expressions against one input row with PostgreSQL's
/// semantics: three-valued logic, integer overflow (22003) and division by
/// zero (22012) errors, integer division on integers.
extension BoundExpression {
    func evaluate(_ row: Row, _ env: Environment) throws(SQLError) -> Value {
        switch self {
        case .constant(let v), .untypedConstant(let v):
            return v
        case .slot(let i):
            return row[i]
        case let .outerSlot(depth, slot):
            return env.outerValue(depth: depth, slot: slot)
        case let .isDistinct(l, r, negated):
            let a = try l.evaluate(row, env), b = try r.evaluate(row, env)
            let distinct: Bool
            if a.isNull || b.isNull { distinct = a.isNull != b.isNull } else { distinct = !(try Self.compare(.equal, a, b)) }
            return .boolean(distinct != negated)
        case let .isTruth(e, value, negated):
            let t = try truth(e.evaluate(row, env))
            return .boolean((t == value) != negated)
        case .subquery(let subquery):
            return try subquery.evaluate(row, env)
        case let .rowCompare(op, left, right):
            return try Self.compareRows(op, left, right, row, env)
        case .negate(let e):
            return try Arithmetic.negate(e.evaluate(row, env))
        case .not(let e):
            switch try e.evaluate(row, env) {
            case .null: return .null
            case .boolean(let b): return .boolean(!b)
            case let other: throw notBoolean(other)
            }
        case let .arithmetic(op, l, r, type):
            return try Arithmetic.apply(op, try l.evaluate(row, env), try r.evaluate(row, env), type)
        case let .concat(l, r):
            let a = try l.evaluate(row, env), b = try r.evaluate(row, env)
            if a.isNull || b.isNull { return .null }
            return .text(a.description + b.description)
        case let .compare(op, l, r):
            let a = try l.evaluate(row, env), b = try r.evaluate(row, env)
            if a.isNull || b.isNull { return .null }
            return .boolean(try Self.compare(op, a, b))
        case let .and(l, r):
            let a = try truth(l.evaluate(row, env))
            if a == false { return .boolean(false) }
            let b = try truth(r.evaluate(row, env))
            if b == false { return .boolean(false) }
            return (a == nil || b == nil) ? .null : .boolean(true)
        case let .or(l, r):
            let a = try truth(l.evaluate(row, env))
            if a == true { return .boolean(true) }
            let b = try truth(r.evaluate(row, env))
            if b == true { return .boolean(true) }
            return (a == nil || b == nil) ? .null : .boolean(false)
        case let .isNull(e, negated):
            return .boolean(try e.evaluate(row, env).isNull != negated)
        case let .like(e, pattern, negated, caseInsensitive):
            let text = try e.evaluate(row, env), p = try pattern.evaluate(row, env)
            guard case .text(let s) = text, case .text(let ps) = p else {
                if text.isNull || p.isNull { return .null }
                throw SQLError(SQLState.undefinedFunction, "operator does not exist: \(Casts.typeName(text)) ~~ \(Casts.typeName(p))")
            }
            return .boolean(LikePattern.matches(s, ps, caseInsensitive: caseInsensitive) != negated)
        case let .inList(e, items, negated):
            let v = try e.evaluate(row, env)
            if v.isNull { return .null }
            var sawNull = false
            for item in items {
                let candidate = try item.evaluate(row, env)
                if candidate.isNull { sawNull = true; continue }
                if try Self.compare(.equal, v, candidate) { return .boolean(!negated) }
            }
            return sawNull ? .null : .boolean(negated)
        case let .cast(e, type):
            return try Casts.cast(e.evaluate(row, env), to: type, explicit: true)
        case let .caseWhen(branches, elseResult):
            for branch in branches where try truth(branch.condition.evaluate(row, env)) == true {
                return try branch.result.evaluate(row, env)
            }
            return try elseResult?.evaluate(row, env) ?? .null
        case let .scalar(function, arguments):
            return try ScalarFunctions.call(function, arguments, row, env)
        }
    }

    /// `(a, b) op (c, d)`: equality element-wise; ordering lexicographic, as in PostgreSQL.
    static func compareRows(_ op: BinaryOperator, _ left: [BoundExpression], _ right: [BoundExpression],
                            _ row: Row, _ env: Environment) throws(SQLError) -> Value {
        var sawNull = false
        for (l, r) in zip(left, right) {
            let a = try l.evaluate(row, env), b = try r.evaluate(row, env)
            if a.isNull || b.isNull {
                if op == .equal || op == .notEqual { sawNull = true; continue }
                return .null
            }
            if try compare(.equal, a, b) { continue }
            switch op {
            case .equal: return .boolean(false)
            case .notEqual: return .boolean(true)
            default: return .boolean(try compare(op, a, b))
            }
        }
        if sawNull { return .null }
        switch op {
        case .equal, .lessOrEqual, .greaterOrEqual: return .boolean(true)
        default: return .boolean(false)
        }
    }

    /// SQL truth of a boolean value: nil for NULL.
    func truth(_ value: Value) throws(SQLError) -> Bool? {
        switch value {
        case .null: return nil
        case .boolean(let b): return b
        default: throw notBoolean(value)
        }
    }

    private func notBoolean(_ value: Value) -> SQLError {
        SQLError(SQLState.datatypeMismatch, "argument of boolean operator must be type boolean, not type \(Casts.typeName(value))")
    }

    /// Compares two non-NULL values; numbers across integer/double, text by
    /// code point. Mismatched types are an error (42883), as in PostgreSQL.
    static func compare(_ op: BinaryOperator, _ a: Value, _ b: Value) throws(SQLError) -> Bool {
        let ordering: Int
        switch (a, b) {
        case (.integer, .integer), (.double, .double), (.integer, .double), (.double, .integer),
             (.text, .text), (.boolean, .boolean), (.date, .date), (.timestamp, .timestamp), (.date, .timestamp),
             (.timestamp, .date), (.interval, .interval), (.uuid, .uuid), (.bytes, .bytes), (.json, .json),
             (.vector, .vector):
            ordering = Value.order(a, b)
        default:
            throw SQLError(SQLState.undefinedFunction,
                           "operator does not exist: \(Casts.typeName(a)) \(op.rawValue) \(Casts.typeName(b))")
        }
        switch op {
        case .equal: return ordering == 0
        case .notEqual: return ordering != 0
        case .less: return ordering < 0
        case .lessOrEqual: return ordering <= 0
        case .greater: return ordering > 0
        case .greaterOrEqual: return ordering >= 0
        default: return false
        }
    }
}

/// Integer and floating-point arithmetic with PostgreSQL's overflow rules.
enum Arithmetic {
    static func negate(_ v: Value) throws(SQLError) -> Value {
        switch v {
        case .null: return .null
        case .integer(let i):
            guard i != .min else { throw Casts.outOfRange(.bigint) }
            return .integer(-i)
        case .double(let d): return .double(-d)
        default:
            throw SQLError(SQLState.undefinedFunction, "operator does not exist: - \(Casts.typeName(v))")
        }
    }

    static func apply(_ op: BinaryOperator, _ a: Value, _ b: Value, _ type: DataType) throws(SQLError) -> Value {
        switch (a, b) {
        case (.null, _), (_, .null):
            return .null
        case let (.integer(x), .integer(y)):
            return try integers(op, x, y, type)
        case (.integer, .double), (.double, .integer), (.double, .double):
            return try doubles(op, number(a), number(b))
        case (.date, _), (.timestamp, _), (.interval, _), (_, .interval), (_, .date), (_, .timestamp):
            return try Temporal.apply(op, a, b)
        default:
            throw SQLError(SQLState.undefinedFunction,
                           "operator does not exist: \(Casts.typeName(a)) \(op.rawValue) \(Casts.typeName(b))")
        }
    }

    private static func number(_ v: Value) -> Double {
        switch v {
        case .integer(let i): Double(i)
        case .double(let d): d
        default: .nan
        }
    }

    private static func integers(_ op: BinaryOperator, _ x: Int64, _ y: Int64, _ type: DataType) throws(SQLError) -> Value {
        let result: (Int64, Bool)
        switch op {
        case .add: result = x.addingReportingOverflow(y)
        case .subtract: result = x.subtractingReportingOverflow(y)
        case .multiply: result = x.multipliedReportingOverflow(by: y)
        case .divide:
            guard y != 0 else { throw divisionByZero() }
            result = x.dividedReportingOverflow(by: y)
        case .modulo:
            guard y != 0 else { throw divisionByZero() }
            result = y == -1 ? (0, false) : (x % y, false)
        default:
            throw SQLError(SQLState.undefinedFunction, "operator does not exist: integer \(op.rawValue) integer")
        }
        if result.1 { throw Casts.outOfRange(type) }
        return try Casts.checkRange(result.0, type)
    }

    private static func doubles(_ op: BinaryOperator, _ x: Double, _ y: Double) throws(SQLError) -> Value {
        let r: Double
        switch op {
        case .add: r = x + y
        case .subtract: r = x - y
        case .multiply: r = x * y
        case .divide:
            guard y != 0 else { throw divisionByZero() }
            r = x / y
        case .modulo:
            guard y != 0 else { throw divisionByZero() }
            r = x.truncatingRemainder(dividingBy: y)
        default:
            throw SQLError(SQLState.undefinedFunction, "operator does not exist: double precision \(op.rawValue) double precision")
        }
        if r.isInfinite && x.isFinite && y.isFinite {
            throw SQLError(SQLState.numericOutOfRange, "value out of range: overflow")
        }
        return .double(r)
    }

    static func divisionByZero() -> SQLError {
        SQLError(SQLState.divisionByZero, "division by zero")
    }
}

/// SQL LIKE: `%` any run, `_` one character, `\` escapes the next one.
/// LIKE matching on UTF-8 bytes: `%` matches any run of characters, `_`
/// exactly one character (a whole UTF-8 sequence), `\` escapes the next
/// pattern character. Positions only ever advance by whole characters, so
/// byte comparison equals code-point comparison. `%literal%`, `literal%`
/// and `%literal` skip the general matcher.
enum LikePattern {
    static func matches(_ text: String, _ pattern: String, caseInsensitive: Bool) -> Bool {
        var t = caseInsensitive ? text.lowercased() : text
        var p = caseInsensitive ? pattern.lowercased() : pattern
        return t.withUTF8 { tb in p.withUTF8 { pb in match(tb, pb) } }
    }

    private static let percent = UInt8(ascii: "%"), underscore = UInt8(ascii: "_"), backslash = UInt8(ascii: "\\")

    static func match(_ t: UnsafeBufferPointer<UInt8>, _ p: UnsafeBufferPointer<UInt8>) -> Bool {
        if let literal = literalCore(p) {
            let (body, leading, trailing) = literal
            if leading && trailing { return contains(t, body) }
            if trailing { return t.count >= body.count && equal(t, 0, body) }
            if leading { return t.count >= body.count && equal(t, t.count - body.count, body) }
        }
        return general(t, p)
    }

    /// For patterns whose only wildcards are a leading and/or trailing `%`:
    /// the literal between them and which ends were `%`.
    private static func literalCore(_ p: UnsafeBufferPointer<UInt8>) -> (UnsafeBufferPointer<UInt8>, Bool, Bool)? {
        let leading = p.first == percent, trailing = p.count > (leading ? 1 : 0) && p.last == percent
        guard leading || trailing else { return nil }
        let start = leading ? 1 : 0, end = p.count - (trailing ? 1 : 0)
        guard start <= end else { return nil }
        for i in start..<end where p[i] == percent || p[i] == underscore || p[i] == backslash { return nil }
        return (UnsafeBufferPointer(rebasing: p[start..<end]), leading, trailing)
    }

    private static func equal(_ t: UnsafeBufferPointer<UInt8>, _ at: Int, _ s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let tb = t.baseAddress, let sb = s.baseAddress else { return s.isEmpty }
        return memcmp(tb + at, sb, s.count) == 0
    }

    private static func contains(_ t: UnsafeBufferPointer<UInt8>, _ s: UnsafeBufferPointer<UInt8>) -> Bool {
        if s.isEmpty { return true }
        guard t.count >= s.count else { return false }
        let first = s[0]
        var i = 0
        while i <= t.count - s.count {
            if t[i] == first && equal(t, i, s) { return true }
            i += 1
        }
        return false
    }

    /// Length of the UTF-8 sequence starting with `byte`.
    @inline(__always)
    private static func width(_ byte: UInt8) -> Int {
        byte < 0xC0 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4
    }

    private static func general(_ t: UnsafeBufferPointer<UInt8>, _ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var ti = 0, pi = 0
        var starP = -1, starT = -1
        while ti < t.count {
            if pi < p.count, p[pi] == backslash, pi + 1 < p.count, p[pi + 1] == t[ti] {
                ti += 1; pi += 2
            } else if pi < p.count, p[pi] == percent {
                starP = pi; starT = ti; pi += 1
            } else if pi < p.count, p[pi] == underscore {
                ti += width(t[ti]); pi += 1
            } else if pi < p.count, p[pi] != backslash, p[pi] == t[ti] {
                ti += 1; pi += 1
            } else if starP >= 0 {
                pi = starP + 1; starT += width(t[starT]); ti = starT
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == percent { pi += 1 }
        return pi == p.count
    }
}

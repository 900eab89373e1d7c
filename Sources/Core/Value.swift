/// One SQL datum. Integers of every width are held as `Int64` (the column's
/// `DataType` bounds them); `null` is SQL NULL.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case null
    case boolean(Bool)
    case integer(Int64)
    case double(Double)
    case text(String)

    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The natural type of the value, nil for NULL.
    public var dataType: DataType? {
        switch self {
        case .null: nil
        case .boolean: .boolean
        case .integer: .bigint
        case .double: .double
        case .text: .text
        }
    }

    public var description: String {
        switch self {
        case .null: "NULL"
        case .boolean(let b): b ? "true" : "false"
        case .integer(let i): String(i)
        case .double(let d): Value.format(d)
        case .text(let s): s
        }
    }

    /// PostgreSQL's text form of a double: `Infinity`, `NaN`, shortest round-trip digits.
    public static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == d.rounded(.towardZero), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    /// Total order used by ORDER BY, MIN/MAX and keys: NULL sorts last
    /// (PostgreSQL's default for ascending order), numbers compare by value
    /// across integer and double, text by Unicode code point.
    public static func order(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        case let (.integer(x), .integer(y)): return x < y ? -1 : (x == y ? 0 : 1)
        case let (.double(x), .double(y)): return compareDoubles(x, y)
        case let (.integer(x), .double(y)): return compareDoubles(Double(x), y)
        case let (.double(x), .integer(y)): return compareDoubles(x, Double(y))
        case let (.text(x), .text(y)): return compareCodePoints(x, y)
        case let (.boolean(x), .boolean(y)): return x == y ? 0 : (x ? 1 : -1)
        default: return rank(a) < rank(b) ? -1 : 1
        }
    }

    private static func rank(_ v: Value) -> Int {
        switch v {
        case .boolean: 0
        case .integer, .double: 1
        case .text: 2
        case .null: 3
        }
    }

    /// NaN sorts above every other double, as in PostgreSQL.
    private static func compareDoubles(_ x: Double, _ y: Double) -> Int {
        if x.isNaN || y.isNaN { return x.isNaN ? (y.isNaN ? 0 : 1) : -1 }
        return x < y ? -1 : (x == y ? 0 : 1)
    }

    /// Compares by Unicode scalar values (byte order of UTF-8), like a C collation.
    public static func compareCodePoints(_ x: String, _ y: String) -> Int {
        var i = x.utf8.makeIterator(), j = y.utf8.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (p?, q?): if p != q { return p < q ? -1 : 1 }
            }
        }
    }
}

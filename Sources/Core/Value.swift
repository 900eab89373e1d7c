#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One SQL datum. Integers of every width are held as `Int64` (the column's
/// `DataType` bounds them); `null` is SQL NULL.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case null
    case boolean(Bool)
    case integer(Int64)
    case double(Double)
    case text(String)
    case date(Int64)
    /// Microseconds since 1970-01-01 00:00:00; `zoned` for TIMESTAMPTZ (UTC).
    case timestamp(Int64, zoned: Bool)
    case interval(Interval)
    /// A UUID as its high and low 64 bits.
    case uuid(UInt64, UInt64)
    /// BYTEA.
    case bytes([UInt8])
    /// JSONB: a normalized document (see `JSONDocument.normalized()`).
    case json(JSONDocument)
    /// JSON: the input text, kept as written (already validated).
    case jsonText(String)
    /// VECTOR: float4 elements, all finite (the SQL layer checks on input).
    case vector([Float])

    public var isNull: Bool { if case .null = self { true } else { false } }

    /// Equality as SQL grouping and keys need it: text compares code point
    /// by code point (not by Unicode canonical equivalence, which Swift's
    /// String uses), and NaN equals NaN (as in PostgreSQL). Vectors compare
    /// element by element the same way (-0 equals 0), which agrees with
    /// `order` and with the hash (normalized bit patterns).
    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.boolean(a), .boolean(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.double(a), .double(b)): return a == b || (a.isNaN && b.isNaN)
        case let (.text(a), .text(b)): return sameCodePoints(a, b)
        case let (.date(a), .date(b)): return a == b
        case let (.timestamp(a, x), .timestamp(b, y)): return a == b && x == y
        case let (.interval(a), .interval(b)): return a == b
        case let (.uuid(a, b), .uuid(c, d)): return a == c && b == d
        case let (.bytes(a), .bytes(b)): return a == b
        case let (.json(a), .json(b)): return a == b
        case let (.jsonText(a), .jsonText(b)): return sameCodePoints(a, b)
        case let (.vector(a), .vector(b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where x != y && !(x.isNaN && y.isNaN) { return false }
            return true
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .boolean(let b): hasher.combine(1); hasher.combine(b)
        case .integer(let i): hasher.combine(2); hasher.combine(i)
        case .double(let d): hasher.combine(3); hasher.combine(d.isNaN ? Double.nan.bitPattern : d.bitPattern == (-0.0).bitPattern ? 0 : d.bitPattern)
        case .text(let t):
            hasher.combine(4)
            Self.hashCodePoints(t, into: &hasher)
        case .date(let d): hasher.combine(5); hasher.combine(d)
        case let .timestamp(t, z): hasher.combine(6); hasher.combine(t); hasher.combine(z)
        case .interval(let v): hasher.combine(7); hasher.combine(v)
        case let .uuid(a, b): hasher.combine(8); hasher.combine(a); hasher.combine(b)
        case .bytes(let b): hasher.combine(9); hasher.combine(b)
        case .json(let j): hasher.combine(10); hasher.combine(j)
        case .jsonText(let t): hasher.combine(11); Self.hashCodePoints(t, into: &hasher)
        case .vector(let v):
            hasher.combine(12)
            hasher.combine(v.count)
            for x in v { hasher.combine(x.isNaN ? Float.nan.bitPattern : x == 0 ? 0 : x.bitPattern) }
        }
    }

    /// The natural type of the value, nil for NULL.
    public var dataType: DataType? {
        switch self {
        case .null: nil
        case .boolean: .boolean
        case .integer: .bigint
        case .double: .double
        case .text: .text
        case .date: .date
        case .timestamp(_, let zoned): zoned ? .timestampWithTimeZone : .timestamp
        case .interval: .interval
        case .uuid: .uuid
        case .bytes: .bytea
        case .json: .jsonb
        case .jsonText: .json
        case .vector(let v): .vector(dimensions: v.count)
        }
    }

    public var description: String {
        switch self {
        case .null: "NULL"
        case .boolean(let b): b ? "true" : "false"
        case .integer(let i): String(i)
        case .double(let d): Value.format(d)
        case .text(let s): s
        case .date(let d): DateTime.formatDate(d)
        case let .timestamp(t, zoned): DateTime.formatTimestamp(t, zone: zoned)
        case .interval(let v): DateTime.formatInterval(v)
        case let .uuid(a, b): Value.formatUUID(a, b)
        case .bytes(let b): Value.formatHex(b)
        case .json(let j): j.description
        case .jsonText(let t): t
        case .vector(let v): Value.formatVector(v)
        }
    }

    /// PostgreSQL's text form of a double (float8out): the shortest digits
    /// that read back exactly, in exponent form when the decimal exponent is
    /// below -4 or at least 15; `Infinity`, `-Infinity`, `NaN`, `-0`.
    public static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let (digits, exponent) = shortestDigits(abs(d))
        let sign = d < 0 ? "-" : ""
        if exponent < -4 || exponent >= 15 {
            let mantissa = digits.count == 1 ? digits : digits.prefix(1) + "." + digits.dropFirst()
            let e = abs(exponent) < 10 ? "0\(abs(exponent))" : "\(abs(exponent))"
            return "\(sign)\(mantissa)e\(exponent < 0 ? "-" : "+")\(e)"
        }
        if exponent < 0 { return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits }
        if digits.count <= exponent + 1 { return sign + digits + String(repeating: "0", count: exponent + 1 - digits.count) }
        let point = digits.index(digits.startIndex, offsetBy: exponent + 1)
        return sign + digits[..<point] + "." + digits[point...]
    }

    /// The shortest round-trip decimal digits of a positive finite double and
    /// the decimal exponent of the first digit (Swift's description has them).
    private static func shortestDigits(_ d: Double) -> (String, Int) {
        let text = d.description
        var mantissa = Substring(text), exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = String(parts[0]), fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = integerPart + fraction
        var pointAfter = integerPart.count
        while digits.first == "0" && digits.count > 1 { digits.removeFirst(); pointAfter -= 1 }
        while digits.last == "0" && digits.count > 1 { digits.removeLast() }
        return (digits, exponent + pointAfter - 1)
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
        case let (.integer(x), .double(y)): return -compareExactly(y, x)
        case let (.double(x), .integer(y)): return compareExactly(x, y)
        case let (.text(x), .text(y)): return compareCodePoints(x, y)
        case let (.boolean(x), .boolean(y)): return x == y ? 0 : (x ? 1 : -1)
        case let (.date(x), .date(y)): return x < y ? -1 : (x == y ? 0 : 1)
        case let (.timestamp(x, _), .timestamp(y, _)): return x < y ? -1 : (x == y ? 0 : 1)
        case let (.date(x), .timestamp(y, _)): return Self.compareDayToMicros(x, y)
        case let (.timestamp(x, _), .date(y)): return -Self.compareDayToMicros(y, x)
        case let (.interval(x), .interval(y)): return compareDoubles(x.comparableMicros, y.comparableMicros)
        case let (.uuid(a, b), .uuid(c, d)): return a != c ? (a < c ? -1 : 1) : (b == d ? 0 : (b < d ? -1 : 1))
        case let (.bytes(x), .bytes(y)):
            for (p, q) in zip(x, y) where p != q { return p < q ? -1 : 1 }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        case let (.json(x), .json(y)): return JSONDocument.compareTopLevel(x, y)
        case let (.jsonText(x), .jsonText(y)): return compareCodePoints(x, y)
        case let (.vector(x), .vector(y)): return compareVectors(x, y)
        default: return rank(a) < rank(b) ? -1 : 1
        }
    }

    private static func rank(_ v: Value) -> Int {
        switch v {
        case .boolean: 0
        case .integer, .double: 1
        case .text: 2
        case .date, .timestamp: 3
        case .interval: 4
        case .uuid: 5
        case .bytes: 6
        case .json: 7
        case .jsonText: 8
        case .vector: 9
        case .null: 10
        }
    }

    private static func compareInts(_ x: Int64, _ y: Int64) -> Int { x < y ? -1 : (x == y ? 0 : 1) }

    /// Compares a double with an integer by exact value (no rounding of the
    /// integer to 53 bits), so the order stays consistent across types.
    private static func compareExactly(_ d: Double, _ i: Int64) -> Int {
        if d.isNaN { return 1 }
        if d >= 9.223372036854775808e18 { return 1 }
        if d < -9.223372036854775808e18 { return -1 }
        let whole = d.rounded(.down)
        let w = Int64(whole)
        if w != i { return w < i ? -1 : 1 }
        return d > whole ? 1 : 0
    }

    /// pgvector's vector_cmp: element by element, then the shorter first.
    private static func compareVectors(_ x: [Float], _ y: [Float]) -> Int {
        for (p, q) in zip(x, y) {
            let c = compareDoubles(Double(p), Double(q))
            if c != 0 { return c }
        }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }

    /// NaN sorts above every other double, as in PostgreSQL.
    private static func compareDoubles(_ x: Double, _ y: Double) -> Int {
        if x.isNaN || y.isNaN { return x.isNaN ? (y.isNaN ? 0 : 1) : -1 }
        return x < y ? -1 : (x == y ? 0 : 1)
    }

    /// Compares by Unicode scalar values (byte order of UTF-8), like a C collation.
    public static func compareCodePoints(_ x: String, _ y: String) -> Int {
        // Native strings (small ones included) lend their bytes without a copy.
        if let order = x.utf8.withContiguousStorageIfAvailable({ p in
            y.utf8.withContiguousStorageIfAvailable { q in compareBytes(UnsafeRawBufferPointer(p), UnsafeRawBufferPointer(q)) }
        }), let order {
            return order
        }
        var a = x, b = y
        return a.withUTF8 { p in b.withUTF8 { q in compareBytes(UnsafeRawBufferPointer(p), UnsafeRawBufferPointer(q)) } }
    }

    /// Whether two strings have the same code points. Two strings with the
    /// same representation (the same small-string bytes, or the same
    /// storage) are the same string: most equal keys are answered so,
    /// without reading their bytes; strings of different lengths differ.
    @inline(__always)
    public static func sameCodePoints(_ x: String, _ y: String) -> Bool {
        if unsafeBitCast(x, to: (UInt64, UInt64).self) == unsafeBitCast(y, to: (UInt64, UInt64).self) { return true }
        guard x.utf8.count == y.utf8.count else { return false }
        return compareCodePoints(x, y) == 0
    }

    /// Feeds a string's UTF-8 bytes to `hasher` (what `sameCodePoints` compares).
    static func hashCodePoints(_ text: String, into hasher: inout Hasher) {
        if text.utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) != nil { return }
        var copy = text
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    private static func compareBytes(_ p: UnsafeRawBufferPointer, _ q: UnsafeRawBufferPointer) -> Int {
        let n = min(p.count, q.count)
        if n > 0, let pb = p.baseAddress, let qb = q.baseAddress {
            let c = memcmp(pb, qb, n)
            if c != 0 { return c < 0 ? -1 : 1 }
        }
        return p.count == q.count ? 0 : (p.count < q.count ? -1 : 1)
    }
}

extension Value {
    /// A date's midnight against a timestamp, without overflowing for
    /// dates past the timestamp range (they compare beyond every timestamp).
    static func compareDayToMicros(_ days: Int64, _ micros: Int64) -> Int {
        guard let midnight = DateTime.midnight(ofDay: days) else { return days < 0 ? -1 : 1 }
        return midnight < micros ? -1 : (midnight == micros ? 0 : 1)
    }
}

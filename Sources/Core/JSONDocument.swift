/// A JSON value as the JSON and JSONB SQL types hold it. Numbers keep their
/// decimal text (so integers stay exact); `normalized()` turns a parsed
/// document into PostgreSQL's jsonb form: object keys deduplicated (the last
/// one wins) and sorted by length, then by bytes; numbers in numeric form.
public enum JSONDocument: Hashable, Sendable, CustomStringConvertible, JSONNavigable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONDocument])
    case object([Member])

    public struct Member: Hashable, Sendable {
        public var key: String
        public var value: JSONDocument
        public init(_ key: String, _ value: JSONDocument) { self.key = key; self.value = value }
    }

    /// The deepest nesting of arrays and objects the parser accepts.
    public static let maximumDepth = 1000

    public static func == (lhs: JSONDocument, rhs: JSONDocument) -> Bool { compare(lhs, rhs) == 0 }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(1); hasher.combine(b)
        case .number: hasher.combine(2); hasher.combine(numberValue ?? 0)
        case .string(let s): hasher.combine(3); hasher.combine(Array(s.utf8))
        case .array(let items): hasher.combine(4); for item in items { item.hash(into: &hasher) }
        case .object(let members):
            hasher.combine(5)
            for m in members { hasher.combine(Array(m.key.utf8)); m.value.hash(into: &hasher) }
        }
    }

    /// The value of a number as a double (nil for other kinds).
    public var numberValue: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    /// PostgreSQL's name for the kind (`jsonb_typeof`).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// A number from an integer or a double (non-finite doubles become strings, as in PostgreSQL).
    public static func number(_ d: Double) -> JSONDocument {
        guard d.isFinite else { return .string(Value.format(d)) }
        return .number(normalizeNumber(Value.format(d)) ?? "0")
    }

    // MARK: - Normal form (jsonb)

    public func normalized() -> JSONDocument {
        switch self {
        case .null, .bool, .string: return self
        case .number(let text): return .number(JSONDocument.normalizeNumber(text) ?? text)
        case .array(let items): return .array(items.map { $0.normalized() })
        case .object(let members):
            // Keys are told apart by their bytes, as jsonb does (Swift's
            // String equality would merge "é" with "e\u{301}").
            var latest: [[UInt8]: Int] = [:]
            for (i, m) in members.enumerated() { latest[Array(m.key.utf8)] = i }
            let kept = members.enumerated().filter { latest[Array($0.element.key.utf8)] == $0.offset }
                .map { Member($0.element.key, $0.element.value.normalized()) }
            return .object(kept.sorted { JSONDocument.compareKeys($0.key, $1.key) < 0 })
        }
    }

    /// jsonb's key order: shorter keys first, then byte order.
    public static func compareKeys(_ a: String, _ b: String) -> Int {
        let x = a.utf8.count, y = b.utf8.count
        if x != y { return x < y ? -1 : 1 }
        return Value.compareCodePoints(a, b)
    }

    /// A JSON number's text in PostgreSQL numeric form: no exponent, the
    /// scale kept (`1.50` stays `1.50`, `1e2` is `100`, `-0` is `0`).
    static func normalizeNumber(_ text: String) -> String? {
        var chars = Substring(text)
        var negative = false
        if chars.first == "-" { negative = true; chars.removeFirst() }
        var exponent = 0
        if let e = chars.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let x = Int(chars[chars.index(after: e)...]), abs(x) < 100_000 else { return nil }
            exponent = x
            chars = chars[..<e]
        }
        let parts = chars.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let whole = parts[0], fraction = parts.count == 2 ? parts[1] : ""
        var digits = Array(whole + fraction)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var scale = fraction.count - exponent   // digits after the point
        if scale < 0 { digits += Array(repeating: "0", count: -scale); scale = 0 }
        // Leading zeros in one step (inserting them one at a time was
        // quadratic: seconds for 1e-99999).
        if digits.count <= scale { digits = Array(repeating: "0", count: scale - digits.count + 1) + digits }
        var intPart = digits[..<(digits.count - scale)]
        while intPart.count > 1 && intPart.first == "0" { intPart.removeFirst() }
        let fracPart = digits[(digits.count - scale)...]
        var result = String(intPart)
        if !fracPart.isEmpty { result += "." + String(fracPart) }
        if negative && digits.contains(where: { $0 != "0" }) { result = "-" + result }
        return result
    }

    // MARK: - Comparison (jsonb ordering)

    private var rank: Int {
        switch self {
        case .null: 0
        case .string: 1
        case .number: 2
        case .bool: 3
        case .array: 4
        case .object: 5
        }
    }

    /// The order of whole jsonb values: PostgreSQL stores a top-level scalar
    /// as a one-element "raw scalar" array, so it sorts after `[]`, before
    /// longer arrays, and before a one-element array.
    public static func compareTopLevel(_ a: JSONDocument, _ b: JSONDocument) -> Int {
        func shape(_ d: JSONDocument) -> (container: Int, count: Int, raw: Bool) {
            switch d {
            case .object(let m): (1, m.count, false)
            case .array(let items): (0, items.count, false)
            default: (0, 1, true)
            }
        }
        let x = shape(a), y = shape(b)
        if x.container != y.container { return x.container < y.container ? -1 : 1 }
        if x.container == 0 {
            if x.count != y.count { return x.count < y.count ? -1 : 1 }
            if x.raw != y.raw { return x.raw ? -1 : 1 }
            if x.raw { return compare(a, b) }
        }
        return compare(a, b)
    }

    /// PostgreSQL's jsonb b-tree order: Object > Array > Boolean > Number >
    /// String > Null; containers with more entries sort higher, then entries
    /// compare in storage order (keys before their values).
    public static func compare(_ a: JSONDocument, _ b: JSONDocument) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case let (.bool(x), .bool(y)): return x == y ? 0 : (x ? 1 : -1)
        case let (.number(x), .number(y)):
            if x == y { return 0 }
            let p = Double(x) ?? 0, q = Double(y) ?? 0
            return p < q ? -1 : (p == q ? 0 : 1)
        case let (.string(x), .string(y)): return Value.compareCodePoints(x, y)
        case let (.array(x), .array(y)):
            if x.count != y.count { return x.count < y.count ? -1 : 1 }
            for (p, q) in zip(x, y) { let c = compare(p, q); if c != 0 { return c } }
            return 0
        case let (.object(x), .object(y)):
            if x.count != y.count { return x.count < y.count ? -1 : 1 }
            for (p, q) in zip(x, y) {
                let k = Value.compareCodePoints(p.key, q.key)
                if k != 0 { return k }
                let c = compare(p.value, q.value)
                if c != 0 { return c }
            }
            return 0
        default: return a.rank < b.rank ? -1 : 1
        }
    }

    // MARK: - Access

    /// The member `key` of an object (the last one if keys repeat).
    public func member(_ key: String) -> JSONDocument? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key.utf8.elementsEqual(key.utf8) })?.value
    }

    /// Element `index` of an array; negative indexes count from the end.
    public func element(_ index: Int64) -> JSONDocument? {
        guard case .array(let items) = self else { return nil }
        let i = index < 0 ? Int64(items.count) + index : index
        guard i >= 0, i < Int64(items.count) else { return nil }
        return items[Int(i)]
    }

    public var isObject: Bool { if case .object = self { true } else { false } }
    public var isArray: Bool { if case .array = self { true } else { false } }

    /// The text `->>` gives: strings unquoted, null as SQL NULL, others as JSON.
    public var unquotedText: String? {
        switch self {
        case .null: nil
        case .string(let s): s
        default: description
        }
    }

    /// jsonb containment (`@>`), as PostgreSQL defines it: objects contain
    /// objects whose pairs they contain; arrays contain arrays whose elements
    /// each match some element; a top-level array contains a bare scalar.
    public func contains(_ other: JSONDocument, topLevel: Bool = true) -> Bool {
        switch (self, other) {
        case let (.object(mine), .object(theirs)):
            return theirs.allSatisfy { t in
                guard let m = mine.last(where: { $0.key == t.key })?.value else { return false }
                return m.contains(t.value, topLevel: false)
            }
        case let (.array(mine), .array(theirs)):
            return theirs.allSatisfy { t in
                mine.contains { m in
                    switch (m, t) {
                    case (.array, .array), (.object, .object): return m.contains(t, topLevel: false)
                    case (.array, _), (.object, _), (_, .array), (_, .object): return false
                    default: return m == t
                    }
                }
            }
        case let (.array(mine), _) where topLevel:
            switch other {
            case .object: return false
            default: return mine.contains { m in m == other }
            }
        case (.array, _), (.object, _), (_, .array), (_, .object): return false
        default: return self == other
        }
    }

    // MARK: - Text output

    /// PostgreSQL's jsonb output: `{"a": 1, "b": [1, 2]}`.
    public var description: String {
        var out = ""
        write(to: &out)
        return out
    }

    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): JSONDocument.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += ", " }
                JSONDocument.writeString(m.key, to: &out)
                out += ": "
                m.value.write(to: &out)
            }
            out += "}"
        }
    }

    /// A JSON string literal with PostgreSQL's escapes (escape_json).
    public static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension String {
    func trimmingJSONSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeLast() }
        return String(s)
    }
}

/// Navigation shared by jsonb documents and json text trees: object
/// members by key, array elements by (negative-from-the-end) index.
public protocol JSONNavigable {
    func member(_ key: String) -> Self?
    func element(_ index: Int64) -> Self?
    var isObject: Bool { get }
    var isArray: Bool { get }
}

extension JSONNavigable {
    /// Follows a path of keys and array indexes (`#>`).
    public func follow(_ path: [String]) -> Self? {
        var current = self
        for step in path {
            if current.isObject {
                guard let next = current.member(step) else { return nil }
                current = next
            } else if current.isArray {
                guard let i = Int64(step.trimmingJSONSpaces()), let next = current.element(i) else { return nil }
                current = next
            } else {
                return nil
            }
        }
        return current
    }
}

import JSON

/// Reads the small flat objects that remain of a search body once its
/// vector is taken out (`{"vector": 0, "top_k": 10}`) without jansson, whose
/// parse and tree conversion cost more than the rest of such a request's
/// JSON work.
///
/// Only a narrow shape is read: string keys and values without escapes,
/// control characters or non-ASCII bytes, integers of up to 18 digits,
/// `true`, `false`, `null`, and no key twice. Anything else, valid or not,
/// answers nil, and the caller hands the bytes to jansson, whose values and
/// error messages stay authoritative. What is read equals jansson's reading
/// (the tests compare them).
enum FlatObjectReader {
    static func read(_ bytes: [UInt8]) -> JSONValue? {
        bytes.withUnsafeBufferPointer { read($0) }
    }

    static func read(_ b: UnsafeBufferPointer<UInt8>) -> JSONValue? {
        var i = 0
        func skipSpace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }
        func next(is byte: UInt8) -> Bool {
            guard i < b.count, b[i] == byte else { return false }
            i += 1
            return true
        }
        skipSpace()
        guard next(is: UInt8(ascii: "{")) else { return nil }
        skipSpace()
        var members: [(String, JSONValue)] = []
        if !next(is: UInt8(ascii: "}")) {
            while true {
                guard let key = plainString(b, &i) else { return nil }
                skipSpace()
                guard next(is: UInt8(ascii: ":")) else { return nil }
                skipSpace()
                guard let value = scalar(b, &i), !members.contains(where: { $0.0 == key }) else { return nil }
                members.append((key, value))
                skipSpace()
                if next(is: UInt8(ascii: ",")) { skipSpace(); continue }
                guard next(is: UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        skipSpace()
        return i == b.count ? .object(members) : nil
    }

    /// `"…"` of printable ASCII other than the backslash.
    private static func plainString(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> String? {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        let start = i + 1
        var k = start
        while k < b.count, b[k] != UInt8(ascii: "\"") {
            guard b[k] >= 0x20, b[k] < 0x80, b[k] != UInt8(ascii: "\\") else { return nil }
            k += 1
        }
        guard k < b.count else { return nil }
        i = k + 1
        return String(decoding: UnsafeBufferPointer(rebasing: b[start..<k]), as: UTF8.self)
    }

    private static func scalar(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> JSONValue? {
        guard i < b.count else { return nil }
        func literal(_ text: StaticString, _ value: JSONValue) -> JSONValue? {
            let n = text.utf8CodeUnitCount
            guard i + n <= b.count, UnsafeBufferPointer(rebasing: b[i..<(i + n)])
                .elementsEqual(UnsafeBufferPointer(start: text.utf8Start, count: n)) else { return nil }
            i += n
            return value
        }
        switch b[i] {
        case UInt8(ascii: "\""): return plainString(b, &i).map { .string($0) }
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return integer(b, &i)
        default: return nil
        }
    }

    /// `-?(0|[1-9][0-9]{0,17})` not followed by a fraction or an exponent
    /// (those are doubles: jansson's job).
    private static func integer(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> JSONValue? {
        var k = i
        let negative = b[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        let first = k
        var value: Int64 = 0
        while k < b.count, b[k] >= UInt8(ascii: "0"), b[k] <= UInt8(ascii: "9") {
            // Checked before the digit is added: 18 digits fit in an Int64, a 19th may not.
            guard k - first < 18 else { return nil }
            value = value * 10 + Int64(b[k] - UInt8(ascii: "0"))
            k += 1
        }
        guard k > first, !(b[first] == UInt8(ascii: "0") && k - first > 1) else { return nil }
        if k < b.count, b[k] == UInt8(ascii: ".") || b[k] == UInt8(ascii: "e") || b[k] == UInt8(ascii: "E") { return nil }
        i = k
        return .integer(negative ? -value : value)
    }
}

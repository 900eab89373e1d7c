/// Why JSON text was rejected: SQLSTATE 22P02 with PostgreSQL's message,
/// and a detail saying what was wrong.
public struct JSONSyntaxError: DatabaseError, Equatable {
    public var sqlState: String
    public var message: String
    public var detail: String
    public var position: Int? { nil }
    public init(_ detail: String) {
        self.sqlState = SQLState.invalidTextRepresentation
        self.message = "invalid input syntax for type json"
        self.detail = detail
    }

    /// `\u0000` in jsonb (or where text is needed): 22P05, as in PostgreSQL.
    static let nul: JSONSyntaxError = {
        var e = JSONSyntaxError("\\u0000 cannot be converted to text.")
        e.sqlState = "22P05"
        e.message = "unsupported Unicode escape sequence"
        return e
    }()
}

extension JSONDocument {
    /// Parses JSON text (RFC 8259, as PostgreSQL's json input accepts it).
    /// The result keeps keys as written; call `normalized()` for jsonb.
    /// `allowNUL` accepts `\u0000` escapes, as the json type's input does
    /// (it only validates); jsonb rejects them (22P05).
    public static func parse(_ text: String, allowNUL: Bool = false) throws(JSONSyntaxError) -> JSONDocument {
        var parser = JSONTextParser(bytes: Array(text.utf8))
        parser.allowNUL = allowNUL
        parser.skipSpaces()
        let document = try parser.value(depth: 0)
        parser.skipSpaces()
        guard parser.index == parser.bytes.count else {
            throw JSONSyntaxError("Expected end of input, but found \"\(parser.token())\".")
        }
        return document
    }
}

/// JSON text with the byte ranges of its parts, so the JSON type's
/// operators return parts as written (`'{"a": [1,  2]}'::json -> 'a'` is
/// `[1,  2]`, spacing kept).
public indirect enum RawJSON: Sendable, JSONNavigable {
    case scalar(JSONDocument, text: String)
    case array([RawJSON], text: String)
    case object([(key: String, value: RawJSON)], text: String)

    public var text: String {
        switch self {
        case .scalar(_, let t), .array(_, let t), .object(_, let t): t
        }
    }

    /// Parses text that is known to be valid JSON.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> RawJSON {
        var parser = JSONTextParser(bytes: Array(text.utf8))
        parser.allowNUL = true
        parser.skipSpaces()
        let raw = try parser.raw(depth: 0)
        parser.skipSpaces()
        guard parser.index == parser.bytes.count else {
            throw JSONSyntaxError("Expected end of input, but found \"\(parser.token())\".")
        }
        return raw
    }

    /// The member `key` (the last one if keys repeat), or element `index`
    /// (negative from the end), as PostgreSQL's json operators pick them.
    public func member(_ key: String) -> RawJSON? {
        guard case .object(let members, _) = self else { return nil }
        return members.last(where: { $0.key.utf8.elementsEqual(key.utf8) })?.value
    }

    public func element(_ index: Int64) -> RawJSON? {
        guard case .array(let items, _) = self else { return nil }
        let i = index < 0 ? Int64(items.count) + index : index
        guard i >= 0, i < Int64(items.count) else { return nil }
        return items[Int(i)]
    }

    public var isObject: Bool { if case .object = self { true } else { false } }
    public var isArray: Bool { if case .array = self { true } else { false } }

    /// `->>`: a string's contents, NULL for null, otherwise the text as written.
    public var unquotedText: String? {
        switch self {
        case .scalar(.null, _): nil
        case .scalar(.string(let s), _): s
        default: text
        }
    }
}

private struct JSONTextParser {
    let bytes: [UInt8]
    var index = 0
    var allowNUL = false

    mutating func skipSpaces() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    /// The token at the current position, for error details.
    func token() -> String {
        var end = index
        while end < bytes.count, !([0x20, 0x09, 0x0A, 0x0D, 0x2C, 0x3A, 0x5B, 0x5D, 0x7B, 0x7D] as [UInt8]).contains(bytes[end]) { end += 1 }
        if end == index && end < bytes.count { end += 1 }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }

    mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONDocument {
        guard index < bytes.count else { throw JSONSyntaxError("The input string ended unexpectedly.") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            guard depth < JSONDocument.maximumDepth else { throw depthError() }
            return try object(depth: depth + 1)
        case UInt8(ascii: "["):
            guard depth < JSONDocument.maximumDepth else { throw depthError() }
            return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default:
            let word = token()
            switch word {
            case "true": index += 4; return .bool(true)
            case "false": index += 5; return .bool(false)
            case "null": index += 4; return .null
            default: throw JSONSyntaxError("Token \"\(word)\" is invalid.")
            }
        }
    }

    mutating func raw(depth: Int) throws(JSONSyntaxError) -> RawJSON {
        let start = index
        func text(_ p: JSONTextParser) -> String { String(decoding: p.bytes[start..<p.index], as: UTF8.self) }
        guard index < bytes.count else { throw JSONSyntaxError("The input string ended unexpectedly.") }
        switch bytes[index] {
        case UInt8(ascii: "["):
            guard depth < JSONDocument.maximumDepth else { throw depthError() }
            index += 1
            var items: [RawJSON] = []
            skipSpaces()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items, text: text(self)) }
            while true {
                skipSpaces()
                items.append(try raw(depth: depth + 1))
                skipSpaces()
                guard index < bytes.count else { throw JSONSyntaxError("The input string ended unexpectedly.") }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items, text: text(self)) }
                guard bytes[index] == UInt8(ascii: ",") else { throw JSONSyntaxError("Expected \",\" or \"]\", but found \"\(token())\".") }
                index += 1
            }
        case UInt8(ascii: "{"):
            guard depth < JSONDocument.maximumDepth else { throw depthError() }
            index += 1
            var members: [(key: String, value: RawJSON)] = []
            skipSpaces()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members, text: text(self)) }
            while true {
                skipSpaces()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw JSONSyntaxError("Expected string.") }
                let key = try string()
                try expect(UInt8(ascii: ":"), "\":\"")
                skipSpaces()
                members.append((key, try raw(depth: depth + 1)))
                skipSpaces()
                guard index < bytes.count else { throw JSONSyntaxError("The input string ended unexpectedly.") }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members, text: text(self)) }
                guard bytes[index] == UInt8(ascii: ",") else { throw JSONSyntaxError("Expected \",\" or \"}\", but found \"\(token())\".") }
                index += 1
            }
        default:
            let scalar = try value(depth: depth)
            return .scalar(scalar, text: text(self))
        }
    }

    func depthError() -> JSONSyntaxError {
        JSONSyntaxError("JSON nesting is deeper than \(JSONDocument.maximumDepth) levels.")
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONSyntaxError) {
        skipSpaces()
        guard index < bytes.count else { throw JSONSyntaxError("The input string ended unexpectedly.") }
        guard bytes[index] == byte else { throw JSONSyntaxError("Expected \(what), but found \"\(token())\".") }
        index += 1
    }

    mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONDocument {
        index += 1
        var items: [JSONDocument] = []
        skipSpaces()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipSpaces()
            items.append(try value(depth: depth))
            skipSpaces()
            guard index < bytes.count else { throw JSONSyntaxError("The input string ended unexpectedly.") }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            guard bytes[index] == UInt8(ascii: ",") else { throw JSONSyntaxError("Expected \",\" or \"]\", but found \"\(token())\".") }
            index += 1
        }
    }

    mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONDocument {
        index += 1
        var members: [JSONDocument.Member] = []
        skipSpaces()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipSpaces()
            guard index < bytes.count else { throw JSONSyntaxError("The input string ended unexpectedly.") }
            guard bytes[index] == UInt8(ascii: "\"") else { throw JSONSyntaxError("Expected string, but found \"\(token())\".") }
            let key = try string()
            try expect(UInt8(ascii: ":"), "\":\"")
            skipSpaces()
            members.append(JSONDocument.Member(key, try value(depth: depth)))
            skipSpaces()
            guard index < bytes.count else { throw JSONSyntaxError("The input string ended unexpectedly.") }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            guard bytes[index] == UInt8(ascii: ",") else { throw JSONSyntaxError("Expected \",\" or \"}\", but found \"\(token())\".") }
            index += 1
        }
    }

    mutating func number() throws(JSONSyntaxError) -> JSONDocument {
        let start = index
        func digits(_ p: inout JSONTextParser) -> Int {
            var n = 0
            while p.index < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.index]) { p.index += 1; n += 1 }
            return n
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let intStart = index
        let intDigits = digits(&self)
        var ok = intDigits > 0 && !(intDigits > 1 && bytes[intStart] == UInt8(ascii: "0"))
        if ok, index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            ok = digits(&self) > 0
        }
        if ok, index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            ok = digits(&self) > 0
        }
        // A number must end at a delimiter (PostgreSQL rejects `1x`, `01`).
        if ok, index < bytes.count, !([0x20, 0x09, 0x0A, 0x0D, 0x2C, 0x3A, 0x5D, 0x7D] as [UInt8]).contains(bytes[index]) { ok = false }
        guard ok else {
            index = start
            throw JSONSyntaxError("Token \"\(token())\" is invalid.")
        }
        return .number(String(decoding: bytes[start..<index], as: UTF8.self))
    }

    mutating func string() throws(JSONSyntaxError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw JSONSyntaxError("The input string ended unexpectedly.") }
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if b < 0x20 {
                throw JSONSyntaxError("Character with value 0x\(b < 16 ? "0" : "")\(String(b, radix: 16)) must be escaped.")
            }
            guard b == UInt8(ascii: "\\") else { out.append(b); continue }
            guard index < bytes.count else { throw JSONSyntaxError("The input string ended unexpectedly.") }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800...0xDBFF).contains(code) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw JSONSyntaxError("Unicode high surrogate must not follow a high surrogate.")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw JSONSyntaxError("Unicode low surrogate must follow a high surrogate.")
                    }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(code) {
                    throw JSONSyntaxError("Unicode low surrogate must follow a high surrogate.")
                }
                guard code != 0 || allowNUL else { throw JSONSyntaxError.nul }
                out.append(contentsOf: Array(String(Unicode.Scalar(code)!).utf8))
            default:
                throw JSONSyntaxError("Escape sequence \"\\\(String(decoding: [e], as: UTF8.self))\" is invalid.")
            }
        }
    }

    mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count,
              let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            throw JSONSyntaxError("\"\\u\" must be followed by four hexadecimal digits.")
        }
        index += 4
        return code
    }
}

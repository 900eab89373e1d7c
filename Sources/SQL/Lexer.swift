import Core

// The lexer turns SQL text into tokens in one pass over its UTF-8 bytes.
//
// It runs for every request, so it never touches `Character`s: it scans the
// string's contiguous UTF-8 storage, builds `String`s only for identifiers
// and literals (identifiers of up to 15 bytes fit in a small string and need
// no allocation), and recognises keywords by packing a word's bytes into
// three integers and probing a small open-addressing table (`PackedWord`);
// keyword tokens reuse the keyword's static spelling as their text.
//
// Positions follow PostgreSQL: the 1-based character offset (counted in
// Unicode scalars) of the token's first character. The end-of-input token is
// positioned one past the last character.
//
// Unquoted words are folded to lower case (ASCII only, as PostgreSQL does) and
// may contain any byte >= 0x80, so `SELECT é` names a column "é". Quoted
// identifiers keep their case and use `""` for a quote. String literals use
// `''` for a quote; `E'…'` strings also take backslash escapes; `$$…$$` and
// `$tag$…$tag$` strings are taken as written. Comments are
// `-- …` to end of line and `/* … */`, which nest.

/// What a token is. Unquoted words (identifiers and keywords alike) are
/// `.word`; `Token.keyword` says which keyword, if any.
package enum TokenKind: UInt8, Sendable {
    case word, quotedIdentifier, string, integer, numeric, parameter
    case plus, minus, star, slash, percent, concat
    case equal, notEqual, less, lessEqual, greater, greaterEqual
    case leftParen, rightParen, comma, dot, semicolon, doubleColon, leftBracket, rightBracket
    /// The other operators (`->`, `@>`, `~*`, `^`, …): `text` is the operator.
    case `operator`
    case endOfInput
}

package struct Token: Sendable {
    package var kind: TokenKind
    /// Set for `.word` tokens that spell a keyword.
    package var keyword: Keyword?
    /// `.word`: the lower-cased word; `.quotedIdentifier`: the name;
    /// `.string`: the literal's value; otherwise empty.
    package var text: String
    /// `.integer`: its value (it may exceed `Int64.max`); `.parameter`: its number.
    package var integer: UInt64
    /// `.numeric`: its value (decimal or exponent literals, and integers beyond UInt64).
    package var double: Double
    /// Byte range of the token in the UTF-8 source.
    package var start: Int
    package var end: Int
    /// 1-based character offset of the token's first character.
    package var position: Int

    init(_ kind: TokenKind, text: String = "", keyword: Keyword? = nil, integer: UInt64 = 0,
         double: Double = 0, start: Int, end: Int, position: Int) {
        self.kind = kind; self.keyword = keyword; self.text = text; self.integer = integer
        self.double = double; self.start = start; self.end = end; self.position = position
    }
}

package enum Lexer {
    /// Tokenizes `sql`; the last token is always `.endOfInput`.
    package static func tokenize(_ sql: String) throws(SQLError) -> [Token] {
        var source = sql
        let result: Result<[Token], SQLError> = source.withUTF8 { bytes in
            var scanner = Scanner(bytes: bytes)
            return Result { () throws(SQLError) in try scanner.run() }
        }
        return try result.get()
    }
}

private let quote = UInt8(ascii: "'")
private let doubleQuote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")

@inline(__always) private func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

@inline(__always) private func isIdentifierStart(_ b: UInt8) -> Bool {
    let lower = b | 0x20
    return (lower >= 0x61 && lower <= 0x7A) || b == 0x5F || b >= 0x80
}

/// Letters, digits, `_`, `$` and every non-ASCII byte, by bitmap lookup.
@inline(__always) private func isIdentifierPart(_ b: UInt8) -> Bool {
    if b >= 0x80 { return true }
    let map: UInt64 = b < 0x40 ? 0x03FF_0010_0000_0000 : 0x07FF_FFFE_87FF_FFFE
    return (map >> UInt64(b & 63)) & 1 != 0
}

@inline(__always) private func hexValue(_ b: UInt8) -> UInt32? {
    switch b {
    case 0x30...0x39: UInt32(b - 0x30)
    case 0x41...0x46: UInt32(b - 0x41 + 10)
    case 0x61...0x66: UInt32(b - 0x61 + 10)
    default: nil
    }
}

/// The scanning state over one statement text's bytes.
private struct Scanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0
    var tokens: [Token] = []
    /// Whether every byte is ASCII, so that positions are byte offsets + 1.
    let isASCII: Bool
    /// Characters counted before byte `counted`; positions are computed incrementally.
    var counted = 0
    var characters = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        var high: UInt8 = 0
        for b in bytes { high |= b }
        isASCII = high < 0x80
        tokens.reserveCapacity(bytes.count / 4 + 2)
    }

    /// The 1-based character position of byte offset `offset` (offsets only grow).
    mutating func position(of offset: Int) -> Int {
        if isASCII { return offset + 1 }
        if offset < counted { return Self.count(bytes, 0, offset) + 1 }
        var n = characters
        var k = counted
        while k < offset {
            if bytes[k] & 0xC0 != 0x80 { n += 1 }
            k += 1
        }
        counted = offset; characters = n
        return n + 1
    }

    static func count(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int {
        var n = 0
        for k in from..<to where bytes[k] & 0xC0 != 0x80 { n += 1 }
        return n
    }

    func text(_ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
    }

    mutating func error(_ message: String, from start: Int, to end: Int? = nil) -> SQLError {
        .syntax("\(message) at or near \"\(text(start, end ?? bytes.count))\"", at: position(of: start))
    }

    mutating func append(_ kind: TokenKind, from start: Int, text: String = "") {
        tokens.append(Token(kind, text: text, start: start, end: i, position: position(of: start)))
    }

    mutating func run() throws(SQLError) -> [Token] {
        let n = bytes.count
        while true {
            try skipSpaceAndComments()
            guard i < n else {
                tokens.append(Token(.endOfInput, start: n, end: n, position: position(of: n)))
                return tokens
            }
            let start = i
            let b = bytes[i]
            if isIdentifierStart(b) {
                if (b | 0x20) == UInt8(ascii: "e"), i + 1 < n, bytes[i + 1] == quote {
                    i += 1
                    try scanEscapeString(start: start)
                } else {
                    scanWord()
                }
            } else if isDigit(b) || (b == UInt8(ascii: ".") && i + 1 < n && isDigit(bytes[i + 1])) {
                try scanNumber()
            } else if b == quote {
                let value = try scanQuoted(quote, start: start, what: "quoted string")
                append(.string, from: start, text: value)
            } else if b == doubleQuote {
                let value = try scanQuoted(doubleQuote, start: start, what: "quoted identifier")
                if value.isEmpty { throw error("zero-length delimited identifier", from: start, to: i) }
                append(.quotedIdentifier, from: start, text: value)
            } else if b == UInt8(ascii: "$") {
                if try !scanDollarQuoted(start: start) { try scanParameter() }
            } else {
                try scanOperator()
            }
        }
    }

    mutating func skipSpaceAndComments() throws(SQLError) {
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == 0x20 || (b >= 0x09 && b <= 0x0D) {
                var k = i + 1
                while k < n, bytes[k] == 0x20 || (bytes[k] >= 0x09 && bytes[k] <= 0x0D) { k += 1 }
                i = k
            } else if b == UInt8(ascii: "-"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "-") {
                while i < n, bytes[i] != 0x0A, bytes[i] != 0x0D { i += 1 }
            } else if b == UInt8(ascii: "/"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "*") {
                try skipBlockComment()
            } else {
                return
            }
        }
    }

    mutating func skipBlockComment() throws(SQLError) {
        let start = i, n = bytes.count
        var depth = 0
        while i + 1 < n {
            if bytes[i] == UInt8(ascii: "/"), bytes[i + 1] == UInt8(ascii: "*") {
                depth += 1; i += 2
            } else if bytes[i] == UInt8(ascii: "*"), bytes[i + 1] == UInt8(ascii: "/") {
                depth -= 1; i += 2
                if depth == 0 { return }
            } else {
                i += 1
            }
        }
        throw error("unterminated /* comment", from: start)
    }

    mutating func scanWord() {
        let start = i, n = bytes.count
        var end = i
        var union: UInt8 = 0
        var hasUpper = false
        while end < n {
            let b = bytes[end]
            guard isIdentifierPart(b) else { break }
            union |= b
            if b &- 0x41 < 26 { hasUpper = true }
            end += 1
        }
        i = end
        let length = end - start
        if union < 0x80 && length <= PackedWord.capacity,
           let keyword = Keyword.lookup(PackedWord(bytes, start, length)) {
            // Keywords take their (static) spelling as text: no string to build.
            tokens.append(Token(.word, text: keyword.rawValue, keyword: keyword, start: start, end: end,
                                position: position(of: start)))
            return
        }
        let word: String
        if hasUpper {
            let source = bytes
            word = String(unsafeUninitializedCapacity: length) { out in
                for k in 0..<length {
                    let b = source[start + k]
                    out[k] = (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
                }
                return length
            }
        } else {
            word = text(start, end)
        }
        tokens.append(Token(.word, text: word, start: start, end: end, position: position(of: start)))
    }

    /// Scans a `'…'` string or `"…"` identifier starting at `i`, where a doubled
    /// delimiter stands for one. Leaves `i` after the closing delimiter.
    mutating func scanQuoted(_ delimiter: UInt8, start: Int, what: String) throws(SQLError) -> String {
        let n = bytes.count
        i += 1
        var segment = i
        var copied: [UInt8] = []
        var doubled = false
        while true {
            guard i < n else { throw error("unterminated \(what)", from: start) }
            if bytes[i] == delimiter {
                if i + 1 < n, bytes[i + 1] == delimiter {
                    copied.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment...i]))
                    doubled = true
                    i += 2; segment = i
                    continue
                }
                break
            }
            i += 1
        }
        defer { i += 1 }
        guard doubled else { return text(segment, i) }
        copied.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment..<i]))
        return String(decoding: copied, as: UTF8.self)
    }

    /// Scans `E'…'` (with `i` at the quote): `''` or `\'` for a quote, and the
    /// escapes \b \f \n \r \t, octal \o[o[o]], hex \xh[h], \uXXXX, \UXXXXXXXX.
    mutating func scanEscapeString(start: Int) throws(SQLError) {
        let n = bytes.count
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < n else { throw error("unterminated quoted string", from: start) }
            let b = bytes[i]
            if b == quote {
                if i + 1 < n, bytes[i + 1] == quote { out.append(quote); i += 2; continue }
                i += 1
                break
            }
            if b == backslash, i + 1 < n {
                let escapeStart = i
                i += 1
                try appendEscape(into: &out, escapeStart: escapeStart)
                continue
            }
            out.append(b); i += 1
        }
        if out.contains(0) {
            throw SQLError("22021", "invalid byte sequence for encoding \"UTF8\": 0x00", position: position(of: start))
        }
        guard let value = String(validating: out, as: UTF8.self) else {
            throw SQLError("22021", "invalid byte sequence for encoding \"UTF8\"", position: position(of: start))
        }
        append(.string, from: start, text: value)
    }

    /// Decodes the escape whose letter is at `i`, appending its bytes.
    mutating func appendEscape(into out: inout [UInt8], escapeStart: Int) throws(SQLError) {
        let n = bytes.count
        let c = bytes[i]
        i += 1
        switch c {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var value = UInt32(c - 0x30)
            var k = 1
            while k < 3, i < n, bytes[i] >= 0x30, bytes[i] <= 0x37 {
                value = value * 8 + UInt32(bytes[i] - 0x30); i += 1; k += 1
            }
            out.append(UInt8(truncatingIfNeeded: value))
        case UInt8(ascii: "x") where i < n && hexValue(bytes[i]) != nil:
            var value: UInt32 = 0
            var k = 0
            while k < 2, i < n, let h = hexValue(bytes[i]) { value = value * 16 + h; i += 1; k += 1 }
            out.append(UInt8(value))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let digits = c == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard i < n, let h = hexValue(bytes[i]) else {
                    throw SQLError("22025", "invalid Unicode escape", position: position(of: escapeStart))
                }
                value = value &* 16 &+ h; i += 1
            }
            guard value != 0, let scalar = Unicode.Scalar(value) else {
                throw SQLError("22025", "invalid Unicode escape value", position: position(of: escapeStart))
            }
            out.append(contentsOf: String(scalar).utf8)
        default:
            out.append(c)
        }
    }

    /// Integer, decimal (`1.5`, `1.`, `.5`) and exponent (`1e10`, `2.5E-3`) literals.
    mutating func scanNumber() throws(SQLError) {
        let start = i, n = bytes.count
        var value: UInt64 = 0
        var overflow = false
        while i < n, isDigit(bytes[i]) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[i] - 0x30))
            value = sum; overflow = overflow || o1 || o2
            i += 1
        }
        var isInteger = true
        if i < n, bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            while i < n, isDigit(bytes[i]) { i += 1 }
        }
        if i < n, bytes[i] | 0x20 == UInt8(ascii: "e") {
            var k = i + 1
            if k < n, bytes[k] == UInt8(ascii: "+") || bytes[k] == UInt8(ascii: "-") { k += 1 }
            if k < n, isDigit(bytes[k]) {
                isInteger = false
                i = k
                while i < n, isDigit(bytes[i]) { i += 1 }
            }
        }
        if i < n, isIdentifierStart(bytes[i]) {
            while i < n, isIdentifierPart(bytes[i]) { i += 1 }
            throw error("trailing junk after numeric literal", from: start, to: i)
        }
        if isInteger && !overflow {
            tokens.append(Token(.integer, integer: value, start: start, end: i, position: position(of: start)))
        } else {
            let double = Double(text(start, i)) ?? .infinity
            tokens.append(Token(.numeric, double: double, start: start, end: i, position: position(of: start)))
        }
    }

    /// `$$…$$` or `$tag$…$tag$` (with `i` at the first `$`): a string taken
    /// as written, without escapes, up to the same tag. False (nothing
    /// consumed) when no tag starts here: `$1` is a parameter.
    mutating func scanDollarQuoted(start: Int) throws(SQLError) -> Bool {
        let n = bytes.count
        var j = i + 1
        if j < n, isIdentifierStart(bytes[j]) {
            while j < n, bytes[j] != UInt8(ascii: "$"), isIdentifierPart(bytes[j]) { j += 1 }
        }
        guard j < n, bytes[j] == UInt8(ascii: "$") else { return false }
        let tag = bytes[i...j]
        let body = j + 1
        var k = body
        while k + tag.count <= n {
            if bytes[k] == UInt8(ascii: "$"), bytes[k..<(k + tag.count)].elementsEqual(tag) {
                i = k + tag.count
                append(.string, from: start, text: text(body, k))
                return true
            }
            k += 1
        }
        throw error("unterminated dollar-quoted string", from: start)
    }

    /// `$n`: a positional parameter.
    mutating func scanParameter() throws(SQLError) {
        let start = i, n = bytes.count
        i += 1
        var value: UInt64 = 0
        var overflow = false
        while i < n, isDigit(bytes[i]) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[i] - 0x30))
            value = sum; overflow = overflow || o1 || o2
            i += 1
        }
        if i == start + 1 { throw error("syntax error", from: start, to: i) }
        if i < n, isIdentifierPart(bytes[i]) {
            while i < n, isIdentifierPart(bytes[i]) { i += 1 }
            throw error("trailing junk after parameter", from: start, to: i)
        }
        if overflow || value > UInt64(Int32.max) {
            throw SQLError("22003", "parameter number too large", position: position(of: start))
        }
        tokens.append(Token(.parameter, integer: value, start: start, end: i, position: position(of: start)))
    }

    /// Punctuation and operators. Operators follow PostgreSQL's rule: the
    /// longest run of operator characters (stopping before `--` or `/*`),
    /// where a run of several characters ending in `+` or `-` drops that
    /// last character unless it contains one of `~ ! @ # % ^ & | \` ?`
    /// (so `a<-1` is `a < -1` and `a*-1` is `a * -1`). A run that is not an
    /// operator Helios knows fails with 42883.
    mutating func scanOperator() throws(SQLError) {
        let start = i, n = bytes.count
        let b = bytes[i]
        let kind: TokenKind
        switch b {
        case UInt8(ascii: "("): kind = .leftParen
        case UInt8(ascii: ")"): kind = .rightParen
        case UInt8(ascii: ","): kind = .comma
        case UInt8(ascii: "."): kind = .dot
        case UInt8(ascii: ";"): kind = .semicolon
        case UInt8(ascii: "["): kind = .leftBracket
        case UInt8(ascii: "]"): kind = .rightBracket
        case UInt8(ascii: ":") where i + 1 < n && bytes[i + 1] == UInt8(ascii: ":"):
            i += 2
            append(.doubleColon, from: start)
            return
        default:
            guard isOperatorCharacter(b) else {
                var end = i + 1
                while end < n, bytes[end] & 0xC0 == 0x80 { end += 1 }
                throw error("syntax error", from: start, to: end)
            }
            try scanOperatorRun()
            return
        }
        i += 1
        append(kind, from: start)
    }

    mutating func scanOperatorRun() throws(SQLError) {
        let start = i, n = bytes.count
        var end = i + 1
        var special = false
        if !isPlainOperatorCharacter(bytes[i]) { special = true }
        while end < n, isOperatorCharacter(bytes[end]) {
            let c = bytes[end]
            if end + 1 < n {
                let d = bytes[end + 1]
                if (c == UInt8(ascii: "-") && d == UInt8(ascii: "-"))
                    || (c == UInt8(ascii: "/") && d == UInt8(ascii: "*")) { break }
            }
            if !isPlainOperatorCharacter(c) { special = true }
            end += 1
        }
        if !special {
            while end - start > 1, bytes[end - 1] == UInt8(ascii: "+") || bytes[end - 1] == UInt8(ascii: "-") {
                end -= 1
            }
        }
        i = end
        let length = end - start
        let c0 = bytes[start]
        let c1: UInt8 = length > 1 ? bytes[start + 1] : 0
        let c2: UInt8 = length > 2 ? bytes[start + 2] : 0
        var kind = TokenKind.operator
        var text = ""
        switch length {
        case 1:
            switch c0 {
            case UInt8(ascii: "+"): kind = .plus
            case UInt8(ascii: "-"): kind = .minus
            case UInt8(ascii: "*"): kind = .star
            case UInt8(ascii: "/"): kind = .slash
            case UInt8(ascii: "%"): kind = .percent
            case UInt8(ascii: "="): kind = .equal
            case UInt8(ascii: "<"): kind = .less
            case UInt8(ascii: ">"): kind = .greater
            case UInt8(ascii: "?"): text = "?"
            case UInt8(ascii: "~"): text = "~"
            case UInt8(ascii: "&"): text = "&"
            case UInt8(ascii: "|"): text = "|"
            case UInt8(ascii: "#"): text = "#"
            case UInt8(ascii: "^"): text = "^"
            default: break
            }
        case 2:
            switch (c0, c1) {
            case (UInt8(ascii: "|"), UInt8(ascii: "|")): kind = .concat
            case (UInt8(ascii: "<"), UInt8(ascii: "=")): kind = .lessEqual
            case (UInt8(ascii: ">"), UInt8(ascii: "=")): kind = .greaterEqual
            case (UInt8(ascii: "<"), UInt8(ascii: ">")), (UInt8(ascii: "!"), UInt8(ascii: "=")): kind = .notEqual
            case (UInt8(ascii: "-"), UInt8(ascii: ">")): text = "->"
            case (UInt8(ascii: "#"), UInt8(ascii: ">")): text = "#>"
            case (UInt8(ascii: "@"), UInt8(ascii: ">")): text = "@>"
            case (UInt8(ascii: "<"), UInt8(ascii: "@")): text = "<@"
            case (UInt8(ascii: "?"), UInt8(ascii: "|")): text = "?|"
            case (UInt8(ascii: "?"), UInt8(ascii: "&")): text = "?&"
            case (UInt8(ascii: "~"), UInt8(ascii: "*")): text = "~*"
            case (UInt8(ascii: "!"), UInt8(ascii: "~")): text = "!~"
            case (UInt8(ascii: "<"), UInt8(ascii: "<")): text = "<<"
            case (UInt8(ascii: ">"), UInt8(ascii: ">")): text = ">>"
            default: break
            }
        case 3:
            switch (c0, c1, c2) {
            case (UInt8(ascii: "-"), UInt8(ascii: ">"), UInt8(ascii: ">")): text = "->>"
            case (UInt8(ascii: "#"), UInt8(ascii: ">"), UInt8(ascii: ">")): text = "#>>"
            case (UInt8(ascii: "<"), UInt8(ascii: "-"), UInt8(ascii: ">")): text = "<->"
            case (UInt8(ascii: "<"), UInt8(ascii: "="), UInt8(ascii: ">")): text = "<=>"
            case (UInt8(ascii: "<"), UInt8(ascii: "#"), UInt8(ascii: ">")): text = "<#>"
            case (UInt8(ascii: "<"), UInt8(ascii: "+"), UInt8(ascii: ">")): text = "<+>"
            case (UInt8(ascii: "!"), UInt8(ascii: "~"), UInt8(ascii: "*")): text = "!~*"
            default: break
            }
        default:
            break
        }
        if kind == .operator && text.isEmpty {
            throw SQLError(SQLState.undefinedFunction, "operator does not exist: \(self.text(start, end))",
                           position: position(of: start))
        }
        tokens.append(Token(kind, text: text, start: start, end: end, position: position(of: start)))
    }
}

/// PostgreSQL's operator characters: `+ - * / < > = ~ ! @ # % ^ & | \` ?`.
@inline(__always) private func isOperatorCharacter(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "<"),
         UInt8(ascii: ">"), UInt8(ascii: "="), UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "@"),
         UInt8(ascii: "#"), UInt8(ascii: "%"), UInt8(ascii: "^"), UInt8(ascii: "&"), UInt8(ascii: "|"),
         UInt8(ascii: "`"), UInt8(ascii: "?"):
        true
    default:
        false
    }
}

/// Operator characters that let a trailing `+`/`-` be split off.
@inline(__always) private func isPlainOperatorCharacter(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "<"),
         UInt8(ascii: ">"), UInt8(ascii: "="):
        true
    default:
        false
    }
}

import Core

// HeliosDB Nano SQL dumps, read for import (`POST /v1/import`,
// `heliosd import FILE`).
//
// Nano writes two dialects of SQL text:
//
//   v2 ("-- Format: heliosdb-nano sql v2"): quoted identifiers, one
//       statement per line; CREATE TABLE IF NOT EXISTS for every table,
//       multi-row INSERTs with column lists and typed literals
//       ('…'::timestamptz, E'\\x00'::bytea, '[1.0,2.5]'::vector(2)), then
//       ALTER TABLE … FOREIGN KEY, then CREATE INDEX … USING hnsw.
//   v1 (no Format line; releases up to about 4.31): bare identifiers,
//       statements over several lines, one INSERT per table without a
//       column list, and values written as Rust debug text
//       ('Json("…")', 'Numeric("3.14")', 'Vector([1.0, 2.0])', bare NaN).
//
// Most of both is PostgreSQL that Helios runs as it is. The reader splits
// the script into statements (quotes, E-strings, quoted identifiers,
// comments and dollar quotes respected) and rewrites, token by token, what
// Helios does not have, each with a warning for the report:
//
//   T[] columns        become JSONB; their '{…}'::T[] literals JSON arrays
//   TIME columns       become TEXT ('01:00:00.123456789' kept as written)
//   FOREIGN KEY        kept (checked when added), but not deferred; left
//                      out when Nano did not enforce them (NOT ENFORCED)
//   v1 debug values    become the literals they stand for
//
// Everything then runs as one transaction: an import applies whole or not
// at all (Nano's own restore stops at the first error and keeps the rest).

/// A dump read and rewritten for Helios, statement by statement.
struct NanoDump {
    enum Format: String {
        case v2 = "heliosdb-nano sql v2"
        case v1 = "heliosdb-nano sql v1"
    }

    struct Statement {
        /// The statement as Helios runs it (rewritten where needed).
        var text: String
        /// 1-based line of the dump where it starts.
        var line: Int
        /// 1-based position among the dump's statements (left-out ones counted).
        var number: Int
    }

    var format: Format
    var statements: [Statement] = []
    var warnings: [String] = []
    /// Each table's columns and their types as the dump declares them
    /// (upper-cased names without sizes; "ARRAY" for arrays), in order.
    var columnTypes: [String: [(name: String, type: String)]] = [:]

    /// Reads a dump. Throws 22P02 for text that is not a Nano dump (no
    /// statement at all, or an unterminated quote).
    static func read(_ text: String) throws(EngineError) -> NanoDump {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a byte-order mark
        let pieces = try DumpScanner.statements(bytes)
        let format = pieces.comments.first { $0.lowercased().hasPrefix("-- format: heliosdb-nano sql v") }
        var dump = NanoDump(format: format == nil ? .v1 : .v2)
        if let format, !format.lowercased().hasPrefix("-- format: heliosdb-nano sql v2") {
            dump.warnings.append("\(format.dropFirst(3)) is newer than this importer knows: read as v2")
        }
        for (n, piece) in pieces.statements.enumerated() {
            if let rewritten = dump.rewrite(piece.tokens, line: piece.line) {
                dump.statements.append(Statement(text: rewritten, line: piece.line, number: n + 1))
            }
        }
        if pieces.comments.contains(where: { $0.contains("Row data would go here") }) {
            dump.warnings.append("the dump holds no row data: Nano's v1 REPL \\dump wrote a comment in place of each table's rows")
        }
        guard !dump.statements.isEmpty || !pieces.statements.isEmpty else {
            throw EngineError(SQLState.invalidTextRepresentation, "not a HeliosDB Nano SQL dump: it holds no SQL statement")
        }
        return dump
    }
}

/// One lexical token of a dump statement.
struct DumpToken: Equatable {
    enum Kind: Equatable {
        case word          // keyword, bare identifier or number
        case identifier    // "quoted" (text is the name, quotes removed)
        case string        // '…' or E'…' (text is the decoded value)
        case dollarString  // $tag$…$tag$ (text is the whole token as written)
        case symbol        // punctuation; "::" is one token
        case space
    }

    var kind: Kind
    var text: String

    /// The token as SQL text again (strings re-quoted in standard form).
    var sql: String {
        switch kind {
        case .identifier: "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        case .string: DumpToken.quoted(text)
        default: text
        }
    }

    static func quoted(_ value: String) -> String { "'" + value.replacingOccurrences(of: "'", with: "''") + "'" }

    func isWord(_ w: String) -> Bool { kind == .word && text.caseInsensitiveCompare(w) == .orderedSame }
}

/// Splits dump text into statements of tokens.
enum DumpScanner {
    struct Piece {
        var tokens: [DumpToken]
        var line: Int
    }

    static func statements(_ bytes: [UInt8]) throws(EngineError) -> (statements: [Piece], comments: [String]) {
        var statements: [Piece] = []
        var comments: [String] = []
        var tokens: [DumpToken] = []
        var line = 1, statementLine = 1
        var i = 0
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        func finish() {
            if tokens.contains(where: { $0.kind != .space }) { statements.append(Piece(tokens: tokens, line: statementLine)) }
            tokens = []
        }
        while i < bytes.count {
            let c = bytes[i]
            if tokens.allSatisfy({ $0.kind == .space }) { statementLine = line }
            switch c {
            case UInt8(ascii: "\n"):
                line += 1
                tokens.append(DumpToken(kind: .space, text: "\n"))
                i += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                tokens.append(DumpToken(kind: .space, text: " "))
                i += 1
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                var end = i
                while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                comments.append(text(i..<end))
                i = end
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                var end = i + 2
                while end + 1 < bytes.count && !(bytes[end] == UInt8(ascii: "*") && bytes[end + 1] == UInt8(ascii: "/")) {
                    if bytes[end] == UInt8(ascii: "\n") { line += 1 }
                    end += 1
                }
                guard end + 1 < bytes.count else { throw unterminated("comment", line) }
                tokens.append(DumpToken(kind: .space, text: " "))
                i = end + 2
            case UInt8(ascii: ";"):
                finish()
                i += 1
            case UInt8(ascii: "'"):
                let (value, next) = try quoted(bytes, from: i, escapes: false, line: &line)
                tokens.append(DumpToken(kind: .string, text: value))
                i = next
            case _ where (c == UInt8(ascii: "E") || c == UInt8(ascii: "e")) && i + 1 < bytes.count
                && bytes[i + 1] == UInt8(ascii: "'"):
                let (value, next) = try quoted(bytes, from: i + 1, escapes: true, line: &line)
                tokens.append(DumpToken(kind: .string, text: value))
                i = next
            case UInt8(ascii: "\""):
                var value: [UInt8] = []
                var j = i + 1
                while true {
                    guard j < bytes.count else { throw unterminated("quoted identifier", line) }
                    if bytes[j] == UInt8(ascii: "\"") {
                        if j + 1 < bytes.count && bytes[j + 1] == UInt8(ascii: "\"") { value.append(bytes[j]); j += 2; continue }
                        break
                    }
                    if bytes[j] == UInt8(ascii: "\n") { line += 1 }
                    value.append(bytes[j])
                    j += 1
                }
                tokens.append(DumpToken(kind: .identifier, text: String(decoding: value, as: UTF8.self)))
                i = j + 1
            case UInt8(ascii: "$"):
                let (token, next) = try dollarQuoted(bytes, from: i, line: &line)
                tokens.append(token)
                i = next
            case UInt8(ascii: ":") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: ":"):
                tokens.append(DumpToken(kind: .symbol, text: "::"))
                i += 2
            default:
                if isWordByte(c) {
                    var end = i
                    while end < bytes.count && isWordByte(bytes[end]) { end += 1 }
                    tokens.append(DumpToken(kind: .word, text: text(i..<end)))
                    i = end
                } else {
                    // One character (a multi-byte one whole).
                    var end = i + 1
                    while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
                    tokens.append(DumpToken(kind: .symbol, text: text(i..<end)))
                    i = end
                }
            }
        }
        finish()
        return (statements, comments)
    }

    private static func isWordByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
    }

    private static func unterminated(_ what: String, _ line: Int) -> EngineError {
        EngineError(SQLState.syntaxError, "unterminated \(what) starting on line \(line) of the dump")
    }

    /// A quoted string from the quote at `start`: `''` is a quote; with
    /// `escapes` (E'…'), also backslash escapes (\n \r \t \b \f \\ \' and
    /// octal / \x hex bytes, as PostgreSQL reads them).
    private static func quoted(_ bytes: [UInt8], from start: Int, escapes: Bool,
                               line: inout Int) throws(EngineError) -> (String, Int) {
        let startLine = line
        var value: [UInt8] = []
        var j = start + 1
        while true {
            guard j < bytes.count else { throw unterminated("string", startLine) }
            let c = bytes[j]
            if c == UInt8(ascii: "'") {
                if j + 1 < bytes.count && bytes[j + 1] == UInt8(ascii: "'") { value.append(c); j += 2; continue }
                return (String(decoding: value, as: UTF8.self), j + 1)
            }
            if c == UInt8(ascii: "\n") { line += 1 }
            if escapes && c == UInt8(ascii: "\\") && j + 1 < bytes.count {
                let e = bytes[j + 1]
                j += 2
                switch e {
                case UInt8(ascii: "n"): value.append(10)
                case UInt8(ascii: "r"): value.append(13)
                case UInt8(ascii: "t"): value.append(9)
                case UInt8(ascii: "b"): value.append(8)
                case UInt8(ascii: "f"): value.append(12)
                case UInt8(ascii: "x"):
                    var n = 0, digits = 0
                    while digits < 2, j < bytes.count, let d = hexValue(bytes[j]) { n = n * 16 + d; j += 1; digits += 1 }
                    value.append(UInt8(n))
                case UInt8(ascii: "0")...UInt8(ascii: "7"):
                    var n = Int(e - UInt8(ascii: "0")), digits = 1
                    while digits < 3, j < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[j]) {
                        n = n * 8 + Int(bytes[j] - UInt8(ascii: "0")); j += 1; digits += 1
                    }
                    value.append(UInt8(truncatingIfNeeded: n))
                default: value.append(e)
                }
                continue
            }
            value.append(c)
            j += 1
        }
    }

    private static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(c - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(c - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    /// `$tag$…$tag$` (kept as written), or a lone `$` (a parameter sign).
    private static func dollarQuoted(_ bytes: [UInt8], from start: Int, line: inout Int) throws(EngineError) -> (DumpToken, Int) {
        var tagEnd = start + 1
        while tagEnd < bytes.count && (isWordByte(bytes[tagEnd]) && bytes[tagEnd] != UInt8(ascii: ".")) { tagEnd += 1 }
        guard tagEnd < bytes.count, bytes[tagEnd] == UInt8(ascii: "$"),
              !(start + 1 < tagEnd && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[start + 1])) else {
            return (DumpToken(kind: .symbol, text: "$"), start + 1)
        }
        let tag = Array(bytes[start...tagEnd])
        var j = tagEnd + 1
        let startLine = line
        while j + tag.count <= bytes.count {
            if bytes[j] == UInt8(ascii: "$") && Array(bytes[j..<j + tag.count]) == tag {
                return (DumpToken(kind: .dollarString, text: String(decoding: bytes[start..<j + tag.count], as: UTF8.self)),
                        j + tag.count)
            }
            if bytes[j] == UInt8(ascii: "\n") { line += 1 }
            j += 1
        }
        throw unterminated("dollar-quoted string", startLine)
    }
}

import Core

/// The rewrites of `NanoDump`: what Nano writes and Helios runs differently.
extension NanoDump {
    /// The statement as Helios runs it, or nil to leave it out.
    mutating func rewrite(_ tokens: [DumpToken], line: Int) -> String? {
        let words = tokens.filter { $0.kind != .space }
        guard let first = words.first else { return nil }
        // The import is one transaction of its own.
        if ["BEGIN", "COMMIT", "END", "START"].contains(where: first.isWord) && words.count <= 3 { return nil }
        if first.isWord("SET") {
            warnings.append("line \(line): \(Self.summary(tokens)) left out (session settings do not carry over)")
            return nil
        }
        var out = tokens
        if first.isWord("ALTER") && words.contains(where: { $0.isWord("FOREIGN") }) {
            guard rewriteForeignKey(&out, line: line) else { return nil }
        }
        if format == .v1 { rewriteOptionalLengths(&out) }
        if first.isWord("CREATE"), let table = words.dropFirst().first, table.isWord("TABLE") {
            rewriteColumnTypes(&out, line: line)
        }
        rewriteCasts(&out)
        if format == .v1 && first.isWord("INSERT") { rewriteDebugValues(&out) }
        if first.isWord("INSERT") { rewriteEmptyVectors(&out, line: line) }
        return out.map(\.sql).joined()
    }

    private static func summary(_ tokens: [DumpToken]) -> String {
        let text = String(tokens.map { $0.kind == .space ? " " : $0.sql }.joined().split(separator: " ").joined(separator: " "))
        return text.count > 120 ? String(text.prefix(117)) + "..." : text
    }

    /// `ALTER TABLE … FOREIGN KEY`: Helios checks a foreign key at once,
    /// so `DEFERRABLE` and `INITIALLY …` go (the rows are all in by then);
    /// a key Nano did not enforce (`NOT ENFORCED`) is left out, as the rows
    /// need not satisfy it. Returns whether the statement stays.
    private mutating func rewriteForeignKey(_ tokens: inout [DumpToken], line: Int) -> Bool {
        let s = Self.solid(tokens)
        if zip(s, s.dropFirst()).contains(where: { tokens[$0].isWord("NOT") && tokens[$1].isWord("ENFORCED") }) {
            warnings.append("line \(line): foreign key left out (NOT ENFORCED in the dump): \(Self.summary(tokens))")
            return false
        }
        var removed = false
        for (n, i) in s.enumerated() {
            let word = tokens[i]
            if word.isWord("DEFERRABLE") {
                // NOT DEFERRABLE is what Helios does anyway.
                let negated = n > 0 && tokens[s[n - 1]].isWord("NOT")
                if negated { tokens[s[n - 1]] = Self.erased } else { removed = true }
                tokens[i] = Self.erased
            } else if word.isWord("INITIALLY"), n + 1 < s.count {
                if tokens[s[n + 1]].isWord("DEFERRED") { removed = true }
                tokens[i] = Self.erased
                tokens[s[n + 1]] = Self.erased
            }
        }
        if removed {
            warnings.append("line \(line): foreign key checked at once, not deferred: \(Self.summary(tokens))")
        }
        return true
    }

    /// Indices of the tokens that are not spaces.
    private static func solid(_ tokens: [DumpToken]) -> [Int] { tokens.indices.filter { tokens[$0].kind != .space } }

    /// What a removed token becomes (nothing, when the tokens are joined).
    private static let erased = DumpToken(kind: .space, text: "")

    /// Where scanning goes on after `s[at]`: past a parenthesized part
    /// (`(n)`, `(p, s)`) that starts there, or `at` itself if none does;
    /// nil when the parenthesis is never closed.
    private static func skipParenthesized(_ tokens: [DumpToken], _ s: [Int], at: Int) -> Int? {
        guard at < s.count && tokens[s[at]].text == "(" else { return at }
        return s[at...].firstIndex(where: { tokens[$0].text == ")" }).map { $0 + 1 }
    }

    /// A possibly qualified name at `s[at]` (`"s"."t"` names `t`), and the index after it.
    private static func qualifiedName(_ tokens: [DumpToken], _ s: [Int], at: Int) -> (name: String, next: Int) {
        var k = at
        var name = tokens[s[k]].text
        while k + 2 < s.count && tokens[s[k + 1]].text == "." { k += 2; name = tokens[s[k]].text }
        return (name, k + 1)
    }

    /// Records an array column (element type `element`), turned into JSONB.
    private mutating func importArray(_ table: String, _ column: String, element: String, line: Int) {
        columnTypes[table, default: []].append((column, "ARRAY"))
        warnings.append("line \(line): column \(table).\(column) \(element)[] imported as JSONB (Helios has no array types)")
    }

    /// CREATE TABLE: array columns become JSONB and TIME columns TEXT.
    private mutating func rewriteColumnTypes(_ tokens: inout [DumpToken], line: Int) {
        let s = Self.solid(tokens)
        // The table name: after TABLE [IF NOT EXISTS], then "(" opens the columns.
        var k = 2
        if k + 2 < s.count && tokens[s[k]].isWord("IF") { k += 3 }
        guard k < s.count else { return }
        let (table, afterName) = Self.qualifiedName(tokens, s, at: k)
        guard afterName < s.count, tokens[s[afterName]].text == "(" else { return }
        var depth = 0
        var atColumnStart = true
        var column: String?
        var position = afterName
        while position < s.count {
            let token = tokens[s[position]]
            if token.text == "(" { depth += 1 } else if token.text == ")" { depth -= 1; if depth == 0 { break } }
            if depth == 1 && token.text == "," { atColumnStart = true; column = nil; position += 1; continue }
            if depth == 1 && token.text == "(" { position += 1; continue }
            if depth == 1 && atColumnStart {
                atColumnStart = false
                let constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE"].contains(where: token.isWord)
                column = constraint ? nil : token.text
                position += 1
                // The type follows the column name.
                if let column, position < s.count { position = rewriteType(&tokens, s, at: position, table: table, column: column, line: line) }
                continue
            }
            position += 1
        }
    }

    /// The column type at `s[at]`; returns where scanning goes on.
    private mutating func rewriteType(_ tokens: inout [DumpToken], _ s: [Int], at: Int, table: String, column: String,
                                      line: Int) -> Int {
        guard tokens[s[at]].kind == .word else { return at }
        var typeName = tokens[s[at]].text.uppercased()
        // v1 REPL types: Array(Text) is an array of text.
        if typeName == "ARRAY", at + 3 < s.count, tokens[s[at + 1]].text == "(", tokens[s[at + 3]].text == ")" {
            importArray(table, column, element: tokens[s[at + 2]].text.uppercased(), line: line)
            tokens[s[at]] = DumpToken(kind: .word, text: "JSONB")
            for i in s[(at + 1)...(at + 3)] { tokens[i] = Self.erased }
            return at + 4
        }
        if typeName == "DOUBLE", at + 1 < s.count, tokens[s[at + 1]].isWord("PRECISION") { typeName = "FLOAT8" }
        // (n) or (p, s) after the name
        guard let end = Self.skipParenthesized(tokens, s, at: at + 1) else { return s.count }
        if end + 1 < s.count && tokens[s[end]].text == "[" && tokens[s[end + 1]].text == "]" {
            importArray(table, column, element: typeName, line: line)
            tokens[s[at]] = DumpToken(kind: .word, text: "JSONB")
            for i in s[(at + 1)...(end + 1)] { tokens[i] = Self.erased }
            return end + 2
        }
        columnTypes[table, default: []].append((column, typeName))
        if typeName == "TIME" || typeName == "TIMETZ" {
            warnings.append("line \(line): column \(table).\(column) \(typeName) imported as TEXT (Helios has no time-of-day type)")
            tokens[s[at]] = DumpToken(kind: .word, text: "TEXT")
            for i in s[(at + 1)..<end] { tokens[i] = Self.erased }
            // TIME [(p)] WITH[OUT] TIME ZONE: the rest goes too.
            if end + 2 < s.count, tokens[s[end]].isWord("WITH") || tokens[s[end]].isWord("WITHOUT"), tokens[s[end + 2]].isWord("ZONE") {
                for i in s[end...(end + 2)] { tokens[i] = Self.erased }
                return end + 3
            }
        }
        if typeName == "NUMERIC" || typeName == "DECIMAL" {
            warnings.append("line \(line): column \(table).\(column) \(typeName) is stored as double precision (about 15 significant digits)")
        }
        return end
    }

    /// `'{…}'::T[]` becomes a JSON array cast to jsonb; `::time` becomes `::text`.
    private func rewriteCasts(_ tokens: inout [DumpToken]) {
        let s = Self.solid(tokens)
        for (n, i) in s.enumerated() where tokens[i].kind == .symbol && tokens[i].text == "::" && n + 1 < s.count {
            let type = tokens[s[n + 1]]
            guard type.kind == .word, let end = Self.skipParenthesized(tokens, s, at: n + 2) else { continue }
            if end + 1 < s.count && tokens[s[end]].text == "[" && tokens[s[end + 1]].text == "]" {
                if n > 0, tokens[s[n - 1]].kind == .string, let json = PostgresArrayText.json(tokens[s[n - 1]].text, elementType: type.text) {
                    tokens[s[n - 1]].text = json
                }
                tokens[s[n + 1]] = DumpToken(kind: .word, text: "jsonb")
                for k in s[(n + 2)...(end + 1)] { tokens[k] = Self.erased }
            } else if type.isWord("time") || type.isWord("timetz") {
                tokens[s[n + 1]] = DumpToken(kind: .word, text: "text")
            }
        }
    }

    /// v1 REPL types: `Varchar(Some(50))` → `Varchar(50)`, `Varchar(None)` → `Varchar`.
    private func rewriteOptionalLengths(_ tokens: inout [DumpToken]) {
        let s = Self.solid(tokens)
        var n = 0
        while n + 2 < s.count {
            if tokens[s[n]].text == "(" && tokens[s[n + 1]].isWord("None") && tokens[s[n + 2]].text == ")" {
                for k in s[n...(n + 2)] { tokens[k] = Self.erased }
                n += 3
            } else if n + 4 < s.count && tokens[s[n]].isWord("Some") && tokens[s[n + 1]].text == "("
                        && tokens[s[n + 3]].text == ")" {
                tokens[s[n]] = Self.erased
                tokens[s[n + 1]] = Self.erased
                tokens[s[n + 3]] = Self.erased
                n += 4
            } else {
                n += 1
            }
        }
    }

    /// The column each value token of an INSERT fills: token index → the
    /// column's declared type (from the dump's CREATE TABLE), for values
    /// standing alone in their tuple slot.
    private func insertSlots(_ tokens: [DumpToken]) -> [Int: String] {
        let s = Self.solid(tokens)
        guard s.count > 3, tokens[s[1]].isWord("INTO") else { return [:] }
        let (table, afterName) = Self.qualifiedName(tokens, s, at: 2)
        var k = afterName
        guard let declared = columnTypes[table] else { return [:] }
        var names = declared.map(\.name)
        if k < s.count && tokens[s[k]].text == "(" {
            names = []
            k += 1
            while k < s.count && tokens[s[k]].text != ")" {
                if tokens[s[k]].text != "," { names.append(tokens[s[k]].text) }
                k += 1
            }
            k += 1
        }
        guard k < s.count, tokens[s[k]].isWord("VALUES") else { return [:] }
        let typeOf = Dictionary(declared.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        var slots: [Int: String] = [:]
        var depth = 0, column = 0, tokensInSlot: [Int] = []
        func close() {
            if tokensInSlot.count == 1, column < names.count, let type = typeOf[names[column]] { slots[tokensInSlot[0]] = type }
            tokensInSlot = []
        }
        for i in s[(k + 1)...] {
            let text = tokens[i].kind == .symbol ? tokens[i].text : ""
            if text == "(" {
                depth += 1
                if depth == 1 { column = 0; tokensInSlot = []; continue }
            } else if text == ")" {
                depth -= 1
                if depth == 0 { close(); continue }
            } else if text == "," && depth == 1 {
                close()
                column += 1
                continue
            }
            if depth >= 1 { tokensInSlot.append(i) }
        }
        return slots
    }

    /// v1 values: Rust debug text in quotes, converted where the column's
    /// type is the one the text names (a TEXT value that happens to read
    /// `Date(…)` stays as it is); bare NaN / inf anywhere.
    private func rewriteDebugValues(_ tokens: inout [DumpToken]) {
        let slots = insertSlots(tokens)
        for i in tokens.indices {
            switch tokens[i].kind {
            case .string:
                if let type = slots[i], let literal = RustDebugValue.literal(tokens[i].text, columnType: type) {
                    tokens[i] = DumpToken(kind: .word, text: literal)
                }
            case .word where ["NaN", "inf", "infinity"].contains(where: tokens[i].isWord):
                let before = tokens[..<i].lastIndex { $0.kind != .space }
                let negative = before.map { tokens[$0].text == "-" } ?? false
                if negative, let minus = before { tokens[minus] = Self.erased }
                let name = tokens[i].isWord("NaN") ? "NaN" : negative ? "-Infinity" : "Infinity"
                tokens[i] = DumpToken(kind: .word, text: "'\(name)'::float8")
            default:
                continue
            }
        }
    }

    /// `'[]'::vector(n)`: Nano stored empty vectors in sized columns;
    /// Helios checks the dimension, so they become NULL (with a warning).
    private mutating func rewriteEmptyVectors(_ tokens: inout [DumpToken], line: Int) {
        let s = Self.solid(tokens)
        var count = 0
        for (n, i) in s.enumerated() where tokens[i].kind == .string && tokens[i].text.filter({ !$0.isWhitespace }) == "[]"
            && n + 2 < s.count && tokens[s[n + 1]].text == "::" && tokens[s[n + 2]].isWord("vector") {
            guard let end = Self.skipParenthesized(tokens, s, at: n + 3) else { continue }
            tokens[i] = DumpToken(kind: .word, text: "NULL")
            for k in s[(n + 1)..<end] { tokens[k] = Self.erased }
            count += 1
        }
        if count > 0 { warnings.append("line \(line): \(count) empty vector(s) imported as NULL (a VECTOR(n) column holds n dimensions)") }
    }
}

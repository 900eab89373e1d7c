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
        if format == .v1 { rewriteDebugValues(&out) }
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
            var span = 0
            if word.isWord("DEFERRABLE") {
                span = n > 0 && tokens[s[n - 1]].isWord("NOT") ? -1 : 1
            } else if word.isWord("INITIALLY"), n + 1 < s.count {
                span = 2
            }
            if span == -1 {
                tokens[s[n - 1]] = DumpToken(kind: .space, text: "")
                tokens[i] = DumpToken(kind: .space, text: "")
            } else if span > 0 {
                for k in s[n..<(n + span)] { tokens[k] = DumpToken(kind: .space, text: "") }
                removed = true
            }
        }
        if removed {
            warnings.append("line \(line): foreign key checked at once, not deferred: \(Self.summary(tokens))")
        }
        return true
    }

    /// Indices of the tokens that are not spaces.
    private static func solid(_ tokens: [DumpToken]) -> [Int] { tokens.indices.filter { tokens[$0].kind != .space } }

    /// CREATE TABLE: array columns become JSONB and TIME columns TEXT.
    private mutating func rewriteColumnTypes(_ tokens: inout [DumpToken], line: Int) {
        let s = Self.solid(tokens)
        // The table name: after TABLE [IF NOT EXISTS], then "(" opens the columns.
        var k = 2
        if k + 2 < s.count && tokens[s[k]].isWord("IF") { k += 3 }
        guard k < s.count else { return }
        var table = tokens[s[k]].text
        while k + 2 < s.count && tokens[s[k + 1]].text == "." { k += 2; table = tokens[s[k]].text }
        guard k + 1 < s.count, tokens[s[k + 1]].text == "(" else { return }
        var depth = 0
        var atColumnStart = true
        var column: String?
        var position = k + 1
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
        let typeName = tokens[s[at]].text.uppercased()
        var end = at + 1
        // (n) or (p, s) after the name
        if end < s.count && tokens[s[end]].text == "(" {
            while end < s.count && tokens[s[end]].text != ")" { end += 1 }
            end += 1
        }
        if end + 1 < s.count && tokens[s[end]].text == "[" && tokens[s[end + 1]].text == "]" {
            arrayColumns[table, default: [:]][column] = typeName
            warnings.append("line \(line): column \(table).\(column) \(typeName)[] imported as JSONB (Helios has no array types)")
            tokens[s[at]] = DumpToken(kind: .word, text: "JSONB")
            for i in s[(at + 1)...(end + 1)] { tokens[i] = DumpToken(kind: .space, text: "") }
            return end + 2
        }
        if typeName == "TIME" || typeName == "TIMETZ" {
            warnings.append("line \(line): column \(table).\(column) \(typeName) imported as TEXT (Helios has no time-of-day type)")
            tokens[s[at]] = DumpToken(kind: .word, text: "TEXT")
            // TIME WITH[OUT] TIME ZONE: the rest goes too.
            if end + 2 < s.count, tokens[s[end]].isWord("WITH") || tokens[s[end]].isWord("WITHOUT"), tokens[s[end + 2]].isWord("ZONE") {
                for i in s[end...(end + 2)] { tokens[i] = DumpToken(kind: .space, text: "") }
                return end + 3
            }
            for i in s[(at + 1)..<end] { tokens[i] = DumpToken(kind: .space, text: "") }
        }
        return end
    }

    /// `'{…}'::T[]` becomes a JSON array cast to jsonb; `::time` becomes `::text`.
    private func rewriteCasts(_ tokens: inout [DumpToken]) {
        let s = Self.solid(tokens)
        for (n, i) in s.enumerated() where tokens[i].kind == .symbol && tokens[i].text == "::" && n + 1 < s.count {
            let type = tokens[s[n + 1]]
            guard type.kind == .word else { continue }
            var end = n + 2
            if end < s.count && tokens[s[end]].text == "(" {
                while end < s.count && tokens[s[end]].text != ")" { end += 1 }
                end += 1
            }
            if end + 1 < s.count && tokens[s[end]].text == "[" && tokens[s[end + 1]].text == "]" {
                if n > 0, tokens[s[n - 1]].kind == .string, let json = PostgresArrayText.json(tokens[s[n - 1]].text, elementType: type.text) {
                    tokens[s[n - 1]].text = json
                }
                tokens[s[n + 1]] = DumpToken(kind: .word, text: "jsonb")
                for k in s[(n + 2)...(end + 1)] { tokens[k] = DumpToken(kind: .space, text: "") }
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
                for k in s[n...(n + 2)] { tokens[k] = DumpToken(kind: .space, text: "") }
                n += 3
            } else if n + 4 < s.count && tokens[s[n]].isWord("Some") && tokens[s[n + 1]].text == "("
                        && tokens[s[n + 3]].text == ")" {
                tokens[s[n]] = DumpToken(kind: .space, text: "")
                tokens[s[n + 1]] = DumpToken(kind: .space, text: "")
                tokens[s[n + 3]] = DumpToken(kind: .space, text: "")
                n += 4
            } else {
                n += 1
            }
        }
    }

    /// v1 values: Rust debug text in quotes, and bare NaN / inf.
    private func rewriteDebugValues(_ tokens: inout [DumpToken]) {
        for i in tokens.indices {
            switch tokens[i].kind {
            case .string:
                if let literal = RustDebugValue.literal(tokens[i].text) { tokens[i] = DumpToken(kind: .word, text: literal) }
            case .word where ["NaN", "inf", "infinity"].contains(where: tokens[i].isWord):
                let negative = (tokens[..<i].last { $0.kind != .space })?.text == "-"
                if negative, let minus = tokens[..<i].lastIndex(where: { $0.kind != .space }) {
                    tokens[minus] = DumpToken(kind: .space, text: "")
                }
                let name = tokens[i].isWord("NaN") ? "NaN" : negative ? "-Infinity" : "Infinity"
                tokens[i] = DumpToken(kind: .word, text: "'\(name)'::float8")
            default:
                continue
            }
        }
    }
}

import Core

/// PostgreSQL's array text (`{"a,b",NULL,3}`, nested `{{1,2},{3,4}}`) as a
/// JSON array: numbers for numeric element types, booleans for BOOLEAN,
/// strings otherwise, null for NULL.
enum PostgresArrayText {
    static func json(_ text: String, elementType: String) -> String? {
        var reader = Reader(bytes: Array(text.utf8), type: elementType.uppercased())
        guard let value = reader.array(), reader.atEnd else { return nil }
        return value
    }

    private struct Reader {
        let bytes: [UInt8]
        let type: String
        var i = 0

        var atEnd: Bool { bytes[i...].allSatisfy { $0 == 32 || $0 == 9 || $0 == 10 } }

        mutating func array() -> String? {
            skip()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return nil }
            i += 1
            var items: [String] = []
            skip()
            if i < bytes.count && bytes[i] == UInt8(ascii: "}") { i += 1; return "[]" }
            while i < bytes.count {
                skip()
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: "{") {
                    guard let nested = array() else { return nil }
                    items.append(nested)
                } else if bytes[i] == UInt8(ascii: "\"") {
                    guard let text = quoted() else { return nil }
                    items.append(element(text, quoted: true))
                } else {
                    let start = i
                    while i < bytes.count && bytes[i] != UInt8(ascii: ",") && bytes[i] != UInt8(ascii: "}") { i += 1 }
                    let text = String(decoding: bytes[start..<i], as: UTF8.self).trimmingSpaces
                    items.append(text.uppercased() == "NULL" ? "null" : element(text, quoted: false))
                }
                skip()
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return "[" + items.joined(separator: ",") + "]" }
                return nil
            }
            return nil
        }

        mutating func skip() { while i < bytes.count && (bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10) { i += 1 } }

        mutating func quoted() -> String? {
            var value: [UInt8] = []
            i += 1
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\\") && i + 1 < bytes.count { value.append(bytes[i + 1]); i += 2; continue }
                if c == UInt8(ascii: "\"") { i += 1; return String(decoding: value, as: UTF8.self) }
                value.append(c)
                i += 1
            }
            return nil
        }

        func element(_ text: String, quoted: Bool) -> String {
            switch type {
            case "INT2", "INT4", "INT8", "INT", "INTEGER", "BIGINT", "SMALLINT", "FLOAT4", "FLOAT8", "REAL", "NUMERIC",
                 "DECIMAL", "DOUBLE":
                if let d = Double(text), d.isFinite, !text.isEmpty { return text.hasPrefix(".") ? "0" + text : text }
            case "BOOLEAN", "BOOL":
                switch text.lowercased() {
                case "t", "true": return "true"
                case "f", "false": return "false"
                default: break
                }
            default:
                break
            }
            return JSONText.string(text)
        }
    }
}

/// The values Nano's v1 dumps wrote as Rust debug text inside quotes
/// (`'Json("{\"a\":1}")'`, `'Numeric("3.14")'`, `'Uuid(…)'`, `'Date(…)'`,
/// `'Bytes([0, 171])'`, `'Vector([1.0, 2.0])'`, `'Array([Int4(1), …])'`,
/// and timestamps as `'2024-01-01 00:00:00 UTC'`), as SQL literals.
enum RustDebugValue {
    /// The SQL literal for `text` in a column of `columnType` (the dump's
    /// declared type, upper-cased; "ARRAY" for arrays), when `text` is the
    /// debug form of a value of that type; nil otherwise.
    static func literal(_ text: String, columnType: String) -> String? {
        let type = columnType
        if text.hasSuffix(" UTC"), type.hasPrefix("TIMESTAMP"), text.count >= 23, text.first?.isNumber == true {
            return DumpToken.quoted(String(text.dropLast(4)) + "+00")
        }
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else { return nil }
        let kind = String(text[..<open])
        let inner = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        switch (kind, type) {
        case ("Json", "JSON"), ("Json", "JSONB"), ("Jsonb", "JSON"), ("Jsonb", "JSONB"):
            return rustString(inner).map(DumpToken.quoted)
        case ("Numeric", "NUMERIC"), ("Numeric", "DECIMAL"):
            return rustString(inner).map(DumpToken.quoted)
        case ("Uuid", "UUID"), ("Date", "DATE"), ("Time", "TIME"), ("Time", "TIMETZ"), ("Vector", "VECTOR"):
            return DumpToken.quoted(inner)
        case ("Timestamp", _) where type.hasPrefix("TIMESTAMP"):
            return DumpToken.quoted(inner.hasSuffix(" UTC") ? String(inner.dropLast(4)) + "+00" : inner)
        case ("Interval", "INTERVAL"):
            return Int64(inner).map { DumpToken.quoted("\($0) microseconds") }
        case ("Bytes", "BYTEA"):
            let digits = inner.trimming("[]").split(separator: ",").compactMap { UInt8(String($0).trimmingSpaces) }
            return DumpToken.quoted("\\x" + digits.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())
        case ("Array", "ARRAY"):
            let items = splitTopLevel(inner.trimming("[]")).map(arrayItem)
            return DumpToken.quoted("[" + items.joined(separator: ",") + "]")
        default:
            return nil
        }
    }

    /// A Rust debug string `"…"` (escapes \" \\ \n \r \t \u{…}), unquoted.
    static func rustString(_ text: String) -> String? {
        let chars = Array(text.trimmingSpaces)
        guard chars.count >= 2, chars.first == "\"", chars.last == "\"" else { return nil }
        var out = ""
        var i = 1
        while i < chars.count - 1 {
            let c = chars[i]
            guard c == "\\", i + 1 < chars.count - 1 else { out.append(c); i += 1; continue }
            let e = chars[i + 1]
            i += 2
            switch e {
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "0": out.append("\0")
            case "u":
                guard i < chars.count, chars[i] == "{", let close = chars[i...].firstIndex(of: "}"),
                      let code = UInt32(String(chars[(i + 1)..<close]), radix: 16), let scalar = Unicode.Scalar(code) else { return nil }
                out.unicodeScalars.append(scalar)
                i = close + 1
            default: out.append(e)
            }
        }
        return out
    }

    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0, inString = false, escaped = false
        for c in text {
            if inString {
                current.append(c)
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                continue
            }
            switch c {
            case "\"": inString = true; current.append(c)
            case "(", "[": depth += 1; current.append(c)
            case ")", "]": depth -= 1; current.append(c)
            case "," where depth == 0: parts.append(current.trimmingSpaces); current = ""
            default: current.append(c)
            }
        }
        if !current.trimmingSpaces.isEmpty { parts.append(current.trimmingSpaces) }
        return parts
    }

    /// `Int4(1)` → 1, `Text("a")` → "a", `Boolean(true)` → true, `Null` → null.
    private static func arrayItem(_ item: String) -> String {
        guard let open = item.firstIndex(of: "("), item.hasSuffix(")") else { return item == "Null" ? "null" : JSONText.string(item) }
        let kind = item[..<open]
        let inner = String(item[item.index(after: open)..<item.index(before: item.endIndex)])
        if kind.hasPrefix("Int") || kind.hasPrefix("Float"), let d = Double(inner), d.isFinite { return inner }
        if kind == "Boolean" || kind == "Bool" { return inner == "true" ? "true" : "false" }
        return JSONText.string(rustString(inner) ?? inner)
    }
}

/// JSON string literals for the rewrites (PostgreSQL's escapes).
enum JSONText {
    static func string(_ s: String) -> String {
        var out = ""
        JSONDocument.writeString(s, to: &out)
        return out
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }

    fileprivate func trimming(_ set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

import Core
import JSON
import SQL

/// Writes statement results as the JSON shapes of DESIGN §2, straight into
/// bytes (no intermediate JSON tree).
enum ResultEncoding {
    static func value(_ value: Value, into writer: inout JSONWriter) {
        switch value {
        case .null: writer.null()
        case .boolean(let b): writer.bool(b)
        case .integer(let i): writer.integer(i)
        case .double(let d): writer.double(d)
        case .text(let s): writer.string(s)
        case .date, .timestamp, .interval, .uuid, .bytes: writer.string(value.description)
        case .json(let document):
            // Embedded JSON, not a string (jsonb text is valid JSON).
            self.document(document, into: &writer)
        case .jsonText(let text):
            for b in text.utf8 { writer.byte(b) }
        case .vector(let v) where v.allSatisfy(\.isFinite):
            // A JSON array of numbers: pgvector's text form is one, each
            // element in its shortest float4 digits (0.1, not 0.100000001…).
            var text = Value.formatVector(v)
            text.withUTF8 { for b in $0 { writer.byte(b) } }
        case .vector(let v):
            // Never stored (writes reject NaN and infinities); kept valid JSON anyway.
            writer.byte(UInt8(ascii: "["))
            for (i, x) in v.enumerated() {
                if i > 0 { writer.byte(UInt8(ascii: ",")) }
                writer.double(Double(x))
            }
            writer.byte(UInt8(ascii: "]"))
        }
    }

    /// A jsonb value as PostgreSQL prints it (`{"a": 1, "b": [1, 2]}`, the
    /// same text as `JSONDocument.description`), written straight into bytes.
    static func document(_ document: JSONDocument, into w: inout JSONWriter) {
        switch document {
        case .null: w.null()
        case .bool(let b): w.bool(b)
        case .number(let text): w.append(utf8: text)
        case .string(let s): w.string(s)
        case .array(let items):
            w.byte(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { w.raw(", ") }
                self.document(item, into: &w)
            }
            w.byte(UInt8(ascii: "]"))
        case .object(let members):
            w.byte(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { w.raw(", ") }
                w.string(member.key)
                w.raw(": ")
                self.document(member.value, into: &w)
            }
            w.byte(UInt8(ascii: "}"))
        }
    }

    static func rows(_ result: StatementResult, format: SQLRequestBody.RowFormat, into w: inout JSONWriter) {
        w.byte(UInt8(ascii: "["))
        for (r, row) in result.rows.enumerated() {
            if r > 0 { w.byte(UInt8(ascii: ",")) }
            w.byte(format == .arrays ? UInt8(ascii: "[") : UInt8(ascii: "{"))
            for (i, v) in row.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                if format == .objects {
                    w.string(result.columns[i])
                    w.byte(UInt8(ascii: ":"))
                }
                value(v, into: &w)
            }
            w.byte(format == .arrays ? UInt8(ascii: "]") : UInt8(ascii: "}"))
        }
        w.byte(UInt8(ascii: "]"))
    }

    static func columns(_ result: StatementResult, into w: inout JSONWriter) {
        w.raw("\"columns\":")
        strings(result.columns, into: &w)
        w.raw(",\"column_types\":")
        strings(result.columnTypes.map(\.description), into: &w)
    }

    static func strings(_ items: [String], into w: inout JSONWriter) {
        w.byte(UInt8(ascii: "["))
        for (i, s) in items.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.string(s)
        }
        w.byte(UInt8(ascii: "]"))
    }

    /// `{"results":[…],"execution_time_ms":…}` for /v1/sql.
    static func sqlResponse(_ results: [StatementResult], format: SQLRequestBody.RowFormat, milliseconds: Double) -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.raw("{\"results\":[")
        for (n, result) in results.enumerated() {
            if n > 0 { w.byte(UInt8(ascii: ",")) }
            w.raw("{\"statement_type\":")
            w.string(result.statementType)
            w.byte(UInt8(ascii: ","))
            columns(result, into: &w)
            w.raw(",\"rows\":")
            rows(result, format: format, into: &w)
            w.raw(",\"row_count\":")
            w.integer(Int64(result.rows.count))
            w.raw(",\"affected_rows\":")
            w.integer(Int64(result.affectedRows))
            w.byte(UInt8(ascii: "}"))
        }
        w.raw("],\"execution_time_ms\":")
        w.double(milliseconds)
        w.byte(UInt8(ascii: "}"))
        return w.bytes
    }

    /// Nano's query shape: `{columns, column_types, rows, row_count, execution_time_ms}`.
    static func queryResponse(_ result: StatementResult, milliseconds: Double) -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.byte(UInt8(ascii: "{"))
        columns(result, into: &w)
        w.raw(",\"rows\":")
        rows(result, format: .objects, into: &w)
        w.raw(",\"row_count\":")
        w.integer(Int64(result.rows.count))
        w.raw(",\"execution_time_ms\":")
        w.double(milliseconds)
        w.byte(UInt8(ascii: "}"))
        return w.bytes
    }

    /// Nano's execute shape: `{statement_type, affected_rows, execution_time_ms, message}`.
    static func executeResponse(_ results: [StatementResult], milliseconds: Double) -> [UInt8] {
        let last = results.last ?? StatementResult(statementType: "EMPTY")
        let affected = results.reduce(0) { $0 + $1.affectedRows }
        var w = JSONWriter(capacity: 128)
        w.raw("{\"statement_type\":")
        w.string(last.statementType)
        w.raw(",\"affected_rows\":")
        w.integer(Int64(affected))
        w.raw(",\"execution_time_ms\":")
        w.double(milliseconds)
        w.raw(",\"message\":")
        w.string(commandTag(last))
        w.byte(UInt8(ascii: "}"))
        return w.bytes
    }

    /// PostgreSQL's command completion tag: `INSERT 0 3`, `UPDATE 2`, `CREATE TABLE`.
    static func commandTag(_ result: StatementResult) -> String {
        switch result.statementType {
        case "INSERT": "INSERT 0 \(result.affectedRows)"
        case "UPDATE", "DELETE": "\(result.statementType) \(result.affectedRows)"
        case "SELECT": "SELECT \(result.rows.count)"
        default: result.statementType
        }
    }
}

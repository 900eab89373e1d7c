import Core
import JSON

/// A decoded `/v1/sql` (or branch query/execute) body.
struct SQLRequestBody {
    enum RowFormat { case objects, arrays }

    var sql: String
    var parameters: [Value] = []
    var branch: String?
    var timeoutMilliseconds: Int?
    var format: RowFormat = .objects
    var transactionID: String?
    var asOf: HistoryPoint?

    /// Parses and validates the body; every problem is a 400 naming the field.
    static func decode(_ body: [UInt8]) throws(ServiceError) -> SQLRequestBody {
        let json = try parseJSON(body)
        guard case .object = json else {
            throw ServiceError.badRequest("request body must be a JSON object, not \(json.typeName)")
        }
        guard let sqlField = json["sql"] else { throw ServiceError.badRequest("missing field \"sql\"") }
        guard let sql = sqlField.stringValue else {
            throw ServiceError.badRequest("field \"sql\" must be a string, not \(sqlField.typeName)")
        }
        var request = SQLRequestBody(sql: sql)
        if let params = json["params"], !params.isNull {
            guard let items = params.arrayValue else {
                throw ServiceError.badRequest("field \"params\" must be an array, not \(params.typeName)")
            }
            request.parameters = try items.enumerated().map { (i, item) throws(ServiceError) in
                try parameter(item, index: i + 1)
            }
        }
        if let branch = json["branch"], !branch.isNull {
            guard let name = branch.stringValue, !name.isEmpty else {
                throw ServiceError.badRequest("field \"branch\" must be a non-empty string")
            }
            request.branch = name
        }
        if let timeout = json["timeout_ms"], !timeout.isNull {
            guard let ms = timeout.intValue, ms >= 0, ms <= Int64(Int32.max) else {
                throw ServiceError.badRequest("field \"timeout_ms\" must be a non-negative integer")
            }
            request.timeoutMilliseconds = ms == 0 ? nil : Int(ms)
        }
        if let format = json["format"], !format.isNull {
            switch format.stringValue {
            case "arrays": request.format = .arrays
            case "objects": request.format = .objects
            default: throw ServiceError.badRequest("field \"format\" must be \"objects\" or \"arrays\"")
            }
        }
        request.asOf = try historyPoint(json["as_of"])
        if let transaction = json["transaction_id"], !transaction.isNull {
            guard let id = transaction.stringValue, !id.isEmpty else {
                throw ServiceError.badRequest("field \"transaction_id\" must be a non-empty string")
            }
            request.transactionID = id
        }
        return request
    }

    static func parseJSON(_ body: [UInt8]) throws(ServiceError) -> JSONValue {
        do {
            return try JSONValue.parse(body)
        } catch {
            throw ServiceError(status: 400, category: "InvalidJSON",
                               message: "malformed JSON: \(error.message) (line \(error.line), column \(error.column))",
                               code: "22P02",
                               details: .object([("line", .integer(Int64(error.line))),
                                                 ("column", .integer(Int64(error.column))),
                                                 ("offset", .integer(Int64(error.position)))]))
        }
    }

    /// Time travel arrives with a later issue; until then only "now" is served.
    /// `as_of`: `{"type": "now"|"scn"|"transaction"|"timestamp", "value": …}`.
    static func historyPoint(_ asOf: JSONValue?, field: String = "as_of") throws(ServiceError) -> HistoryPoint? {
        guard let asOf, !asOf.isNull else { return nil }
        guard case .object = asOf, let type = asOf["type"]?.stringValue else {
            throw ServiceError.badRequest("field \"\(field)\" must be an object {\"type\": \"now\"|\"scn\"|\"transaction\"|\"timestamp\", \"value\": …}")
        }
        let value = asOf["value"]
        func number() throws(ServiceError) -> UInt64 {
            if let n = value?.intValue, n >= 0 { return UInt64(n) }
            if let text = value?.stringValue, let n = UInt64(text) { return n }
            throw ServiceError.badRequest("\(field) \(type) needs a non-negative integer \"value\"")
        }
        switch type.lowercased() {
        case "now": return .now
        case "scn": return .scn(SCN(try number()))
        case "transaction": return .transaction(TransactionID(rawValue: try number()))
        case "timestamp":
            guard let text = value?.stringValue, let micros = DateTime.parseTimestamp(text) else {
                throw ServiceError.badRequest("\(field) timestamp needs a \"value\" like \"2025-01-15 10:30:00\" (optional .ffffff, T separator and zone)")
            }
            return .timestamp(micros: micros)
        default:
            throw ServiceError.badRequest("\(field) type must be one of now, scn, transaction, timestamp")
        }
    }

    /// A JSON parameter as a SQL value. Nano's typed form
    /// `{"type":"int8","value":…}` is converted by its type name; other
    /// arrays and objects are passed as their JSON text (so an array of
    /// numbers reads as a vector where a vector is expected). Typed
    /// `json`/`jsonb` take any JSON value (a string is read as JSON text),
    /// `uuid` a UUID string, `bytea` PostgreSQL's `\\x…` hex text, `vector`
    /// an array of numbers or pgvector's text form.
    static func parameter(_ json: JSONValue, index: Int) throws(ServiceError) -> Value {
        switch json {
        case .null: return .null
        case .bool(let b): return .boolean(b)
        case .integer(let i): return .integer(i)
        case .double(let d): return .double(d)
        case .string(let s): return .text(s)
        case .array: return .text(json.jsonText)
        case .object:
            guard let type = json["type"]?.stringValue, let value = json["value"] else { return .text(json.jsonText) }
            return try typed(type.lowercased(), value, index: index)
        }
    }

    private static func typed(_ type: String, _ value: JSONValue, index: Int) throws(ServiceError) -> Value {
        if value.isNull || type == "null" { return .null }
        let bad = ServiceError.badRequest("parameter $\(index): value \(value.jsonText) is not a valid \(type)")
        switch type {
        case "int2", "int4", "int8", "int", "integer", "bigint", "smallint":
            if let i = value.intValue { return .integer(i) }
            if let s = value.stringValue, let i = Int64(s) { return .integer(i) }
            throw bad
        case "float4", "float8", "real", "double", "double precision", "numeric", "decimal", "float":
            switch value {
            case .integer(let i): return .double(Double(i))
            case .double(let d): return .double(d)
            case .string(let s): if let d = Double(s) { return .double(d) }
            default: break
            }
            throw bad
        case "bool", "boolean":
            if let b = value.boolValue { return .boolean(b) }
            throw bad
        case "text", "varchar", "string", "char":
            return .text(value.stringValue ?? value.jsonText)
        case "json", "jsonb":
            // The value is the document itself; a string value is JSON text.
            let text = value.stringValue ?? value.jsonText
            guard let document = try? JSONDocument.parse(text) else { throw bad }
            return type == "json" ? .jsonText(text) : .json(document.normalized())
        case "uuid":
            guard let s = value.stringValue, let (high, low) = Value.parseUUID(s) else { throw bad }
            return .uuid(high, low)
        case "bytea":
            guard let s = value.stringValue, let bytes = Value.parseBytea(s) else { throw bad }
            return .bytes(bytes)
        case "vector":
            // Given as text: checked (dimension, elements) where it is used.
            if let s = value.stringValue { return .text(s) }
            guard let items = value.arrayValue else { throw bad }
            var elements: [Float] = []
            elements.reserveCapacity(items.count)
            for item in items {
                let element: Float
                switch item {
                case .integer(let i): element = Float(i)
                case .double(let d): element = Float(d)
                default: throw bad
                }
                // Past float4's range: refused here, as on a write (pgvector's
                // words), so no statement sees an infinite element.
                guard element.isFinite else {
                    throw ServiceError.badRequest("parameter $\(index): infinite value not allowed in vector (\(item.jsonText))", code: "22000")
                }
                elements.append(element)
            }
            return .vector(elements)
        default:
            return .text(value.stringValue ?? value.jsonText)
        }
    }
}

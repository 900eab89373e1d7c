import Core
import Engine
import JSON
import Vector

/// Decoding of the `/v1/vectors` bodies and query strings: every problem is
/// a 400 naming the field, found before anything is written.
enum VectorRequests {
    /// Where a request reads or writes: `branch` and `as_of` from the body
    /// (when it has them) or else from the query string.
    struct Target {
        var branch = "main"
        var asOf: HistoryPoint?
    }

    /// The request's target; `write` refuses `as_of` (SQLSTATE 25006, as /v1/sql does).
    static func target(_ request: HTTPRequest, body: JSONValue? = nil, write: Bool) throws(ServiceError) -> Target {
        var target = Target()
        if let b = body?["branch"], !b.isNull {
            guard let name = b.stringValue, !name.isEmpty else {
                throw ServiceError.badRequest("field \"branch\" must be a non-empty string, not \(b.jsonText)")
            }
            target.branch = name
            // Two different branches named: refuse rather than pick one (a write could land on the wrong one).
            if let other = request.query["branch"], other != name {
                throw ServiceError.badRequest("the body names branch \"\(name)\" and the query string branch \"\(other)\"")
            }
        } else if let name = request.query["branch"] {
            guard !name.isEmpty else { throw ServiceError.badRequest("query parameter \"branch\" must not be empty") }
            target.branch = name
        }
        if let a = body?["as_of"], !a.isNull {
            target.asOf = try historyPoint(a)
            // As with branch: two different points of history named is a question, not a choice.
            if let text = request.query["as_of"], try historyPoint(text, field: "query parameter \"as_of\"") != target.asOf {
                throw ServiceError.badRequest("the body's as_of \(a.jsonText) and the query string's as_of \"\(text)\" name different points")
            }
        } else if let text = request.query["as_of"] {
            target.asOf = try historyPoint(text, field: "query parameter \"as_of\"")
        }
        if write, target.asOf != nil {
            throw ServiceError.badRequest("as_of reads a past state: it cannot be used with a write", code: "25006")
        }
        return target
    }

    /// `as_of` in a body: the object form of /v1/sql, an SCN (integer) or the string forms below.
    static func historyPoint(_ json: JSONValue) throws(ServiceError) -> HistoryPoint {
        switch json {
        case .string(let text): return try historyPoint(text, field: "field \"as_of\"")
        case .integer(let n):
            guard n >= 0 else { throw ServiceError.badRequest("field \"as_of\" must be a non-negative SCN, not \(n)") }
            return .scn(SCN(UInt64(n)))
        default:
            guard let point = try SQLRequestBody.historyPoint(json) else { return .now }
            return point
        }
    }

    /// `as_of` as text: an SCN (`42`), `now`, `scn:42`, `transaction:7`, a
    /// timestamp (`2025-01-15 10:30:00`, optional `timestamp:` prefix) or the
    /// JSON object form.
    static func historyPoint(_ text: String, field: String) throws(ServiceError) -> HistoryPoint {
        let trimmed = text.trimmingCharacters(in: " ")
        if let n = UInt64(trimmed) { return .scn(SCN(n)) }
        let lower = trimmed.lowercased()
        if lower == "now" { return .now }
        if lower.hasPrefix("scn:"), let n = UInt64(trimmed.dropFirst(4)) { return .scn(SCN(n)) }
        if lower.hasPrefix("transaction:"), let n = UInt64(trimmed.dropFirst(12)) { return .transaction(TransactionID(rawValue: n)) }
        let stamp = lower.hasPrefix("timestamp:") ? String(trimmed.dropFirst(10)) : trimmed
        if let micros = DateTime.parseTimestamp(stamp) { return .timestamp(micros: micros) }
        if trimmed.hasPrefix("{"), let json = try? JSONValue.parse(trimmed),
           let point = try SQLRequestBody.historyPoint(json, field: field) {
            return point
        }
        throw ServiceError.badRequest("\(field) must be an SCN (integer), \"now\", \"scn:N\", \"transaction:N\" or a timestamp like \"2025-01-15 10:30:00\", not \"\(text)\"")
    }

    /// The body as a JSON object.
    static func object(_ body: [UInt8]) throws(ServiceError) -> JSONValue {
        let json = try SQLRequestBody.parseJSON(body)
        guard case .object = json else { throw ServiceError.badRequest("request body must be a JSON object, not \(json.typeName)") }
        return json
    }

    /// An optional integer field within `range`.
    static func integer(_ json: JSONValue, _ field: String, _ range: ClosedRange<Int>) throws(ServiceError) -> Int? {
        guard let value = json[field], !value.isNull else { return nil }
        guard let n = value.intValue, n >= Int64(range.lowerBound), n <= Int64(range.upperBound) else {
            throw ServiceError.badRequest("field \"\(field)\" must be an integer from \(range.lowerBound) to \(range.upperBound), not \(value.jsonText)")
        }
        return Int(n)
    }

    static func boolean(_ json: JSONValue, _ field: String, default fallback: Bool) throws(ServiceError) -> Bool {
        guard let value = json[field], !value.isNull else { return fallback }
        guard let b = value.boolValue else { throw ServiceError.badRequest("field \"\(field)\" must be a boolean, not \(value.jsonText)") }
        return b
    }

    /// A JSON array of numbers as float4s: each finite and within float4's
    /// range (1e39 would become infinity).
    static func floats(_ value: JSONValue?, field: String) throws(ServiceError) -> [Float] {
        guard let value, !value.isNull else { throw ServiceError.badRequest("missing field \"\(field)\"") }
        guard case .array(let items) = value else {
            throw ServiceError.badRequest("field \"\(field)\" must be an array of numbers, not \(value.typeName)")
        }
        var result = [Float](repeating: 0, count: items.count)
        for (i, item) in items.enumerated() {
            let x: Float
            switch item {
            case .integer(let n): x = Float(n)
            case .double(let d): x = Float(d)
            default:
                throw ServiceError.badRequest("\(field)[\(i)] must be a number, not \(item.typeName)", code: "22000")
            }
            guard x.isFinite else {
                throw ServiceError.badRequest("\(field)[\(i)] = \(item.jsonText) is out of range for a float4 vector element", code: "22000")
            }
            result[i] = x
        }
        return result
    }

    /// A JSON value as a jsonb document (no `\u0000`, nesting within jsonb's limit).
    static func document(_ value: JSONValue, field: String, depth: Int = 0) throws(ServiceError) -> JSONDocument {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .integer(let n): return .number(String(n))
        case .double(let d): return .number(d)
        case .string(let s):
            guard !s.utf8.contains(0) else { throw nulError(field) }
            return .string(s)
        case .array(let items):
            guard depth < JSONDocument.maximumDepth else { throw depthError(field) }
            var out: [JSONDocument] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try document(item, field: field, depth: depth + 1)) }
            return .array(out)
        case .object(let members):
            guard depth < JSONDocument.maximumDepth else { throw depthError(field) }
            var out: [JSONDocument.Member] = []
            out.reserveCapacity(members.count)
            for (key, item) in members {
                guard !key.utf8.contains(0) else { throw nulError(field) }
                out.append(JSONDocument.Member(key, try document(item, field: field, depth: depth + 1)))
            }
            return .object(out)
        }
    }

    private static func nulError(_ field: String) -> ServiceError {
        ServiceError.badRequest("\(field): unsupported Unicode escape sequence (\\u0000 cannot be stored in jsonb)", code: "22P05")
    }

    private static func depthError(_ field: String) -> ServiceError {
        ServiceError.badRequest("\(field): JSON nesting is deeper than \(JSONDocument.maximumDepth) levels", code: "22P02")
    }

    /// An optional JSON object field as a jsonb document.
    static func objectDocument(_ json: JSONValue, _ field: String) throws(ServiceError) -> JSONDocument? {
        guard let value = json[field], !value.isNull else { return nil }
        guard case .object = value else {
            throw ServiceError.badRequest("field \"\(field)\" must be a JSON object, not \(value.typeName)")
        }
        return try document(value, field: field).normalized()
    }

    /// A search's `filter`: metadata containment (jsonb `@>`). Keys that
    /// start with `$` are refused: they are another API's operators
    /// (`{"n":{"$gt":3}}`), and read as containment they would match
    /// nothing, silently.
    static func metadataFilter(_ json: JSONValue) throws(ServiceError) -> JSONDocument? {
        func check(_ value: JSONValue, _ path: String) throws(ServiceError) {
            switch value {
            case .object(let members):
                for (key, member) in members {
                    if key.hasPrefix("$") {
                        throw ServiceError.badRequest("filter operator \"\(key)\" at \(path) is not supported: a filter keeps "
                            + "vectors whose metadata contains it, e.g. {\"genre\":\"drama\",\"year\":1999}")
                    }
                    try check(member, path + "." + key)
                }
            case .array(let items):
                for (i, item) in items.enumerated() { try check(item, path + "[\(i)]") }
            default: break
            }
        }
        if let value = json["filter"] { try check(value, "filter") }
        return try objectDocument(json, "filter")
    }

    /// `vectors` of an upsert body, every element checked. With `arrays`
    /// (from `VectorBodyScanner.upsertBody`), an integer `values` is the
    /// index of its already parsed array.
    static func records(_ json: JSONValue, arrays: [[Float]]? = nil) throws(ServiceError) -> [VectorRecord] {
        guard let list = json["vectors"], !list.isNull else { throw ServiceError.badRequest("missing field \"vectors\"") }
        guard case .array(let items) = list else {
            throw ServiceError.badRequest("field \"vectors\" must be an array, not \(list.typeName)")
        }
        var records: [VectorRecord] = []
        records.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            let field = "vectors[\(i)]"
            guard case .object = item else { throw ServiceError.badRequest("\(field) must be an object {id, values, metadata?}, not \(item.typeName)") }
            guard let id = item["id"]?.stringValue, !id.isEmpty else {
                throw ServiceError.badRequest("\(field).id must be a non-empty string, not \(item["id"]?.jsonText ?? "missing")")
            }
            let values: [Float]
            if let arrays, case .integer(let k)? = item["values"] {
                values = arrays[Int(k)]
            } else {
                values = try floats(item["values"], field: "\(field).values")
            }
            var metadata: JSONDocument?
            if let m = item["metadata"], !m.isNull {
                guard case .object = m else {
                    throw ServiceError.badRequest("\(field).metadata must be a JSON object or null, not \(m.typeName)")
                }
                metadata = try document(m, field: "\(field).metadata")
            }
            records.append(VectorRecord(id: id, values: values, metadata: metadata))
        }
        return records
    }

    /// `ids` of a delete body.
    static func ids(_ json: JSONValue) throws(ServiceError) -> [String] {
        guard let list = json["ids"], !list.isNull else { throw ServiceError.badRequest("missing field \"ids\"") }
        guard case .array(let items) = list else { throw ServiceError.badRequest("field \"ids\" must be an array of strings, not \(list.typeName)") }
        var ids: [String] = []
        ids.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let id = item.stringValue, !id.isEmpty else {
                throw ServiceError.badRequest("ids[\(i)] must be a non-empty string, not \(item.jsonText)")
            }
            ids.append(id)
        }
        return ids
    }

    /// `metric`: cosine (default), l2 (euclidean) or inner_product (ip, dot).
    static func metric(_ json: JSONValue) throws(ServiceError) -> VectorMetric {
        guard let value = json["metric"], !value.isNull else { return .cosine }
        switch value.stringValue?.lowercased() {
        case "cosine": return .cosine
        case "l2", "euclidean": return .l2
        case "inner_product", "ip", "dot", "dot_product": return .innerProduct
        default:
            throw ServiceError.badRequest("field \"metric\" must be \"cosine\", \"l2\" or \"inner_product\", not \(value.jsonText)")
        }
    }

    /// `index` options as the option strings of CREATE INDEX … WITH (…).
    static func indexOptions(_ json: JSONValue) throws(ServiceError) -> [String: String] {
        guard let value = json["index"], !value.isNull else { return [:] }
        guard case .object(let members) = value else {
            throw ServiceError.badRequest("field \"index\" must be a JSON object, not \(value.typeName)")
        }
        var options: [String: String] = [:]
        for (key, option) in members {
            guard key.lowercased() != VectorIndexOptions.operatorClassKey else {
                throw ServiceError.badRequest("index.\(key) is not an option: the field \"metric\" chooses the operator class")
            }
            switch option {
            case .null: continue
            case .integer(let n): options[key] = String(n)
            case .double(let d): options[key] = d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
            case .string(let s): options[key] = s
            default:
                throw ServiceError.badRequest("index.\(key) must be a number or a string, not \(option.typeName)")
            }
        }
        return options
    }
}

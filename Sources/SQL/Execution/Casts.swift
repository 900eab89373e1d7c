import Core

/// Conversions between SQL types, with PostgreSQL's error codes and texts.
enum Casts {
    /// Converts `value` to `type`. `explicit` allows casts PostgreSQL only
    /// performs when asked (`CAST`, `::`), e.g. integer to boolean.
    static func cast(_ value: Value, to type: DataType, explicit: Bool = false) throws(SQLError) -> Value {
        switch (value, type) {
        case (.null, _):
            return .null
        case (.integer(let i), _) where type.isInteger:
            return try checkRange(i, type)
        case (.integer(let i), .double):
            return .double(Double(i))
        case (.double(let d), .double):
            return .double(d)
        case (.double(let d), _) where type.isInteger:
            guard d.isFinite else { throw outOfRange(type) }
            let rounded = d.rounded(.toNearestOrEven)
            guard rounded >= -9.223372036854775808e18, rounded < 9.223372036854775808e18 else { throw outOfRange(type) }
            return try checkRange(Int64(rounded), type)
        case (.vector(let v), .vector(let n)):
            try VectorFunctions.check(v, dimensions: n)
            return value
        case (.text(let s), _):
            return try parse(s, as: type)
        case (.jsonText(let s), .text), (.jsonText(let s), .json):
            return .jsonText(s)
        case (.jsonText(let s), .jsonb):
            return try parse(s, as: .jsonb)
        case (.json(let d), .json):
            return .jsonText(d.description)
        case (.json, .jsonb), (.uuid, .uuid), (.bytes, .bytea):
            return value
        case (.json(let d), .boolean) where explicit:
            guard case .bool(let b) = d else { throw jsonCast(d, "boolean") }
            return .boolean(b)
        case (.json(let d), .double) where explicit:
            guard case .number(let n) = d, let x = Double(n) else { throw jsonCast(d, "double precision") }
            return .double(x)
        case (.json(let d), _) where type.isInteger && explicit:
            guard case .number(let n) = d, let x = Double(n) else { throw jsonCast(d, type.castName == "int2" ? "smallint" : type.castName == "int4" ? "integer" : "bigint") }
            // numeric to integer rounds half away from zero.
            let rounded = x.rounded(.toNearestOrAwayFromZero)
            guard rounded >= -9.223372036854775808e18, rounded < 9.223372036854775808e18 else { throw outOfRange(type) }
            return try checkRange(Int64(rounded), type)
        case (_, .text):
            return .text(value.description)
        case (.boolean, .boolean):
            return value
        case (.date, .date), (.interval, .interval):
            return value
        case (.date(let d), .timestamp), (.date(let d), .timestampWithTimeZone):
            return .timestamp(try Temporal.midnight(d), zoned: type == .timestampWithTimeZone)
        case (.timestamp(let t, _), .timestamp), (.timestamp(let t, _), .timestampWithTimeZone):
            return .timestamp(t, zoned: type == .timestampWithTimeZone)
        case (.timestamp(let t, _), .date):
            return .date(DateTime.floorDiv(t, DateTime.microsPerDay))
        case (.boolean(let b), .integer) where explicit:
            return .integer(b ? 1 : 0)
        case (.integer(let i), .boolean) where explicit:
            return .boolean(i != 0)
        default:
            throw SQLError(explicit ? "42846" : SQLState.datatypeMismatch,
                           "cannot cast type \(typeName(value)) to \(type.description.lowercased())")
        }
    }

    static func jsonCast(_ d: JSONDocument, _ name: String) -> SQLError {
        SQLError(SQLState.invalidParameterValue, "cannot cast jsonb \(d.typeName) to type \(name)")
    }

    static func typeName(_ value: Value) -> String {
        value.dataType?.description.lowercased() ?? "unknown"
    }

    static func checkRange(_ i: Int64, _ type: DataType) throws(SQLError) -> Value {
        if let range = type.integerRange, !range.contains(i) { throw outOfRange(type) }
        return .integer(i)
    }

    static func outOfRange(_ type: DataType) -> SQLError {
        let name = switch type {
        case .smallint: "smallint"
        case .integer: "integer"
        default: "bigint"
        }
        return SQLError(SQLState.numericOutOfRange, "\(name) out of range")
    }

    /// Reads text as a value of `type` (PostgreSQL's input functions).
    static func parse(_ text: String, as type: DataType) throws(SQLError) -> Value {
        let trimmed = text.trimmingSpaces()
        switch type {
        case .text:
            return .text(text)
        case .smallint, .integer, .bigint:
            guard let i = Int64(trimmed) else {
                if !trimmed.isEmpty, trimmed.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "+" }) {
                    throw outOfRange(type)
                }
                throw invalidInput(type, text)
            }
            return try checkRange(i, type)
        case .double:
            switch trimmed.lowercased() {
            case "nan": return .double(.nan)
            case "infinity", "+infinity", "inf": return .double(.infinity)
            case "-infinity", "-inf": return .double(-.infinity)
            default:
                guard let d = Double(trimmed) else { throw invalidInput(type, text) }
                guard d.isFinite else {
                    throw SQLError(SQLState.numericOutOfRange, "\"\(trimmed)\" is out of range for type double precision")
                }
                return .double(d)
            }
        case .boolean:
            // Any unique prefix of true/false/yes/no, and on/off/1/0, as PostgreSQL's boolin.
            let word = trimmed.lowercased()
            if !word.isEmpty && ("true".hasPrefix(word) || "yes".hasPrefix(word)) || word == "on" || word == "1" { return .boolean(true) }
            if !word.isEmpty && ("false".hasPrefix(word) || "no".hasPrefix(word)) || word == "off" || word == "0" { return .boolean(false) }
            throw invalidInput(type, text)
        case .date:
            guard let days = DateTime.parseDate(trimmed) else { throw invalidInput(type, text) }
            return .date(days)
        case .timestamp, .timestampWithTimeZone:
            if ["now", "today"].contains(trimmed.lowercased()) {
                let now = ScalarFunctions.nowMicros()
                let t = trimmed.lowercased() == "today" ? DateTime.floorDiv(now, DateTime.microsPerDay) * DateTime.microsPerDay : now
                return .timestamp(t, zoned: type == .timestampWithTimeZone)
            }
            guard let micros = DateTime.parseTimestamp(trimmed) else { throw invalidInput(type, text) }
            return .timestamp(micros, zoned: type == .timestampWithTimeZone)
        case .interval:
            guard let interval = DateTime.parseInterval(trimmed) else { throw invalidInput(type, text) }
            return .interval(interval)
        case .uuid:
            guard let (high, low) = Value.parseUUID(trimmed) else { throw invalidInput(type, text) }
            return .uuid(high, low)
        case .bytea:
            guard let bytes = Value.parseBytea(text) else {
                if text.hasPrefix("\\x") { throw SQLError(SQLState.invalidParameterValue, "invalid hexadecimal data: \"\(text)\"") }
                throw invalidInput(type, text)
            }
            return .bytes(bytes)
        case .json:
            do {
                _ = try JSONDocument.parse(text, allowNUL: true)
            } catch {
                throw SQLError(error.sqlState, error.message + ": " + error.detail)
            }
            return .jsonText(text)
        case .jsonb:
            return .json(try parseJSON(text).normalized())
        case .vector(let n):
            let v = try VectorFunctions.parse(text)
            try VectorFunctions.check(v, dimensions: n)
            return .vector(v)
        }
    }

    static func parseJSON(_ text: String) throws(SQLError) -> JSONDocument {
        do {
            return try JSONDocument.parse(text)
        } catch {
            throw SQLError(error.sqlState, error.message + ": " + error.detail)
        }
    }

    /// The jsonb document of a json or jsonb value.
    static func document(_ value: Value) throws(SQLError) -> JSONDocument? {
        switch value {
        case .null: return nil
        case .json(let d): return d
        case .jsonText(let t): return try parseJSON(t)
        case .text(let t): return try parseJSON(t).normalized()
        default:
            throw SQLError(SQLState.datatypeMismatch, "cannot cast type \(typeName(value)) to jsonb")
        }
    }

    static func invalidInput(_ type: DataType, _ text: String) -> SQLError {
        SQLError(SQLState.invalidTextRepresentation,
                 "invalid input syntax for type \(type.description.lowercased()): \"\(text)\"")
    }
}

extension String {
    func trimmingSpaces() -> String {
        let bytes = utf8
        if let first = bytes.first, let last = bytes.last, first > 0x20, last > 0x20, first < 0x80, last < 0x80 { return self }
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}

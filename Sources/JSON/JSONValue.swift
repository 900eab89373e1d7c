import CJansson

// JSON: a Swift value type for request and response bodies, parsed by
// libjansson and encoded by a small Swift writer.
//
// Parsing goes through jansson (`json_loadb` with JSON_DECODE_ANY and
// JSON_ALLOW_NUL), so malformed input is reported with jansson's line,
// column and byte position, and nesting deeper than jansson's parser limit
// (2048) is an error instead of a stack overflow. Objects keep their key
// order. Integers are exact 64-bit values; a number with a fraction or an
// exponent is a Double. Encoding writes integers exactly, doubles in the
// shortest form that reads back to the same value, and escapes control
// characters and NUL so every string survives a round trip.

public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Key/value pairs in document order.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.integer(a), .integer(b)): a == b
        case let (.double(a), .double(b)): a == b || (a.isNaN && b.isNaN)
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// The member `key` of an object (the last one if repeated); nil otherwise.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.0 == key }?.1
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var intValue: Int64? {
        switch self {
        case .integer(let i): i
        case .double(let d) where d == d.rounded() && abs(d) < 9.2e18: Int64(d)
        default: nil
        }
    }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var isNull: Bool { self == .null }

    /// The JSON type name, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A body that is not valid JSON, located as jansson reports it.
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int
    /// Byte offset into the input.
    public var position: Int
    public var description: String { "\(message) at line \(line), column \(column)" }
}

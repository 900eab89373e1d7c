/// A column's declared SQL type. Later issues add more cases; every switch
/// over it lives in Core, SQL or Storage. Compare types with `==` only when
/// a VECTOR's dimension matters; `isVector` ignores it.
public enum DataType: Hashable, Sendable, CustomStringConvertible {
    case smallint
    case integer
    case bigint
    case double
    case text
    case boolean
    case date
    case timestamp
    case timestampWithTimeZone
    case interval
    case uuid
    case bytea
    case json
    case jsonb
    /// pgvector's VECTOR(n): `dimensions` float4 elements; 0 means any
    /// number of dimensions (a bare `VECTOR`, as in `'[1,2]'::vector`).
    case vector(dimensions: Int)

    /// The most dimensions a VECTOR may have (pgvector's VECTOR_MAX_DIM).
    public static let maxVectorDimensions = 16000

    /// The name reported in `column_types` and error messages (PostgreSQL spelling).
    public var description: String {
        switch self {
        case .smallint: "SMALLINT"
        case .integer: "INTEGER"
        case .bigint: "BIGINT"
        case .double: "DOUBLE PRECISION"
        case .text: "TEXT"
        case .boolean: "BOOLEAN"
        case .date: "DATE"
        case .timestamp: "TIMESTAMP"
        case .timestampWithTimeZone: "TIMESTAMPTZ"
        case .interval: "INTERVAL"
        case .uuid: "UUID"
        case .bytea: "BYTEA"
        case .json: "JSON"
        case .jsonb: "JSONB"
        case .vector(let n): n > 0 ? "VECTOR(\(n))" : "VECTOR"
        }
    }

    public var isVector: Bool { if case .vector = self { true } else { false } }

    public var isInteger: Bool {
        switch self {
        case .smallint, .integer, .bigint: true
        default: false
        }
    }

    public var isNumeric: Bool { isInteger || self == .double }
    public var isTemporal: Bool { self == .date || self == .timestamp || self == .timestampWithTimeZone }

    /// The inclusive range an integer type can hold.
    public var integerRange: ClosedRange<Int64>? {
        switch self {
        case .smallint: Int64(Int16.min)...Int64(Int16.max)
        case .integer: Int64(Int32.min)...Int64(Int32.max)
        case .bigint: Int64.min...Int64.max
        default: nil
        }
    }

    /// Parses a type name as written in SQL (`INT`, `int4`, `VARCHAR`, `float8`…);
    /// nil when the name is unknown.
    public init?(sqlName: String) {
        switch sqlName.lowercased() {
        case "smallint", "int2": self = .smallint
        case "int", "integer", "int4": self = .integer
        case "bigint", "int8": self = .bigint
        case "double", "double precision", "float8", "float", "real", "float4": self = .double
        case "text", "varchar", "character varying", "char", "character", "string": self = .text
        case "bool", "boolean": self = .boolean
        case "date": self = .date
        case "timestamp", "timestamp without time zone": self = .timestamp
        case "timestamptz", "timestamp with time zone": self = .timestampWithTimeZone
        case "interval": self = .interval
        case "numeric", "decimal": self = .double
        case "uuid": self = .uuid
        case "bytea": self = .bytea
        case "json": self = .json
        case "jsonb": self = .jsonb
        case "vector": self = .vector(dimensions: 0)
        default: return nil
        }
    }
}

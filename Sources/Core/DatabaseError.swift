/// What every layer's error type offers the service: a PostgreSQL SQLSTATE,
/// a message for people, and where in the SQL text it went wrong.
public protocol DatabaseError: Error, CustomStringConvertible {
    /// Five-character SQLSTATE, e.g. `42601` for a syntax error.
    var sqlState: String { get }
    var message: String { get }
    /// 1-based character offset into the statement text, when known.
    var position: Int? { get }
}

extension DatabaseError {
    public var description: String { "\(sqlState): \(message)" }
}

/// The SQLSTATE codes Helios raises, named as in PostgreSQL's errcodes.
public enum SQLState {
    public static let syntaxError = "42601"
    public static let undefinedTable = "42P01"
    public static let undefinedColumn = "42703"
    public static let undefinedFunction = "42883"
    public static let undefinedObject = "42704"
    public static let ambiguousColumn = "42702"
    public static let duplicateTable = "42P07"
    public static let duplicateColumn = "42701"
    public static let groupingError = "42803"
    public static let datatypeMismatch = "42804"
    public static let invalidTableDefinition = "42P16"
    public static let featureNotSupported = "0A000"
    public static let numericOutOfRange = "22003"
    public static let divisionByZero = "22012"
    public static let invalidTextRepresentation = "22P02"
    public static let invalidParameterValue = "22023"
    public static let stringDataRightTruncation = "22001"
    public static let notNullViolation = "23502"
    public static let uniqueViolation = "23505"
    public static let serializationFailure = "40001"
    public static let queryCanceled = "57014"
    public static let activeTransaction = "25001"
    public static let noActiveTransaction = "25P01"
    public static let inFailedTransaction = "25P02"
    public static let undefinedParameter = "42P02"
    public static let internalError = "XX000"
}

import Core

/// The SQL layer's one error type: lexing, parsing, binding and execution
/// failures, each with its SQLSTATE and (when known) the character position.
public struct SQLError: DatabaseError, Equatable {
    public var sqlState: String
    public var message: String
    public var position: Int?

    public init(_ sqlState: String, _ message: String, position: Int? = nil) {
        self.sqlState = sqlState; self.message = message; self.position = position
    }

    public static func syntax(_ message: String, at position: Int) -> SQLError {
        SQLError(SQLState.syntaxError, message, position: position)
    }
}

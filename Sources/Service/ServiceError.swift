import Core
import JSON

/// The service layer's one error type: what the client is told, with the
/// HTTP status. Lower layers' errors become this by their SQLSTATE.
public struct ServiceError: Error, Sendable {
    public var status: Int
    public var category: String
    public var message: String
    public var code: String
    public var position: Int?
    public var details: JSONValue?

    public init(status: Int, category: String, message: String, code: String,
                position: Int? = nil, details: JSONValue? = nil) {
        self.status = status; self.category = category; self.message = message
        self.code = code; self.position = position; self.details = details
    }

    public static func badRequest(_ message: String, code: String = "22023", details: JSONValue? = nil) -> ServiceError {
        ServiceError(status: 400, category: "BadRequest", message: message, code: code, details: details)
    }

    public static func notFound(_ message: String) -> ServiceError {
        ServiceError(status: 404, category: "NotFound", message: message, code: "42704")
    }

    /// Maps a database error to a status and category by its SQLSTATE
    /// (PostgreSQL's classes: 22 data, 23 integrity, 42 syntax/access, …).
    public init(_ error: any DatabaseError) {
        let (status, category) = Self.classify(error.sqlState)
        self.init(status: status, category: category, message: error.message, code: error.sqlState,
                  position: error.position)
    }

    static func classify(_ state: String) -> (Int, String) {
        switch state {
        case SQLState.syntaxError, SQLState.undefinedParameter, "54001": return (400, "SyntaxError")
        case SQLState.undefinedTable, "3D000": return (404, "NotFound")
        case SQLState.duplicateTable, SQLState.uniqueViolation, "42710", "55006": return (409, "Conflict")
        case "HB001": return (409, "MergeConflict")
        case SQLState.serializationFailure: return (409, "SerializationFailure")
        case SQLState.queryCanceled: return (408, "Timeout")
        case SQLState.featureNotSupported: return (400, "NotSupported")
        case SQLState.internalError: return (500, "InternalError")
        case "25P03": return (404, "NotFound")
        case SQLState.inFailedTransaction: return (409, "TransactionAborted")
        case "53300": return (429, "TooManyTransactions")
        default: break
        }
        switch state.prefix(2) {
        case "22": return (400, "DataError")
        case "42": return (400, "SemanticError")
        case "23": return (422, "ConstraintViolation")
        case "25": return (400, "TransactionStateError")
        default: return (422, "ExecutionError")
        }
    }

    /// `{"error","message","code","position"?,"details"?}`.
    public var response: HTTPResponse {
        var members: [(String, JSONValue)] = [
            ("error", .string(category)), ("message", .string(message)), ("code", .string(code)),
        ]
        if let position { members.append(("position", .integer(Int64(position)))) }
        if let details { members.append(("details", details)) }
        var headers: [(String, String)] = []
        if status == 401 { headers.append(("WWW-Authenticate", "Bearer")) }
        return HTTPResponse(status: status, headers: headers, body: JSONValue.object(members).encoded())
    }
}

/// A request as handlers see it: method, path, selected headers and the
/// whole body. Built by the server from libmicrohttpd's callbacks, or
/// directly by tests (the router needs no sockets).
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: [UInt8]
    public var clientAddress: String

    public init(method: String, path: String, headers: [String: String] = [:], body: [UInt8] = [],
                clientAddress: String = "-") {
        self.method = method; self.path = path; self.headers = headers; self.body = body
        self.clientAddress = clientAddress
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, contentType: String = "application/json", headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status; self.contentType = contentType; self.headers = headers; self.body = body
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

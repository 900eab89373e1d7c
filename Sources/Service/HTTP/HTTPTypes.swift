import Dispatch

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
    /// Query-string parameters, decoded (`?branch=dev&as_of=12`). The server
    /// passes them from libmicrohttpd (which strips them from the path);
    /// without them, they are read from a `?…` part of `path`.
    public var query: [String: String]

    public init(method: String, path: String, headers: [String: String] = [:], body: [UInt8] = [],
                clientAddress: String = "-", query: [String: String]? = nil) {
        self.method = method; self.path = path; self.headers = headers; self.body = body
        self.clientAddress = clientAddress
        self.query = query ?? Self.parseQuery(path)
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Whether the body holds more than JSON white space (optional bodies).
    public var hasBody: Bool { body.contains { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 } }

    /// The parameters of the `?…` part of `target` (`+` is a space, `%XX`
    /// escapes decoded; a malformed escape is kept as written; the first of
    /// repeated names wins).
    public static func parseQuery(_ target: String) -> [String: String] {
        guard let mark = target.firstIndex(of: "?") else { return [:] }
        var parameters: [String: String] = [:]
        for pair in target[target.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decodeComponent(parts[0])
            if parameters[name] == nil { parameters[name] = parts.count > 1 ? decodeComponent(parts[1]) : "" }
        }
        return parameters
    }

    static func decodeComponent(_ text: Substring) -> String {
        let spaced = String(text.map { $0 == "+" ? " " : $0 })
        return Router<Never>.percentDecode(Substring(spaced)) ?? spaced
    }
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

/// What a handler gives the server: a response now, or later. `later`
/// receives the function that delivers the response; the server parks the
/// connection (its worker thread goes on serving others) until it is called,
/// from any thread. The service answers later when a request's commits are
/// still waiting for the log's fsync.
public enum HTTPAnswer: Sendable {
    case now(HTTPResponse)
    case later(@Sendable (_ deliver: @escaping @Sendable (HTTPResponse) -> Void) -> Void)

    /// The response, waited for on this thread when it comes later.
    public func wait() -> HTTPResponse {
        switch self {
        case .now(let response):
            return response
        case .later(let start):
            final class Slot: @unchecked Sendable {
                var response: HTTPResponse?
                let ready = DispatchSemaphore(value: 0)
            }
            let slot = Slot()
            start { response in
                slot.response = response
                slot.ready.signal()
            }
            slot.ready.wait()
            return slot.response!
        }
    }
}

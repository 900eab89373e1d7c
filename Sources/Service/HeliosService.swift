import Core
import Engine
import JSON
import Storage
#if canImport(Glibc)
import Glibc
#endif

// Service: HTTP routing, handlers, JSON <-> results, error -> status.
//
// `HeliosService.handle` is the whole request path and needs no sockets:
// authenticate (/v1 only), route by method and pattern, run the handler,
// count the request in the metrics and write one access-log line. The
// handlers decode JSON bodies, call the engine and encode its results; every
// failure becomes a `ServiceError` with a JSON body, so a bad request gets a
// clear 4xx and the server keeps serving. `HTTPServer` (libmicrohttpd) only
// moves bytes to and from `handle`.

public enum HeliosVersion {
    public static let version = "0.1.0"
    public static let api = "v1"
}

public final class HeliosService: Sendable {
    public struct Configuration: Sendable {
        /// When set, every /v1 request must present it.
        public var apiKey: String?
        public var accessLog: Bool
        /// Seconds before an idle transaction spanning requests is rolled back.
        public var transactionIdleTimeout: Double
        public var maxOpenTransactions: Int
        /// Seconds of history kept for time travel before collection.
        public var retentionSeconds: Double
        public init(apiKey: String? = nil, accessLog: Bool = true, transactionIdleTimeout: Double = 60, maxOpenTransactions: Int = 64,
                    retentionSeconds: Double = 7 * 86_400) {
            self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
            self.accessLog = accessLog
            self.transactionIdleTimeout = transactionIdleTimeout
            self.maxOpenTransactions = maxOpenTransactions
            self.retentionSeconds = retentionSeconds
        }
    }

    public let database: Database
    public let metrics = Metrics()
    let configuration: Configuration
    let openAPISpec: [UInt8]?
    private let inFlight: @Sendable () -> Int
    private let router: Router<HeliosService>

    public convenience init(configuration: Configuration = Configuration(), openAPISpec: [UInt8]? = OpenAPISpec.load(),
                            inFlight: @escaping @Sendable () -> Int = { 0 }) {
        self.init(database: Database(transactionIdleTimeout: configuration.transactionIdleTimeout,
                                     maxOpenTransactions: configuration.maxOpenTransactions,
                                     retentionSeconds: configuration.retentionSeconds),
                  configuration: configuration, openAPISpec: openAPISpec, inFlight: inFlight)
    }

    public init(database: Database, configuration: Configuration = Configuration(),
                openAPISpec: [UInt8]? = OpenAPISpec.load(), inFlight: @escaping @Sendable () -> Int = { 0 }) {
        self.database = database
        self.configuration = configuration
        self.openAPISpec = openAPISpec
        self.inFlight = inFlight
        router = Self.routes()
    }

    /// Answers one request: auth, routing, handler, metrics, access log.
    /// Waits for the request's commits to be durable before returning.
    public func handle(_ request: HTTPRequest) -> HTTPResponse { answer(request).wait() }

    /// `handle` for the HTTP server: when the request's commits are not yet
    /// synced, the answer comes later, from the log's syncer, so the worker
    /// thread does not sit out the fsync (see `DurabilityDeferral`).
    public func answer(_ request: HTTPRequest) -> HTTPAnswer {
        let started = HTTPServer.now()
        let ((route, response), pending) = DurabilityDeferral.run { respond(request) }
        guard let pending, !pending.isSynced else {
            finish(request, route: route, response: response, started: started)
            return .now(response)
        }
        return .later { deliver in
            pending.notify { error in
                // A failed sync answers as a commit that waited itself would
                // have (58030); the log then refuses further commits.
                let answer = error.map { ServiceError($0).response } ?? response
                self.finish(request, route: route, response: answer, started: started)
                deliver(answer)
            }
        }
    }

    /// Routes and runs one request; returns the route's pattern and the answer.
    private func respond(_ request: HTTPRequest) -> (String, HTTPResponse) {
        let path = request.path.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(request.path[..<$0]) } ?? request.path
        var route = "unmatched"
        let response: HTTPResponse
        if let denied = authenticate(request, path: path) {
            response = denied
        } else {
            switch router.match(method: request.method, path: path) {
            case let .found(pattern, parameters, handler):
                route = pattern
                response = handler(self, request, parameters)
            case let .methodNotAllowed(pattern, allowed):
                route = pattern
                var r = ServiceError(status: 405, category: "MethodNotAllowed",
                                     message: "method \(request.method) is not allowed on \(path); allowed: \(allowed.joined(separator: ", "))",
                                     code: "42501").response
                r.headers.append(("Allow", allowed.joined(separator: ", ")))
                response = r
            case .notFound:
                response = ServiceError(status: 404, category: "NotFound",
                                        message: "no endpoint at \(path)", code: "42704").response
            }
        }
        return (route, response)
    }

    /// The 413 answer for bodies over the limit (counted and logged like any other).
    public func payloadTooLarge(_ request: HTTPRequest, limit: Int) -> HTTPResponse {
        let started = HTTPServer.now()
        let response = ServiceError(status: 413, category: "PayloadTooLarge",
                                    message: "request body exceeds the limit of \(limit) bytes", code: "54000").response
        finish(request, route: "oversized", response: response, started: started)
        return response
    }

    private func finish(_ request: HTTPRequest, route: String, response: HTTPResponse, started: Double) {
        let seconds = HTTPServer.now() - started
        metrics.record(route: route, method: request.method, status: response.status, seconds: seconds)
        if configuration.accessLog { AccessLog.write(request, status: response.status, bytes: response.body.count, seconds: seconds) }
    }

    private func authenticate(_ request: HTTPRequest, path: String) -> HTTPResponse? {
        guard let key = configuration.apiKey, path == "/v1" || path.hasPrefix("/v1/") else { return nil }
        var presented = request.header("x-api-key")
        if let authorization = request.header("authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                presented = String(parts[1]).trimmingCharacters(in: " ")
            }
        }
        if let presented, Self.constantTimeEqual(presented, key) { return nil }
        let message = presented == nil ? "missing API key: send Authorization: Bearer <key> or X-API-Key: <key>"
                                       : "invalid API key"
        return ServiceError(status: 401, category: "Unauthorized", message: message, code: "28000").response
    }

    /// Compares without an early exit, so timing does not reveal how much of the key matched.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(truncatingIfNeeded: x.count ^ y.count)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0 && x.count == y.count
    }

    var requestsInFlight: Int { inFlight() }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}

/// One line per request on standard output:
/// `2026-11-28T14:00:00.123Z 127.0.0.1 "POST /v1/sql" 200 87B 0.412ms`.
///
/// Lines are gathered in memory and written in one call per 64 KiB, or by
/// `flush()`, which the server runs every 100 ms and on stop (as nginx's
/// `access_log … buffer= flush=`): a write(2) per request cost about 5 µs
/// of system time, a tenth of a vector search's whole request.
enum AccessLog {
    private static let pending = Locked<[UInt8]>([])
    private static let flushAt = 64 << 10

    /// `2026-11-28T21:50:17.123Z 127.0.0.1 "POST /v1/…" 200 1234B 0.512ms`,
    /// built in bytes (this runs once per request).
    static func write(_ request: HTTPRequest, status: Int, bytes: Int, seconds: Double) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let line = line(request, status: status, bytes: bytes, seconds: seconds, at: ts)
        pending.withLock { buffer in
            buffer.append(contentsOf: line)
            if buffer.count >= flushAt { writeOut(&buffer) }
        }
    }

    /// Writes the lines gathered so far (in order: the write happens under the lock).
    static func flush() {
        pending.withLock { writeOut(&$0) }
    }

    private static func writeOut(_ buffer: inout [UInt8]) {
        var done = 0
        buffer.withUnsafeBytes { bytes in
            while done < bytes.count {
                let n = Glibc.write(1, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }   // standard output closed or full disk: the lines are dropped
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: buffer.capacity <= 4 * flushAt)
    }

    static func line(_ request: HTTPRequest, status: Int, bytes: Int, seconds: Double, at ts: timespec) -> [UInt8] {
        var tm = tm()
        var secs = ts.tv_sec
        gmtime_r(&secs, &tm)
        var line: [UInt8] = []
        line.reserveCapacity(96 + min(request.path.utf8.count, 200))
        func digits(_ n: Int, _ width: Int) {
            var n = n, buffer: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                               UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &buffer) { b in
                var i = b.count
                repeat { i -= 1; b[i] = UInt8(48 + n % 10); n /= 10 } while n > 0 && i > 0
                while b.count - i < width && i > 0 { i -= 1; b[i] = 48 }
                line.append(contentsOf: b[i...])
            }
        }
        func text(_ s: String) { line.append(contentsOf: s.utf8) }
        digits(Int(tm.tm_year) + 1900, 4); line.append(UInt8(ascii: "-"))
        digits(Int(tm.tm_mon) + 1, 2); line.append(UInt8(ascii: "-"))
        digits(Int(tm.tm_mday), 2); line.append(UInt8(ascii: "T"))
        digits(Int(tm.tm_hour), 2); line.append(UInt8(ascii: ":"))
        digits(Int(tm.tm_min), 2); line.append(UInt8(ascii: ":"))
        digits(Int(tm.tm_sec), 2); line.append(UInt8(ascii: "."))
        digits(Int(ts.tv_nsec / 1_000_000), 3); text("Z ")
        text(request.clientAddress); text(" \"")
        for b in request.method.utf8.prefix(16) { line.append(b < 0x20 || b == UInt8(ascii: "\"") ? UInt8(ascii: "?") : b) }
        line.append(UInt8(ascii: " "))
        // Control characters and quotes are shown as "?" (a path cannot break the line).
        if request.path.utf8.count <= 200 && request.path.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") }) {
            text(request.path)
        } else {
            for scalar in request.path.unicodeScalars.prefix(200) {
                if scalar.value < 0x20 || scalar == "\"" { line.append(UInt8(ascii: "?")) } else { line.append(contentsOf: String(scalar).utf8) }
            }
        }
        text("\" "); digits(status, 1); line.append(UInt8(ascii: " "))
        digits(bytes, 1); text("B ")
        let micros = Int((seconds * 1_000_000).rounded())
        digits(micros / 1000, 1); line.append(UInt8(ascii: ".")); digits(micros % 1000, 3); text("ms\n")
        return line
    }
}

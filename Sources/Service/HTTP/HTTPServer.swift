import CMicroHTTPD
import Core
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// libmicrohttpd behind a Swift interface: worker threads on epoll (one
/// daemon each, fed by one accepting thread that balances connections), keep-alive, a body limit enforced while the body arrives (also for
/// chunked bodies), and a graceful stop that lets in-flight requests finish.
///
/// libmicrohttpd calls the access handler several times per request: first
/// with headers only (we create a `PendingRequest`), then once per body
/// chunk, then with no data — the moment to answer. Answering on the first
/// call would make it close keep-alive connections. A body over the limit is
/// not stored: it is read and dropped, then answered 413 (at once when the
/// client waits for `100-continue`, so it never sends the body).
public final class HTTPServer: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: UInt16
        public var threads: Int
        public var maxBodyBytes: Int
        public var connectionTimeoutSeconds: Int
        /// Whether requests carry the client's address (only the access log
        /// reads it; without it, requests say "-" and skip formatting it).
        public var clientAddresses: Bool
        public init(host: String = "127.0.0.1", port: UInt16 = 8080, threads: Int = 2,
                    maxBodyBytes: Int = 16 << 20, connectionTimeoutSeconds: Int = 30, clientAddresses: Bool = true) {
            self.host = host; self.port = port; self.threads = threads
            self.maxBodyBytes = maxBodyBytes; self.connectionTimeoutSeconds = connectionTimeoutSeconds
            self.clientAddresses = clientAddresses
        }
    }

    public typealias Handler = @Sendable (HTTPRequest) -> HTTPAnswer

    /// libmicrohttpd's per-connection buffer (request line, headers, body
    /// chunks in flight). It zeroes the whole pool after every request
    /// (`MHD_pool_reset`), which costs time and evicts the worker's L1
    /// cache, so it is kept small: 16 KiB still takes 8 KiB of headers
    /// (nginx's default limit); larger header blocks get 431.
    static let connectionMemory = 16 * 1024

    let configuration: Configuration
    let handler: Handler
    /// Called with the 413 answer for bodies over the limit, so it is logged and counted.
    let tooLarge: @Sendable (HTTPRequest) -> HTTPResponse
    private var workers: [Worker] = []
    private var listener: Int32 = -1
    private var acceptor: pthread_t?
    /// Requests between their first callback and their completion notice.
    private let inFlight = Locked(0)
    /// Requests parked until their answer is delivered and sent (see
    /// `HTTPAnswer.later`), and resumes under way.
    private let parking = Locked<(parked: Int, resuming: Int)>((0, 0))
    /// Whether a stop has begun: then nothing parks (the worker waits for the
    /// answer itself) and new requests are refused. Set under `parking`'s
    /// lock, so no request parks after the stop counts the parked ones; read
    /// without it on every request.
    private let draining = Atomic<Bool>(false)

    public init(configuration: Configuration, handler: @escaping Handler,
                tooLarge: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.configuration = configuration; self.handler = handler; self.tooLarge = tooLarge
    }

    public var requestsInFlight: Int { inFlight.withLock { $0 } }

    /// Requests parked now, and whether a stop has begun (tests).
    var parkedRequests: Int { parking.withLock { $0.parked } }
    var isStopping: Bool { draining.load(ordering: .acquiring) }

    /// Open connections per worker thread.
    var connectionsPerWorker: [Int] { workers.map { $0.connections.load(ordering: .relaxed) } }

    /// Binds and starts serving; throws a message when the address is unusable.
    public func start() throws(HTTPServerError) {
        var storage = sockaddr_storage()
        let ipv6 = try Self.fillAddress(&storage, host: configuration.host, port: configuration.port)
        let length = socklen_t(ipv6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        listener = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { helios_listen($0, length, 1024) }
        }
        if listener < 0 {
            throw HTTPServerError(message: "cannot listen on \(configuration.host):\(configuration.port) (\(String(cString: strerror(errno))))")
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        for _ in 0..<max(1, configuration.threads) {
            let worker = Worker(server: self)
            let workerContext = Unmanaged.passUnretained(worker).toOpaque()
            worker.daemon = helios_mhd_start_worker(helios_mhd_flags(ipv6 ? 1 : 0), accessHandler, workerContext, requestCompleted, context,
                                                    connectionNotify, workerContext,
                                                    UInt32(configuration.connectionTimeoutSeconds), Self.connectionMemory)
            guard worker.daemon != nil else {
                stopWorkers()
                close(listener)
                throw HTTPServerError(message: "cannot start the HTTP worker threads")
            }
            workers.append(worker)
        }
        acceptor = NativeThread.start { [self] in acceptConnections() }
        if acceptor == nil {
            stopWorkers()
            close(listener)
            throw HTTPServerError(message: "cannot start the accepting thread")
        }
    }

    /// Stops accepting connections, waits up to `grace` seconds for
    /// in-flight requests to finish, then shuts the workers down. Parked
    /// connections are always waited for: their answers (commits waiting
    /// for an fsync) always come, and libmicrohttpd must not stop with a
    /// connection suspended.
    public func stop(grace: Double = 10) {
        guard let acceptor else { return }
        // From here on nothing parks, so the parked count only falls.
        parking.withLock { _ in draining.store(true, ordering: .releasing) }
        shutdown(listener, Int32(SHUT_RDWR))   // wakes the blocked accept()
        pthread_join(acceptor, nil)
        self.acceptor = nil
        close(listener)
        let deadline = Self.now() + grace
        while inFlight.withLock({ $0 }) > 0 && Self.now() < deadline { usleep(10_000) }
        while parking.withLock({ $0.parked > 0 || $0.resuming > 0 }) { usleep(10_000) }
        stopWorkers()
    }

    private func stopWorkers() {
        for worker in workers { worker.daemon.map(MHD_stop_daemon) }
        workers = []
    }

    /// Accepts connections and hands each to the worker serving the fewest.
    /// (libmicrohttpd's own thread pool lets whichever worker wakes first
    /// accept, often several at once: 4 clients on 2 workers all landed on
    /// one worker in about one run of eight, halving throughput.)
    private func acceptConnections() {
        while true {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    helios_accept(listener, $0, &length)
                }
            }
            if draining.load(ordering: .acquiring) {
                if client >= 0 { close(client) }
                return
            }
            guard client >= 0 else {
                // Out of descriptors or memory: back off instead of spinning.
                if errno != EINTR && errno != ECONNABORTED && errno != EPROTO { usleep(10_000) }
                continue
            }
            // A worker stuck in one request for over 100 ms (a long query)
            // gets new connections only when every worker is.
            let now = Worker.nanoseconds()
            func load(_ worker: Worker) -> (Int, Int) {
                let since = worker.busySince.load(ordering: .relaxed)
                return (since != 0 && now - since > 100_000_000 ? 1 : 0, worker.connections.load(ordering: .relaxed))
            }
            let worker = workers.min { load($0) < load($1) }!
            worker.connections.wrappingAdd(1, ordering: .relaxed)
            let added: MHD_Result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MHD_add_connection(worker.daemon, client, $0, length) }
            }
            // On failure libmicrohttpd has closed the socket.
            if added != .YES { worker.connections.wrappingSubtract(1, ordering: .relaxed) }
        }
    }

    /// Monotonic seconds.
    static func now() -> Double { Double(Worker.nanoseconds()) / 1e9 }

    private static func fillAddress(_ storage: inout sockaddr_storage, host: String, port: UInt16) throws(HTTPServerError) -> Bool {
        let name = host == "localhost" ? "127.0.0.1" : host
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, name, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &storage) { target in withUnsafeBytes(of: v4) { target.copyMemory(from: $0) } }
            return false
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, name, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &storage) { target in withUnsafeBytes(of: v6) { target.copyMemory(from: $0) } }
            return true
        }
        throw HTTPServerError(message: "--host must be a numeric IPv4 or IPv6 address or localhost, not \"\(host)\"")
    }

    // MARK: Callbacks (run on libmicrohttpd's worker threads)

    /// One libmicrohttpd callback: the first of a request (headers read),
    /// then one per body chunk, then one to answer. The URL and method
    /// become Strings only on the first.
    fileprivate func handle(_ worker: Worker, _ connection: OpaquePointer, url: UnsafePointer<CChar>?, method: UnsafePointer<CChar>?,
                            uploadData: UnsafePointer<CChar>?, uploadSize: UnsafeMutablePointer<Int>,
                            slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> MHD_Result {
        guard let existing = slot.pointee else {
            let path = url.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self) } ?? "/"
            let pending = PendingRequest(method: method.map { String(cString: $0) } ?? "GET", path: path)
            slot.pointee = Unmanaged.passRetained(pending).toOpaque()
            inFlight.withLock { $0 += 1 }
            if let length = header(connection, "Content-Length").flatMap(Int.init) {
                if length > configuration.maxBodyBytes {
                    pending.oversized = true
                    // A client waiting for 100-continue has not sent the body: refuse it now.
                    if header(connection, "Expect")?.lowercased() == "100-continue" { return answer(worker, connection, pending) }
                } else if length > 0 {
                    // One allocation however the body is split; capped, so a
                    // declared length alone cannot claim much memory.
                    pending.body.reserveCapacity(min(length, 1 << 20))
                }
            }
            return .YES
        }
        let pending = Unmanaged<PendingRequest>.fromOpaque(existing).takeUnretainedValue()
        if uploadSize.pointee > 0 {
            let size = uploadSize.pointee
            uploadSize.pointee = 0
            if pending.answered { return .YES }
            pending.received += size
            if pending.received > configuration.maxBodyBytes {
                // Keep reading (and dropping) the body so the client sees the 413
                // instead of a reset; past a hard cap, answer and let the connection close.
                pending.oversized = true
                pending.body = []
                if pending.received > Self.discardCap(configuration.maxBodyBytes) { return answer(worker, connection, pending) }
                return .YES
            }
            uploadData.map { data in
                data.withMemoryRebound(to: UInt8.self, capacity: size) {
                    pending.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: size))
                }
            }
            return .YES
        }
        if pending.answered {
            // Called again after a parked connection is resumed: its answer has come.
            if let response = pending.takeDelivered() { return queue(connection, response) }
            return .YES
        }
        return answer(worker, connection, pending)
    }

    /// How much of an oversized body is read and dropped before giving up on the connection.
    static func discardCap(_ limit: Int) -> Int { max(limit, 1 << 20) * 8 }

    private func answer(_ worker: Worker, _ connection: OpaquePointer, _ pending: PendingRequest) -> MHD_Result {
        pending.answered = true
        let request = makeRequest(connection, pending)
        if pending.oversized {
            pending.body = []
            return queue(connection, tooLarge(request))
        }
        // A request that arrives on a kept connection once a stop has begun
        // is refused before it runs (the client may retry it elsewhere), so
        // the stop never closes a connection between a commit and its answer.
        if draining.load(ordering: .acquiring) { return queue(connection, Self.stoppingAnswer) }
        worker.busySince.store(Worker.nanoseconds(), ordering: .relaxed)
        let answer = handler(request)
        worker.busySince.store(0, ordering: .relaxed)
        switch answer {
        case .now(let response):
            return queue(connection, response)
        case .later(let start):
            // Counted until the request completes (its answer sent), so a stop
            // does not close the connection between resuming and answering.
            let parks = parking.withLock { state in
                if draining.load(ordering: .relaxed) { return false }
                state.parked += 1
                return true
            }
            guard parks else { return queue(connection, answer.wait()) }
            pending.parked = true
            MHD_suspend_connection(connection)
            let parkedConnection = ParkedConnection(connection)
            start { [self] response in
                // libmicrohttpd calls the handler again once resumed (above).
                pending.deliver(response)
                parking.withLock { $0.resuming += 1 }
                MHD_resume_connection(parkedConnection.connection)
                parking.withLock { $0.resuming -= 1 }
            }
            return .YES
        }
    }

    private func makeRequest(_ connection: OpaquePointer, _ pending: PendingRequest) -> HTTPRequest {
        var headers = [String: String](minimumCapacity: 3)  // allocated once, not grown
        if let value = header(connection, "authorization") { headers["authorization"] = value }
        if let value = header(connection, "x-api-key") { headers["x-api-key"] = value }
        if let value = header(connection, "content-type") { headers["content-type"] = value }
        var client = "-"
        if configuration.clientAddresses {
            var address = [CChar](repeating: 0, count: 64)
            helios_mhd_client_address(connection, &address, address.count)
            client = address.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        return HTTPRequest(method: pending.method, path: pending.path, headers: headers,
                           body: pending.body, clientAddress: client, query: queryArguments(connection))
    }

    /// The query string's arguments, decoded (libmicrohttpd passes the path
    /// without the `?…` part, and leaves escapes to us: see shim.h).
    private func queryArguments(_ connection: OpaquePointer) -> [String: String] {
        guard MHD_get_connection_values(connection, MHD_ValueKind.GET_ARGUMENT_KIND, nil, nil) > 0 else { return [:] }
        let collected = QueryArguments()
        _ = MHD_get_connection_values(connection, MHD_ValueKind.GET_ARGUMENT_KIND, { context, _, key, value in
            guard let context, let key else { return .YES }
            let collected = Unmanaged<QueryArguments>.fromOpaque(context).takeUnretainedValue()
            func text(_ c: UnsafePointer<CChar>) -> String {
                HTTPRequest.decodeComponent(Substring(String(decoding: UnsafeRawBufferPointer(start: c, count: strlen(c)), as: UTF8.self)))
            }
            let name = text(key)
            if collected.values[name] == nil { collected.values[name] = value.map(text) ?? "" }
            return .YES
        }, Unmanaged.passUnretained(collected).toOpaque())
        return withExtendedLifetime(collected) { collected.values }
    }

    /// A request header's value (names are static: no C string built per lookup).
    private func header(_ connection: OpaquePointer, _ name: StaticString) -> String? {
        let found = name.utf8Start.withMemoryRebound(to: CChar.self, capacity: name.utf8CodeUnitCount + 1) {
            MHD_lookup_connection_value(connection, MHD_ValueKind.HEADER_KIND, $0)
        }
        guard let found else { return nil }
        return String(validatingCString: found) ?? ""
    }

    /// The answer to requests that arrive while the server stops.
    static let stoppingAnswer = ServiceError(status: 503, category: "Unavailable",
                                       message: "the server is shutting down; retry on a new connection",
                                       code: "57P01").response

    /// Queues the answer; once a stop has begun, with `Connection: close`, so
    /// kept-alive clients send nothing more on this connection.
    private func queue(_ connection: OpaquePointer, _ response: HTTPResponse) -> MHD_Result {
        let body = response.body
        let mhdResponse = body.withUnsafeBytes { bytes in
            MHD_create_response_from_buffer(bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress),
                                            MHD_ResponseMemoryMode.RESPMEM_MUST_COPY)
        }
        guard let mhdResponse else { return .NO }
        // withCString reads a native string's own null-terminated bytes (no copy).
        _ = response.contentType.withCString { MHD_add_response_header(mhdResponse, "Content-Type", $0) }
        for (name, value) in response.headers {
            _ = name.withCString { n in value.withCString { v in MHD_add_response_header(mhdResponse, n, v) } }
        }
        if draining.load(ordering: .acquiring) { _ = MHD_add_response_header(mhdResponse, "Connection", "close") }
        let result = MHD_queue_response(connection, UInt32(response.status), mhdResponse)
        MHD_destroy_response(mhdResponse)
        return result
    }

    fileprivate func completed(_ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) {
        guard let slot, let pointer = slot.pointee else { return }
        let pending = Unmanaged<PendingRequest>.fromOpaque(pointer)
        if pending.takeUnretainedValue().parked { parking.withLock { $0.parked -= 1 } }
        pending.release()
        slot.pointee = nil
        inFlight.withLock { $0 -= 1 }
    }
}

public struct HTTPServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// One request being received.
final class PendingRequest: @unchecked Sendable {
    let method: String
    let path: String
    var body: [UInt8] = []
    var received = 0
    var oversized = false
    var answered = false
    /// Whether the answer came later (the connection was suspended meanwhile).
    var parked = false
    /// A parked request's answer, handed over from the thread that delivers it.
    private let delivered = Locked<HTTPResponse?>(nil)
    init(method: String, path: String) { self.method = method; self.path = path }
    func deliver(_ response: HTTPResponse) { delivered.withLock { $0 = response } }
    func takeDelivered() -> HTTPResponse? { delivered.withLock { $0.take() } }
}

/// A suspended connection, resumed from whichever thread delivers its
/// answer (libmicrohttpd allows resuming from any thread).
private struct ParkedConnection: @unchecked Sendable {
    let connection: OpaquePointer
    init(_ connection: OpaquePointer) { self.connection = connection }
}

/// Query arguments gathered by libmicrohttpd's iterator callback.
private final class QueryArguments {
    var values: [String: String] = [:]
}

private func accessHandler(_ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                           _ url: UnsafePointer<CChar>?, _ method: UnsafePointer<CChar>?,
                           _ version: UnsafePointer<CChar>?, _ uploadData: UnsafePointer<CChar>?,
                           _ uploadSize: UnsafeMutablePointer<Int>?,
                           _ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> MHD_Result {
    guard let context, let connection, let uploadSize, let slot else { return .NO }
    let worker = Unmanaged<Worker>.fromOpaque(context).takeUnretainedValue()
    return worker.server.handle(worker, connection, url: url, method: method, uploadData: uploadData, uploadSize: uploadSize, slot: slot)
}

private func requestCompleted(_ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                              _ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                              _ code: MHD_RequestTerminationCode) {
    guard let context else { return }
    Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue().completed(slot)
}

/// One libmicrohttpd daemon with its epoll thread, and how many
/// connections it serves (counted when handed over, uncounted when closed).
final class Worker: @unchecked Sendable {
    unowned let server: HTTPServer
    var daemon: OpaquePointer?
    let connections = Atomic<Int>(0)
    /// When the request it is running began (monotonic ns), 0 when idle.
    let busySince = Atomic<Int64>(0)
    init(server: HTTPServer) { self.server = server }

    static func nanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

private func connectionNotify(_ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                              _ socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                              _ code: MHD_ConnectionNotificationCode) {
    guard let context, let connection else { return }
    if code == MHD_ConnectionNotificationCode.CONNECTION_NOTIFY_STARTED {
        helios_set_nodelay(helios_mhd_connection_socket(connection))
        return
    }
    Unmanaged<Worker>.fromOpaque(context).takeUnretainedValue().connections.wrappingSubtract(1, ordering: .relaxed)
}

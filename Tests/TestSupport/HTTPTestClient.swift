import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately small HTTP/1.1 client over a raw socket, so tests can send
/// exactly the bytes they mean (garbage, chunked bodies, wrong methods).
public struct HTTPTestClient: Sendable {
    public let port: UInt16

    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
        public var object: [String: Any] { (json as? [String: Any]) ?? [:] }
    }

    public init(port: UInt16) { self.port = port }

    public func send(method: String, path: String, body: [UInt8]? = nil,
                     headers: [String: String] = [:]) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return try raw(Array(head.utf8) + (body ?? []))
    }

    /// POSTs a JSON text (as given, not validated) to `path`.
    public func post(_ path: String, json: String, headers: [String: String] = [:]) throws -> Response {
        try send(method: "POST", path: path, body: Array(json.utf8),
                 headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a })
    }

    /// Runs SQL through /v1/sql with JSON parameters.
    public func sql(_ sql: String, _ params: [Any] = [], extra: [String: Any] = [:]) throws -> Response {
        var object: [String: Any] = ["sql": sql, "params": params]
        for (k, v) in extra { object[k] = v }
        let data = try JSONSerialization.data(withJSONObject: object)
        return try send(method: "POST", path: "/v1/sql", body: Array(data), headers: ["Content-Type": "application/json"])
    }

    /// Sends `bytes` and reads until the server closes the connection.
    public func raw(_ bytes: [UInt8], timeoutSeconds: Int = 30) throws -> Response {
        let fd = try connectSocket(timeoutSeconds: timeoutSeconds)
        defer { close(fd) }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            sent += n
        }
        return try readResponse(fd)
    }

    /// A connected socket with a receive timeout (for tests that speak raw HTTP).
    public func connectSocket(timeoutSeconds: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard ok else { close(fd); throw HeliosProcessError(message: "connect to port \(port) failed") }
        return fd
    }

    /// Everything the peer sends until it closes the connection (or the read times out).
    public static func readUntilClosed(_ fd: Int32) -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return data
    }

    func readResponse(_ fd: Int32) throws -> Response {
        let data = Self.readUntilClosed(fd)
        guard let split = Self.find([13, 10, 13, 10], in: data) else {
            throw HeliosProcessError(message: "no HTTP response (\(data.count) bytes)")
        }
        let head = String(decoding: data[0..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HeliosProcessError(message: "bad status line: \(head[0])")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(data[(split + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = Self.dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [], i = 0
        while let lineEnd = find([13, 10], in: Array(bytes[i...])) {
            let size = Int(String(decoding: bytes[i..<(i + lineEnd)], as: UTF8.self), radix: 16) ?? 0
            if size == 0 { break }
            let start = i + lineEnd + 2
            out.append(contentsOf: bytes[start..<min(bytes.count, start + size)])
            i = start + size + 2
            if i >= bytes.count { break }
        }
        return out
    }
}

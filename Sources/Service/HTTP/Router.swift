/// Routes requests by method and path pattern (`/v1/branches/{branch}/query`).
/// A path that matches a pattern under another method answers 405 with an
/// Allow header; a path that matches nothing answers 404.
public struct Router<Context>: Sendable {
    /// A handler gets the context (the service), the request and the path parameters.
    public typealias Handler = @Sendable (Context, HTTPRequest, [String: String]) -> HTTPResponse

    /// One segment of a pattern: a literal to compare bytewise, or a `{name}`.
    enum Segment: Sendable, Equatable {
        case literal([UInt8])
        case parameter(String)
    }

    struct Route: Sendable {
        var method: String
        var pattern: String
        var segments: [Segment]
        var handler: Handler
    }

    private var routes: [Route] = []
    /// Route indexes by segment count, in the order they were added.
    private var routesBySegmentCount: [Int: [Int]] = [:]

    public init() {}

    public mutating func add(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        let segments = pattern.utf8.split(separator: UInt8(ascii: "/")).map { part -> Segment in
            if part.first == UInt8(ascii: "{") && part.last == UInt8(ascii: "}") {
                return .parameter(String(decoding: part.dropFirst().dropLast(), as: UTF8.self))
            }
            return .literal(Array(part))
        }
        routesBySegmentCount[segments.count, default: []].append(routes.count)
        routes.append(Route(method: method, pattern: pattern, segments: segments, handler: handler))
    }

    public enum Match {
        case found(pattern: String, parameters: [String: String], handler: Handler)
        case methodNotAllowed(pattern: String, allowed: [String])
        case notFound
    }

    public func match(method: String, path: String) -> Match {
        var path = path
        return path.withUTF8 { bytes in
            // The non-empty segments between slashes, as byte ranges.
            var parts: [Range<Int>] = []
            parts.reserveCapacity(8)
            var i = 0
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "/") { i += 1; continue }
                let start = i
                while i < bytes.count && bytes[i] != UInt8(ascii: "/") { i += 1 }
                parts.append(start..<i)
            }
            var allowed: [String] = []
            var allowedPattern = ""
            for index in routesBySegmentCount[parts.count] ?? [] {
                guard let parameters = Self.bind(routes[index].segments, parts, bytes) else { continue }
                let route = routes[index]
                if route.method == method || (method == "HEAD" && route.method == "GET") {
                    return .found(pattern: route.pattern, parameters: parameters, handler: route.handler)
                }
                allowed.append(route.method)
                allowedPattern = route.pattern
            }
            return allowed.isEmpty ? .notFound : .methodNotAllowed(pattern: allowedPattern, allowed: allowed)
        }
    }

    private static func bind(_ pattern: [Segment], _ parts: [Range<Int>], _ bytes: UnsafeBufferPointer<UInt8>) -> [String: String]? {
        guard pattern.count == parts.count else { return nil }
        // Literal segments first: most routes fail there, before any allocation.
        for (segment, part) in zip(pattern, parts) {
            if case .literal(let literal) = segment, !UnsafeBufferPointer(rebasing: bytes[part]).elementsEqual(literal) { return nil }
        }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(pattern, parts) {
            guard case .parameter(let name) = segment else { continue }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[part]), as: UTF8.self)
            guard let decoded = percentDecode(Substring(text)), !decoded.isEmpty else { return nil }
            parameters[name] = decoded
        }
        return parameters
    }

    /// Decodes %XX escapes; nil for malformed escapes or invalid UTF-8.
    static func percentDecode(_ text: Substring) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let b = iterator.next() {
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard let h = iterator.next(), let l = iterator.next(),
                  let hi = hexValue(h), let lo = hexValue(l) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }
}

import Core

/// Request counters and latency histograms by route, rendered in the
/// Prometheus text format. Routes are patterns (`/v1/branches/{branch}/query`),
/// never raw paths, so random URLs cannot grow the label set.
///
/// Each thread counts into its own shard (by `ThreadSlot`), so the HTTP
/// workers never wait on one another here; `render` adds the shards up.
public final class Metrics: Sendable {
    static let buckets: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct RequestKey: Hashable { var route: String; var method: String; var status: Int }

    struct Histogram {
        var counts = [UInt64](repeating: 0, count: Metrics.buckets.count + 1)
        var sum: Double = 0
        var total: UInt64 = 0
    }

    struct State {
        var requests: [RequestKey: UInt64] = [:]
        var latency: [String: Histogram] = [:]
    }

    private static let shardCount = 16
    private let shards = (0..<Metrics.shardCount).map { _ in Locked(State()) }

    public init() {}

    public func record(route: String, method: String, status: Int, seconds: Double) {
        let bucket = Self.buckets.firstIndex { seconds <= $0 } ?? Self.buckets.count
        let method = Self.isKnownMethod(method) ? method : "OTHER"
        func count(_ histogram: inout Histogram) {
            histogram.counts[bucket] += 1
            histogram.sum += seconds
            histogram.total += 1
        }
        shards[ThreadSlot.current % Self.shardCount].withLock { state in
            state.requests[RequestKey(route: route, method: method, status: status), default: 0] += 1
            count(&state.latency[route, default: Histogram()])  // one lookup, updated in place
        }
    }

    /// (A switch compares the short names directly; a set would hash each.)
    private static func isKnownMethod(_ method: String) -> Bool {
        switch method {
        case "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS": true
        default: false
        }
    }

    /// The exposition text; `gauges` are extra name → value lines.
    public func render(inFlight: Int, gauges: [(name: String, help: String, type: String, value: String)]) -> String {
        var snapshot = State()
        for shard in shards {
            let part = shard.withLock { $0 }
            snapshot.requests.merge(part.requests, uniquingKeysWith: +)
            snapshot.latency.merge(part.latency) { a, b in
                Histogram(counts: zip(a.counts, b.counts).map { $0 + $1 }, sum: a.sum + b.sum, total: a.total + b.total)
            }
        }
        var out = "# HELP helios_http_requests_total HTTP requests by route, method and status.\n"
        out += "# TYPE helios_http_requests_total counter\n"
        for (key, count) in snapshot.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "helios_http_requests_total{route=\"\(Self.escape(key.route))\",method=\"\(key.method)\",status=\"\(key.status)\"} \(count)\n"
        }
        out += "# HELP helios_http_request_duration_seconds Time from request received to response queued.\n"
        out += "# TYPE helios_http_request_duration_seconds histogram\n"
        for (route, histogram) in snapshot.latency.sorted(by: { $0.key < $1.key }) {
            var cumulative: UInt64 = 0
            let label = "route=\"\(Self.escape(route))\""
            for (i, bound) in Self.buckets.enumerated() {
                cumulative += histogram.counts[i]
                out += "helios_http_request_duration_seconds_bucket{\(label),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "helios_http_request_duration_seconds_bucket{\(label),le=\"+Inf\"} \(histogram.total)\n"
            out += "helios_http_request_duration_seconds_sum{\(label)} \(histogram.sum)\n"
            out += "helios_http_request_duration_seconds_count{\(label)} \(histogram.total)\n"
        }
        out += "# HELP helios_http_requests_in_flight Requests being received or handled.\n"
        out += "# TYPE helios_http_requests_in_flight gauge\nhelios_http_requests_in_flight \(inFlight)\n"
        for gauge in gauges {
            out += "# HELP \(gauge.name) \(gauge.help)\n# TYPE \(gauge.name) \(gauge.type)\n\(gauge.name) \(gauge.value)\n"
        }
        return out
    }

    static func escape(_ label: String) -> String {
        label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

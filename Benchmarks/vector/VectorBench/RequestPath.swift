import Foundation
import Service
import Vector

/// `--mode request`: what a search request costs above the graph search,
/// without sockets. A `HeliosService` (in memory, no access log) gets a
/// store loaded through its own upsert handler, in the shapes
/// `service_bench.py` sends; each query body is then passed to
/// `HeliosService.handle`, on one thread and on two, beside the graph
/// search alone on a graph built in this process with the same options.
/// The 2-thread ratio is the ceiling of the HTTP acceptance ratio: the
/// sockets, the kernel and libmicrohttpd only lower it.
extension BenchRunner {
    func runRequestPath(base: NumpyArray, rows: Int, queries: [[Float]], ef: Int) throws {
        let service = HeliosService(configuration: .init(accessLog: false), openAPISpec: nil)
        let index = "{\"m\":\(m),\"ef_construction\":\(efConstruction),\"ef_search\":\(ef)}"
        try send(service, "POST", "/v1/vectors/stores",
                 "{\"name\":\"bench\",\"dimensions\":\(base.columns),\"metric\":\"\(metric.rawValue)\",\"index\":\(index)}")
        let started = Date()
        for first in stride(from: 0, to: rows, by: 500) {
            let items = (first..<min(rows, first + 500)).map { i in
                "{\"id\":\"v\(i)\",\"values\":\(Self.jsonArray(base.row(i))),\"metadata\":{\"row\":\(i)}}"
            }
            try send(service, "POST", "/v1/vectors/stores/bench/upsert", "{\"vectors\":[\(items.joined(separator: ","))]}")
        }
        let loadSeconds = Date().timeIntervalSince(started)
        FileHandle.standardError.write(Data("loaded \(rows) vectors in \(loadSeconds) s\n".utf8))
        let bodies = queries.map { Array("{\"vector\": \(Self.jsonArray($0)), \"top_k\": 10}".utf8) }
        let requests = bodies.map { HTTPRequest(method: "POST", path: "/v1/vectors/stores/bench/search", body: $0) }
        for request in requests.prefix(50) { _ = service.handle(request) }
        let passes = self.passes
        var t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<passes {
            for request in requests where service.handle(request).status != 200 { throw BenchError("search failed") }
        }
        let perRequest = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e3 / Double(passes * requests.count)
        t0 = DispatchTime.now().uptimeNanoseconds
        // Each thread starts half-way along the other's sequence, as clients
        // asking different things would.
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for _ in 0..<passes {
                for i in requests.indices { _ = service.handle(requests[(i + thread * requests.count / 2) % requests.count]) }
            }
        }
        let requestQPS2 = Double(2 * passes * requests.count) / (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)

        let vectors = (0..<rows).map { base.row($0) }
        let graph = HNSWGraph(dimensions: base.columns, metric: metric,
                              parameters: HNSWParameters(m: m, efConstruction: efConstruction))
        graph.build(vectors, threads: threads)
        t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<passes { for q in queries { _ = graph.search(q, k: 10, ef: ef) } }
        let perSearch = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e3 / Double(passes * queries.count)
        t0 = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<passes { for q in queries { _ = graph.search(q, k: 10, ef: ef) } }
        }
        let graphQPS2 = Double(2 * passes * queries.count) / (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        report(["mode": "request", "n": rows, "ef": ef, "load_s": loadSeconds,
                "request_us": perRequest, "graph_search_us": perSearch, "request_path_us": perRequest - perSearch,
                "request_qps_2_threads": requestQPS2, "graph_qps_2_threads": graphQPS2,
                "ratio_2_threads": requestQPS2 / graphQPS2])
    }

    private func send(_ service: HeliosService, _ method: String, _ path: String, _ body: String) throws {
        let response = service.handle(HTTPRequest(method: method, path: path, body: Array(body.utf8)))
        guard (200..<300).contains(response.status) else {
            throw BenchError("\(method) \(path): \(response.status) \(response.bodyText.prefix(300))")
        }
    }

    /// The numbers as Python's `json.dumps([float(x) for x in v])` writes them.
    static func jsonArray(_ v: [Float]) -> String {
        "[" + v.map { Double($0).description }.joined(separator: ", ") + "]"
    }
}

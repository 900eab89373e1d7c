import Foundation
import Synchronization
import Vector

/// Parses the command line and runs the sweeps; prints one JSON object per
/// configuration and sweep point (run.sh collects them).
final class BenchRunner {
    var dataset = "minilm"
    var dataDirectory = "../shared/bench/vector/data"
    var metric = VectorMetric.l2
    var m = 16
    var efConstruction = 200
    var efs = [16, 32, 64, 128, 256, 512]
    var threads = 2
    var queries = 500
    var quantization = "none"
    var subquantizers = [48]
    var rerank = [4]
    var filterPercent: Int?
    /// Also measure aggregate QPS with this many query threads (0 = skip).
    var queryThreads = 2
    /// "graph" (the sweeps) or "request" (the service's request path, RequestPath.swift).
    var mode = "graph"
    /// Use only the first rows of the base set.
    var limit: Int?
    /// The multi-thread QPS runs this long (seconds; 0: one pass over the queries per thread).
    var parallelSeconds = 0.0
    /// Passes over the queries of each thread in the request mode's 2-thread run.
    var passes = 1

    static let usage = """
        usage: vector-bench [options]
          --dataset NAME          minilm | synth (default minilm)
          --data DIR              directory of NAME_base.npy, NAME_query.npy, NAME_gt_*.npy
          --metric l2|cosine|inner_product (default l2)
          --m N --ef-construction N
          --ef LIST               ef_search sweep, comma separated
          --threads N             build threads (default 2)
          --queries N             queries used (default 500)
          --query-threads N       also measure QPS with N query threads (0 skips; default 2)
          --seconds S             run the multi-thread QPS for S seconds (default: one pass)
          --quantization none|product|scalar  --pq-m LIST  --rerank LIST
          --filter-percent P      filtered search matching P% of rows
          --mode graph|request    the index alone, or the service's request path
          --limit N               use the first N base rows
          --passes N              request mode: passes over the queries per thread
        """

    init(arguments: [String]) throws {
        var i = 0
        func next() throws -> String {
            i += 1
            guard i < arguments.count else { throw BenchError("missing value after \(arguments[i - 1])") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--dataset": dataset = try next()
            case "--data": dataDirectory = try next()
            case "--metric":
                let name = try next()
                guard let named = VectorMetric(rawValue: name) else { throw BenchError("unknown metric \(name)") }
                metric = named
            case "--m": m = Int(try next()) ?? 16
            case "--ef-construction": efConstruction = Int(try next()) ?? 200
            case "--ef": efs = try next().split(separator: ",").compactMap { Int($0) }
            case "--threads": threads = Int(try next()) ?? 2
            case "--queries": queries = Int(try next()) ?? 500
            case "--quantization": quantization = try next()
            case "--pq-m": subquantizers = try next().split(separator: ",").compactMap { Int($0) }
            case "--rerank": rerank = try next().split(separator: ",").compactMap { Int($0) }
            case "--filter-percent": filterPercent = Int(try next())
            case "--query-threads": queryThreads = Int(try next()) ?? 2
            case "--mode": mode = try next()
            case "--limit": limit = Int(try next())
            case "--passes": passes = Int(try next()) ?? 1
            case "--seconds":
                guard let seconds = Double(try next()), seconds >= 0 else { throw BenchError("--seconds takes a number of seconds") }
                parallelSeconds = seconds
            default: throw BenchError("unknown argument \(arguments[i])")
            }
            i += 1
        }
    }

    func run() throws {
        let base = try NumpyArray(path: "\(dataDirectory)/\(dataset)_base.npy")
        let query = try NumpyArray(path: "\(dataDirectory)/\(dataset)_query.npy")
        let truth = try NumpyArray(path: "\(dataDirectory)/\(dataset)_gt_\(metric == .cosine ? "cos" : "l2").npy")
        let rows = min(limit ?? base.rows, base.rows)
        let queryCount = min(queries, query.rows)
        let queryVectors = (0..<queryCount).map { query.row($0) }
        if mode == "request" {
            try runRequestPath(base: base, rows: rows, queries: queryVectors, ef: efs.first ?? 40)
            return
        }
        let vectors = (0..<rows).map { base.row($0) }
        let expected = (0..<queryCount).map { Set(truth.integerRow($0).prefix(10)) }

        let parameters = HNSWParameters(m: m, efConstruction: efConstruction)
        var configs: [(name: String, compression: VectorCompression, rerank: [Int?])] = []
        switch quantization {
        case "none": configs = [("HNSW M=\(m) efC=\(efConstruction) f32", .none, [nil])]
        case "scalar": configs = [("HNSW M=\(m) efC=\(efConstruction) sq8", VectorCompression(quantization: .scalar), rerank.map { $0 == 0 ? nil : $0 })]
        default:
            for pqM in subquantizers {
                configs.append(("HNSW M=\(m) efC=\(efConstruction) PQ m=\(pqM)x8b",
                                VectorCompression(quantization: .product, subquantizers: pqM, centroids: 256),
                                rerank.map { $0 == 0 ? nil : $0 }))
            }
        }
        for config in configs {
            let rssBefore = rssMegabytes()
            let graph = HNSWGraph(dimensions: base.columns, metric: metric, parameters: parameters, compression: config.compression)
            // A quantized graph re-ranks from the caller's stored vectors (a table's rows in the server).
            graph.fullVector = { vectors[Int($0)] }
            let started = Date()
            graph.build(vectors, threads: threads)
            let buildSeconds = Date().timeIntervalSince(started)
            report(["config": config.name, "build_s": buildSeconds, "kernels": Distances.kernelName,
                    "index_bytes_per_vector": Double(graph.memoryBytes) / Double(vectors.count),
                    "n": vectors.count, "d": base.columns, "rss_mb": rssMegabytes(), "rss_delta_mb": rssMegabytes() - rssBefore])
            if let percent = filterPercent {
                try filtered(graph, config.name, percent: percent, queries: queryVectors)
                continue
            }
            for depth in config.rerank {
                for ef in efs {
                    var latencies: [Double] = []
                    var hits = 0
                    var examined = 0
                    for _ in 0..<2 {
                        latencies.removeAll()
                        hits = 0
                        examined = 0
                        for (i, q) in queryVectors.enumerated() {
                            let t0 = DispatchTime.now().uptimeNanoseconds
                            let (found, stats) = graph.search(q, k: 10, ef: ef, rerankDepth: depth.map { $0 * 10 })
                            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                            examined += stats.candidatesExamined
                            hits += found.filter { expected[i].contains(Int($0.node)) }.count
                        }
                    }
                    latencies.sort()
                    let mean = latencies.reduce(0, +) / Double(latencies.count)
                    var fields: [String: Any] = ["config": config.name, "ef": ef,
                        "recall": Double(hits) / Double(10 * queryCount), "examined": examined / queryCount, "qps": 1000 / mean,
                        "p50_ms": latencies[latencies.count / 2], "p99_ms": latencies[Int(Double(latencies.count) * 0.99)]]
                    if let depth { fields["rerank"] = "k*\(depth)" }
                    if queryThreads > 1 {
                        fields["qps_\(queryThreads)_threads"] = parallelQPS(graph, queryVectors, ef: ef, rerankDepth: depth.map { $0 * 10 })
                    }
                    report(fields)
                }
            }
        }
    }

    /// A filter accepting `percent`% of the nodes: the graph search (which
    /// widens until it holds ef accepted nodes) against exact filtered search.
    func filtered(_ graph: HNSWGraph, _ name: String, percent: Int, queries: [[Float]]) throws {
        let accept: (UInt32) -> Bool = { Int($0) % 100 < percent }
        for ef in efs {
            var hits = 0, short = 0, examined = 0
            var latencies: [Double] = []
            for q in queries {
                let exact = Set(graph.exhaustiveSearch(q, k: 10, accept: accept).neighbors.map(\.node))
                let t0 = DispatchTime.now().uptimeNanoseconds
                let (found, stats) = graph.search(q, k: 10, ef: ef, accept: accept)
                latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                examined += stats.candidatesExamined
                if found.count < 10 { short += 1 }
                hits += found.filter { exact.contains($0.node) }.count
            }
            var exactLatencies: [Double] = []
            for q in queries {
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = graph.exhaustiveSearch(q, k: 10, accept: accept)
                exactLatencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            latencies.sort(); exactLatencies.sort()
            report(["config": name, "filter_percent": percent, "ef": ef, "recall": Double(hits) / Double(10 * queries.count),
                    "queries_short_of_10": short, "examined": examined / queries.count,
                    "qps": 1000 / (latencies.reduce(0, +) / Double(latencies.count)),
                    "exact_filtered_qps": 1000 / (exactLatencies.reduce(0, +) / Double(exactLatencies.count)),
                    "p99_ms": latencies[Int(Double(latencies.count) * 0.99)]])
        }
    }

    /// Aggregate QPS of `queryThreads` threads each running every query,
    /// pass after pass until `parallelSeconds` have gone by (one pass when 0).
    func parallelQPS(_ graph: HNSWGraph, _ queries: [[Float]], ef: Int, rerankDepth: Int?) -> Double {
        let started = DispatchTime.now().uptimeNanoseconds
        let deadline = started + UInt64(parallelSeconds * 1e9)
        let passes = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: queryThreads) { _ in
            var done = 0
            repeat {
                for q in queries { _ = graph.search(q, k: 10, ef: ef, rerankDepth: rerankDepth) }
                done += 1
            } while DispatchTime.now().uptimeNanoseconds < deadline
            passes.withLock { $0 += done }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return Double(queries.count * passes.withLock { $0 }) / seconds
    }

    func report(_ fields: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        FileHandle.standardOutput.write(data + Data("\n".utf8))

    }

    func rssMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}

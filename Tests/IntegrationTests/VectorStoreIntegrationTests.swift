import Foundation
import TestSupport
import XCTest

/// The /v1/vectors/stores endpoints through the real heliosd binary: the
/// lifecycle with searches checked against a brute-force oracle, filters
/// and include flags, ids that need percent-encoding, branches and as_of
/// (body fields and query parameters), malformed requests that answer 4xx
/// and write nothing while the server keeps serving, and stores surviving
/// a clean restart (checkpoint) and a SIGKILL (log replay).
final class VectorStoreIntegrationTests: XCTestCase {
    typealias Response = HTTPTestClient.Response

    func post(_ client: HTTPTestClient, _ path: String, _ object: Any) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object)
        return try client.post(path, json: String(decoding: data, as: UTF8.self))
    }

    func get(_ client: HTTPTestClient, _ path: String) throws -> Response { try client.send(method: "GET", path: path) }

    func ids(_ r: Response) -> [String] { (r.object["results"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? [] }

    func doubles(_ value: Any?) -> [Double]? { (value as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } }

    func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    func currentSCN(_ client: HTTPTestClient) throws -> Int {
        let r = try client.sql("SELECT current_scn() AS s")
        return ((r.object["results"] as? [[String: Any]])?.first?["rows"] as? [[String: Any]])?.first?["s"] as? Int ?? -1
    }

    func upsert(_ client: HTTPTestClient, _ store: String, _ items: ArraySlice<(id: String, values: [Double])>,
                metadata: (String) -> [String: Any]? = { _ in nil }, file: StaticString = #filePath, line: UInt = #line) throws {
        let vectors: [[String: Any]] = items.map { item in
            var v: [String: Any] = ["id": item.id, "values": item.values]
            if let m = metadata(item.id) { v["metadata"] = m }
            return v
        }
        let r = try post(client, "/v1/vectors/stores/\(store)/upsert", ["vectors": vectors])
        XCTAssertEqual(r.status, 200, r.text, file: file, line: line)
        XCTAssertEqual(r.object["upserted"] as? Int, items.count, file: file, line: line)
    }

    /// Searches and compares ids, distances and scores with the oracle.
    func assertSearch(_ client: HTTPTestClient, _ store: String, _ query: [Double], k: Int, metric: VectorOracle.Metric,
                      stored: [(id: String, values: [Double])], extra: [String: Any] = [:],
                      keep: (String) -> Bool = { _ in true }, file: StaticString = #filePath, line: UInt = #line) throws {
        var body: [String: Any] = ["vector": query, "top_k": k, "ef_search": 400]
        for (key, value) in extra { body[key] = value }
        let r = try post(client, "/v1/vectors/stores/\(store)/search", body)
        XCTAssertEqual(r.status, 200, r.text, file: file, line: line)
        let expected = VectorOracle.nearest(query, in: stored, k: k, metric: metric, keep: keep)
        XCTAssertEqual(ids(r), expected.map(\.id), "\(store) \(metric)", file: file, line: line)
        let results = r.object["results"] as? [[String: Any]] ?? []
        for (hit, want) in zip(results, expected) {
            XCTAssertEqual(number(hit["distance"]) ?? .nan, want.distance, accuracy: 1e-5, file: file, line: line)
            XCTAssertEqual(number(hit["score"]) ?? .nan, VectorOracle.score(want.distance, metric), accuracy: 1e-5, file: file, line: line)
        }
    }

    func assertError(_ r: Response, _ status: Int, _ fragment: String? = nil, _ label: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, "\(label): \(r.text)", file: file, line: line)
        XCTAssertNotNil(r.object["error"] as? String, label, file: file, line: line)
        XCTAssertEqual((r.object["code"] as? String)?.count, 5, label, file: file, line: line)
        let message = r.object["message"] as? String ?? ""
        XCTAssertFalse(message.isEmpty, label, file: file, line: line)
        if let fragment { XCTAssertTrue(message.contains(fragment), "\(label): \(message)", file: file, line: line) }
    }

    func testLifecycleSearchAndMalformedInputOverHTTP() throws {
        let server = try HeliosProcess(arguments: ["--no-access-log"])
        defer { server.stop() }
        let client = server.client()
        let stored = VectorOracle.vectors(count: 120, dimensions: 6, seed: 11).enumerated().map { (id: "v\($0.offset)", values: $0.element) }
        let queries = VectorOracle.vectors(count: 4, dimensions: 6, seed: 12)
        let metadata = { (id: String) -> [String: Any]? in
            let i = Int(id.dropFirst())!
            return ["row": i, "group": i % 4]
        }

        for (name, metric) in [("emb_l2", VectorOracle.Metric.l2), ("emb_cos", .cosine)] {
            let r = try post(client, "/v1/vectors/stores", ["name": name, "dimensions": 6, "metric": metric.rawValue,
                                                            "index": ["m": 8, "ef_construction": 40]])
            XCTAssertEqual(r.status, 201, r.text)
            XCTAssertEqual(r.object["name"] as? String, name)
            XCTAssertEqual(r.object["dimensions"] as? Int, 6)
            XCTAssertEqual(r.object["metric"] as? String, metric.rawValue)
            XCTAssertEqual((r.object["index"] as? [String: Any])?["m"] as? Int, 8)
            XCTAssertEqual(r.object["count"] as? Int, 0)
            XCTAssertEqual(r.object["branch"] as? String, "main")
            for start in stride(from: 0, to: stored.count, by: 50) {
                try upsert(client, name, stored[start..<min(stored.count, start + 50)], metadata: metadata)
            }
            XCTAssertEqual(try get(client, "/v1/vectors/stores/\(name)").object["count"] as? Int, 120)
            for query in queries {
                try assertSearch(client, name, query, k: 10, metric: metric, stored: stored)
                try assertSearch(client, name, query, k: 5, metric: metric, stored: stored, extra: ["filter": ["group": 2]],
                                 keep: { Int($0.dropFirst())! % 4 == 2 })
            }
        }
        let list = try get(client, "/v1/vectors/stores")
        XCTAssertEqual((list.object["stores"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["emb_cos", "emb_l2"])
        XCTAssertEqual(list.object["total"] as? Int, 2)

        // Include flags, and a vector by id.
        var r = try post(client, "/v1/vectors/stores/emb_l2/search",
                         ["vector": stored[7].values, "top_k": 1, "include_values": true, "include_metadata": false])
        let hit = (r.object["results"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(Set(hit.keys), ["id", "distance", "score", "values"])
        XCTAssertEqual(hit["id"] as? String, "v7")
        XCTAssertEqual(doubles(hit["values"])?.map { Float($0) }, stored[7].values.map { Float($0) })
        XCTAssertEqual(r.object["strategy"] as? String != nil, true)
        XCTAssertNotNil(r.object["query_time_ms"] as? NSNumber)
        r = try get(client, "/v1/vectors/stores/emb_l2/vectors/v7")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(doubles(r.object["values"])?.map { Float($0) }, stored[7].values.map { Float($0) })
        XCTAssertEqual((r.object["metadata"] as? [String: Any])?["row"] as? Int, 7)
        XCTAssertEqual((r.object["metadata"] as? [String: Any])?["group"] as? Int, 3)

        // Ids needing percent-encoding in the path.
        try upsert(client, "emb_l2", [(id: "doc/1 é%+", values: [1, 2, 3, 4, 5, 6])][...])
        r = try get(client, "/v1/vectors/stores/emb_l2/vectors/doc%2F1%20%C3%A9%25+")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["id"] as? String, "doc/1 é%+")

        // Delete by id.
        r = try post(client, "/v1/vectors/stores/emb_l2/delete", ["ids": ["v0", "v1", "doc/1 é%+", "missing"]])
        XCTAssertEqual(r.object["deleted"] as? Int, 3, r.text)
        XCTAssertEqual(try get(client, "/v1/vectors/stores/emb_l2/vectors/v0").status, 404)
        try assertSearch(client, "emb_l2", queries[0], k: 10, metric: .l2, stored: Array(stored.dropFirst(2)))

        try malformedRequests(client)

        // Drop.
        r = try client.send(method: "DELETE", path: "/v1/vectors/stores/emb_cos")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["dropped"] as? Bool, true)
        assertError(try get(client, "/v1/vectors/stores/emb_cos"), 404, "emb_cos", "dropped store")
        assertError(try post(client, "/v1/vectors/stores/emb_cos/search", ["vector": queries[0]]), 404, nil, "search a dropped store")
    }

    /// Each answers 4xx with the error shape; nothing changes; the server keeps serving.
    func malformedRequests(_ client: HTTPTestClient) throws {
        let scn = try currentSCN(client)
        let count = try get(client, "/v1/vectors/stores/emb_l2").object["count"] as? Int
        let raw: [(String, String, String, Int, String?)] = [
            ("POST", "/v1/vectors/stores", "{\"name\":", 400, "malformed JSON"),
            ("POST", "/v1/vectors/stores", "not json", 400, "malformed JSON"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":"six"}"#, 400, "dimensions"),
            ("POST", "/v1/vectors/stores", #"{"name":"emb_l2","dimensions":6}"#, 409, "already exists"),
            ("POST", "/v1/vectors/stores/emb_l2/upsert", #"{"vectors":[{"id":"n1","values":[1,2,3,4,5,6]},{"id":"n2","values":[1,2,3]}]}"#, 400, "Vector dimension mismatch"),
            ("POST", "/v1/vectors/stores/emb_l2/upsert", #"{"vectors":[{"id":"n1","values":[1,2,3,4,5,1e39]}]}"#, 400, "values[5]"),
            ("POST", "/v1/vectors/stores/emb_l2/upsert", #"{"vectors":[{"id":"n1","values":[1,2,3,4,5,1e999]}]}"#, 400, "malformed JSON"),
            ("POST", "/v1/vectors/stores/emb_l2/upsert", #"{"vectors":[{"id":"n1","values":[1,2,3,4,5,6],"metadata":7}]}"#, 400, "metadata"),
            ("POST", "/v1/vectors/stores/emb_l2/upsert", #"{"vectors":[{"id":null,"values":[1,2,3,4,5,6]}]}"#, 400, "id"),
            ("POST", "/v1/vectors/stores/emb_l2/upsert", #"{"vectors":[{"id":"n1","values":[1,2,3,4,5,6]}],"as_of":5}"#, 400, "as_of"),
            ("POST", "/v1/vectors/stores/emb_l2/upsert", #"{"vectors":[{"id":"n1","values":[1,2,3,4,5,6]}],"branch":"ghost"}"#, 404, "ghost"),
            ("POST", "/v1/vectors/stores/ghost/upsert", #"{"vectors":[]}"#, 404, "ghost"),
            ("POST", "/v1/vectors/stores/emb_l2/search", #"{"vector":[1,2,3]}"#, 400, "Vector dimension mismatch"),
            ("POST", "/v1/vectors/stores/emb_l2/search", #"{"vector":[1,2,3,4,5,6],"top_k":0}"#, 400, "top_k"),
            ("POST", "/v1/vectors/stores/emb_l2/search", #"{"vector":[1,2,3,4,5,6],"top_k":"ten"}"#, 400, "top_k"),
            ("POST", "/v1/vectors/stores/emb_l2/search", #"{"vector":[1,2,3,4,5,6],"filter":"group=2"}"#, 400, "filter"),
            ("POST", "/v1/vectors/stores/emb_l2/search", #"{"vector":[1,2,3,4,5,6],"include_values":1}"#, 400, "include_values"),
            ("POST", "/v1/vectors/stores/emb_l2/search", #"{"top_k":3}"#, 400, "vector"),
            ("POST", "/v1/vectors/stores/emb_l2/delete", #"{"ids":"v3"}"#, 400, "ids"),
            ("GET", "/v1/vectors/stores/emb_l2?as_of=yesterday", "", 400, "as_of"),
            ("GET", "/v1/vectors/stores/emb_l2?branch=ghost", "", 404, "ghost"),
            ("GET", "/v1/vectors/stores/emb_l2/vectors/nope", "", 404, "nope"),
            ("DELETE", "/v1/vectors/stores/emb_l2?as_of=1", "", 400, "as_of"),
            ("DELETE", "/v1/vectors/stores/ghost", "", 404, "ghost"),
            ("PUT", "/v1/vectors/stores/emb_l2", "{}", 405, nil),
            ("GET", "/v1/vectors/stores/emb_l2/search", "", 405, nil),
            ("DELETE", "/v1/vectors/stores/emb_l2/vectors/v3", "", 405, nil),
        ]
        for (method, path, body, status, fragment) in raw {
            let r = try client.send(method: method, path: path, body: body.isEmpty && method != "POST" ? nil : Array(body.utf8),
                                    headers: ["Content-Type": "application/json"])
            assertError(r, status, fragment, "\(method) \(path) \(body)")
            if status == 405 { XCTAssertNotNil(r.headers["allow"], path) }
            XCTAssertEqual(try client.send(method: "GET", path: "/health").status, 200, "still serving after \(path)")
        }
        XCTAssertEqual(try currentSCN(client), scn, "nothing was committed")
        XCTAssertEqual(try get(client, "/v1/vectors/stores/emb_l2").object["count"] as? Int, count)
        XCTAssertEqual(try get(client, "/v1/vectors/stores/emb_l2/vectors/n1").status, 404)
        XCTAssertEqual(try get(client, "/v1/vectors/stores/x").status, 404)
    }

    func testBranchesAndAsOfOverHTTP() throws {
        let server = try HeliosProcess(arguments: ["--no-access-log"])
        defer { server.stop() }
        let client = server.client()
        XCTAssertEqual(try post(client, "/v1/vectors/stores", ["name": "kb", "dimensions": 2, "metric": "l2"]).status, 201)
        try upsert(client, "kb", [(id: "a", values: [0, 0]), (id: "b", values: [1, 0])][...])
        let before = try currentSCN(client)

        // A branch: its writes stay on it.
        XCTAssertEqual(try post(client, "/v1/branches", ["name": "exp"]).status, 201)
        var r = try post(client, "/v1/vectors/stores/kb/upsert",
                         ["vectors": [["id": "c", "values": [0.1, 0]], ["id": "a", "values": [5, 5]]], "branch": "exp"])
        XCTAssertEqual(r.object["upserted"] as? Int, 2, r.text)
        XCTAssertEqual(ids(try post(client, "/v1/vectors/stores/kb/search", ["vector": [0, 0]])), ["a", "b"])
        XCTAssertEqual(ids(try post(client, "/v1/vectors/stores/kb/search", ["vector": [0, 0], "branch": "exp"])), ["c", "b", "a"])
        XCTAssertEqual(try get(client, "/v1/vectors/stores/kb").object["count"] as? Int, 2)
        XCTAssertEqual(try get(client, "/v1/vectors/stores/kb?branch=exp").object["count"] as? Int, 3)
        XCTAssertEqual(doubles(try get(client, "/v1/vectors/stores/kb/vectors/a?branch=exp").object["values"]), [5, 5])
        XCTAssertEqual(doubles(try get(client, "/v1/vectors/stores/kb/vectors/a").object["values"]), [0, 0])
        XCTAssertEqual(try get(client, "/v1/vectors/stores/kb/vectors/c").status, 404)

        // Main moves on; as_of reads the past (body field and query parameter).
        try upsert(client, "kb", [(id: "d", values: [0.05, 0]), (id: "b", values: [9, 9])][...])
        XCTAssertEqual(ids(try post(client, "/v1/vectors/stores/kb/search", ["vector": [0, 0]])), ["a", "d", "b"])
        r = try post(client, "/v1/vectors/stores/kb/search", ["vector": [0, 0], "as_of": ["type": "scn", "value": before]])
        XCTAssertEqual(ids(r), ["a", "b"], r.text)
        XCTAssertEqual(number((r.object["results"] as? [[String: Any]])?.last?["distance"]) ?? 0, 1, accuracy: 1e-9)
        XCTAssertEqual(ids(try post(client, "/v1/vectors/stores/kb/search", ["vector": [0, 0], "as_of": before])), ["a", "b"])
        XCTAssertEqual(doubles(try get(client, "/v1/vectors/stores/kb/vectors/b?as_of=\(before)").object["values"]), [1, 0])
        XCTAssertEqual(try get(client, "/v1/vectors/stores/kb/vectors/d?as_of=scn:\(before)").status, 404)
        XCTAssertEqual(try get(client, "/v1/vectors/stores/kb?as_of=\(before)").object["count"] as? Int, 2)
        XCTAssertEqual(try get(client, "/v1/vectors/stores/kb?branch=main&as_of=now").object["count"] as? Int, 3)
        // A timestamp in the query string (encoded space), far in the future: not found.
        assertError(try get(client, "/v1/vectors/stores/kb?as_of=2999-01-01%2000:00:00"), 400, "not found", "future timestamp")
        // Writes refuse as_of; nothing is written.
        assertError(try post(client, "/v1/vectors/stores/kb/delete", ["ids": ["a"], "as_of": before]), 400, "as_of", "delete as_of")
        XCTAssertEqual(try get(client, "/v1/vectors/stores/kb").object["count"] as? Int, 3)

        // Dropping the store on the branch leaves main's.
        XCTAssertEqual(try client.send(method: "DELETE", path: "/v1/vectors/stores/kb?branch=exp").status, 200)
        XCTAssertEqual(try get(client, "/v1/vectors/stores/kb?branch=exp").status, 404)
        XCTAssertEqual(try get(client, "/v1/vectors/stores/kb").status, 200)
    }

    func testStoresSurviveRestarts() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helios-vstore-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
        var client = server.client()
        let stored = VectorOracle.vectors(count: 300, dimensions: 16, seed: 5).enumerated().map { (id: "v\($0.offset)", values: $0.element) }
        let queries = VectorOracle.vectors(count: 3, dimensions: 16, seed: 6)
        XCTAssertEqual(try post(client, "/v1/vectors/stores", ["name": "keep", "dimensions": 16, "metric": "cosine"]).status, 201)
        XCTAssertEqual(try post(client, "/v1/vectors/stores",
                                ["name": "keep_pq", "dimensions": 16, "metric": "l2",
                                 "index": ["quantization": "product", "pq_subquantizers": 4, "pq_centroids": 16]]).status, 201)
        for start in stride(from: 0, to: stored.count, by: 100) {
            try upsert(client, "keep", stored[start..<(start + 100)], metadata: { ["row": Int($0.dropFirst())!] })
            try upsert(client, "keep_pq", stored[start..<(start + 100)])
        }
        func searches() throws -> [[String]] {
            try queries.map { try ids(post(client, "/v1/vectors/stores/keep/search", ["vector": $0, "top_k": 10, "ef_search": 400])) }
        }
        let answers = try searches()
        for query in queries { try assertSearch(client, "keep", query, k: 10, metric: .cosine, stored: stored) }

        // A clean stop checkpoints (graphs included); the restart loads them.
        XCTAssertEqual(server.stop(keepData: true), 0)
        server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
        client = server.client()
        var r = try get(client, "/v1/vectors/stores/keep")
        XCTAssertEqual(r.object["count"] as? Int, 300, r.text)
        XCTAssertEqual(r.object["metric"] as? String, "cosine")
        r = try get(client, "/v1/vectors/stores/keep_pq")
        XCTAssertEqual(r.object["count"] as? Int, 300, r.text)
        XCTAssertEqual((r.object["index"] as? [String: Any])?["quantization"] as? String, "product")
        XCTAssertEqual((r.object["index"] as? [String: Any])?["pq_subquantizers"] as? Int, 4)
        XCTAssertEqual(try searches(), answers, "the same answers after the restart")
        for query in queries { try assertSearch(client, "keep", query, k: 10, metric: .cosine, stored: stored) }
        r = try post(client, "/v1/vectors/stores/keep_pq/search", ["vector": stored[42].values, "top_k": 3])
        XCTAssertEqual(ids(r).first, "v42", r.text)
        r = try get(client, "/v1/vectors/stores/keep/vectors/v9")
        XCTAssertEqual((r.object["metadata"] as? [String: Any])?["row"] as? Int, 9)

        // Written after the restart, then SIGKILL: replayed from the log.
        try upsert(client, "keep", [(id: "late", values: stored[0].values.map { -$0 })][...])
        XCTAssertEqual(try post(client, "/v1/vectors/stores/keep/delete", ["ids": ["v1"]]).object["deleted"] as? Int, 1)
        server.stop(signal: SIGKILL, keepData: true)
        server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
        defer { server.stop() }
        client = server.client()
        XCTAssertEqual(try get(client, "/v1/vectors/stores/keep").object["count"] as? Int, 300)
        r = try post(client, "/v1/vectors/stores/keep/search", ["vector": stored[0].values.map { -$0 }, "top_k": 1])
        XCTAssertEqual(ids(r), ["late"], r.text)
        XCTAssertEqual(try get(client, "/v1/vectors/stores/keep/vectors/v1").status, 404)
        let now = stored.filter { $0.id != "v1" } + [(id: "late", values: stored[0].values.map { -$0 })]
        for query in queries { try assertSearch(client, "keep", query, k: 10, metric: .cosine, stored: now) }
    }
}

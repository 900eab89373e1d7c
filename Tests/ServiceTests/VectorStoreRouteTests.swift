import Core
import Engine
import Foundation
import JSON
@testable import Service
import TestSupport
import XCTest

/// The /v1/vectors/stores endpoints in process (no sockets): the JSON
/// shapes, searches against a brute-force oracle, filters and include
/// flags, branches and as_of, and malformed input that must answer 4xx
/// with the error shape and write nothing.
final class VectorStoreRouteTests: XCTestCase {
    func service() -> HeliosService {
        HeliosService(configuration: .init(accessLog: false), openAPISpec: Array("openapi: 3.0.3".utf8))
    }

    @discardableResult
    func call(_ s: HeliosService, _ method: String, _ path: String, _ body: String? = nil) -> (status: Int, json: JSONValue) {
        let r = s.handle(HTTPRequest(method: method, path: path, body: Array((body ?? "").utf8)))
        return (r.status, (try? JSONValue.parse(r.body)) ?? .null)
    }

    func number(_ v: JSONValue?) -> Double? {
        switch v {
        case .integer(let i)?: Double(i)
        case .double(let d)?: d
        default: nil
        }
    }

    func keys(_ v: JSONValue?) -> [String] {
        guard case .object(let members)? = v else { return [] }
        return members.map(\.0)
    }

    func ids(_ v: JSONValue) -> [String] { v["results"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [] }

    func currentSCN(_ s: HeliosService) -> Int64 {
        let json = call(s, "POST", "/v1/sql", #"{"sql":"SELECT current_scn() AS s"}"#).json
        return json["results"]?.arrayValue?.first?["rows"]?.arrayValue?.first?["s"]?.intValue ?? -1
    }

    func count(_ s: HeliosService, _ store: String, query: String = "") -> Int64? {
        call(s, "GET", "/v1/vectors/stores/\(store)\(query)").json["count"]?.intValue
    }

    /// `{"vectors":[{"id","values","metadata"?}, …]}` plus `extra` members.
    func upsertBody(_ items: [(id: String, values: [Double])], metadata: (Int) -> String? = { _ in nil },
                    extra: String = "") -> String {
        let vectors = items.enumerated().map { i, item in
            let values = item.values.map { "\($0)" }.joined(separator: ",")
            let meta = metadata(i).map { ",\"metadata\":\($0)" } ?? ""
            return "{\"id\":\(JSONValue.string(item.id).jsonText),\"values\":[\(values)]\(meta)}"
        }
        return "{\"vectors\":[\(vectors.joined(separator: ","))]\(extra)}"
    }

    func vectorText(_ v: [Double]) -> String { "[" + v.map { "\($0)" }.joined(separator: ",") + "]" }

    /// A zero distance (an exact match, a zero inner product) is written
    /// 0.0, with a score of 0.0: never a negative zero.
    func testZeroDistancesHaveNoNegativeZero() {
        let s = service()
        for (metric, query) in [("l2", "[1,2,3]"), ("inner_product", "[0,0,0]")] {
            XCTAssertEqual(call(s, "POST", "/v1/vectors/stores", #"{"name":"z\#(metric)","dimensions":3,"metric":"\#(metric)"}"#).status, 201)
            XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/z\(metric)/upsert", #"{"vectors":[{"id":"a","values":[1,2,3]}]}"#).status, 200)
            let r = s.handle(HTTPRequest(method: "POST", path: "/v1/vectors/stores/z\(metric)/search",
                                         body: Array(#"{"vector":\#(query),"top_k":1}"#.utf8)))
            let text = String(decoding: r.body, as: UTF8.self)
            XCTAssertTrue(text.contains(#""distance":0.0,"score":0.0"#), text)
        }
    }

    // MARK: Lifecycle

    func testLifecycleAndShapes() throws {
        let s = service()
        let created = call(s, "POST", "/v1/vectors/stores",
                           #"{"name":"docs","dimensions":3,"metric":"l2","index":{"m":8,"ef_construction":"32","ef_search":50}}"#)
        XCTAssertEqual(created.status, 201, created.json.jsonText)
        let expected: JSONValue = .object([
            ("name", .string("docs")), ("dimensions", .integer(3)), ("metric", .string("l2")),
            ("index", .object([("m", .integer(8)), ("ef_construction", .integer(32)), ("ef_search", .integer(50)),
                               ("quantization", .string("none")), ("pq_subquantizers", .null), ("pq_centroids", .null),
                               ("rerank_depth", .null)])),
            ("count", .integer(0)), ("branch", .string("main")),
        ])
        XCTAssertEqual(created.json, expected)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs").json, expected)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores").json, .object([("stores", .array([expected])), ("total", .integer(1))]))

        var r = call(s, "POST", "/v1/vectors/stores/docs/upsert",
                     #"{"vectors":[{"id":"a","values":[1,0.5,-2],"metadata":{"tag":"x","n":1}},{"id":"b","values":[0,1,0]},{"id":"c","values":[0,0,1],"metadata":null}]}"#)
        XCTAssertEqual(r.status, 200, r.json.jsonText)
        XCTAssertEqual(r.json, .object([("upserted", .integer(3))]))
        XCTAssertEqual(count(s, "docs"), 3)
        r = call(s, "GET", "/v1/vectors/stores/docs/vectors/a")
        XCTAssertEqual(r.json, .object([("id", .string("a")), ("values", .array([.integer(1), .double(0.5), .integer(-2)])),
                                        ("metadata", .object([("n", .integer(1)), ("tag", .string("x"))]))]))
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs/vectors/b").json["metadata"], .null)

        r = call(s, "POST", "/v1/vectors/stores/docs/search", #"{"vector":[0,0.9,0],"top_k":2}"#)
        XCTAssertEqual(r.status, 200, r.json.jsonText)
        XCTAssertEqual(keys(r.json), ["results", "query_time_ms", "strategy", "reranked", "candidates_examined",
                                      "filter_exhausted", "ef_search"])
        XCTAssertEqual(ids(r.json), ["b", "c"])
        XCTAssertEqual(keys(r.json["results"]?.arrayValue?.first), ["id", "distance", "score", "metadata"])
        XCTAssertEqual(number(r.json["results"]?.arrayValue?.first?["distance"]) ?? -1, 0.1, accuracy: 1e-6)
        XCTAssertEqual(number(r.json["results"]?.arrayValue?.first?["score"]) ?? 1, -0.1, accuracy: 1e-6)
        XCTAssertTrue(["index", "exact"].contains(r.json["strategy"]?.stringValue ?? ""))
        XCTAssertNotNil(number(r.json["query_time_ms"]))
        XCTAssertNotNil(r.json["candidates_examined"]?.intValue)

        // Replacing keeps the count; deleting counts only ids that existed.
        r = call(s, "POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"a","values":[7,7,7]}]}"#)
        XCTAssertEqual(r.json, .object([("upserted", .integer(1))]))
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs/vectors/a").json["values"],
                       .array([.integer(7), .integer(7), .integer(7)]))
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs/vectors/a").json["metadata"], .null, "an upsert replaces metadata too")
        XCTAssertEqual(count(s, "docs"), 3)
        r = call(s, "POST", "/v1/vectors/stores/docs/delete", #"{"ids":["a","zz"]}"#)
        XCTAssertEqual(r.json, .object([("deleted", .integer(1))]))
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs/vectors/a").status, 404)
        XCTAssertEqual(count(s, "docs"), 2)
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/docs/delete", #"{"ids":[]}"#).json, .object([("deleted", .integer(0))]))

        r = call(s, "DELETE", "/v1/vectors/stores/docs")
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.json["name"], .string("docs"))
        XCTAssertEqual(r.json["dropped"], .bool(true))
        r = call(s, "GET", "/v1/vectors/stores/docs")
        XCTAssertEqual(r.status, 404)
        XCTAssertEqual(r.json["code"], .string("42P01"))
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores").json["total"], .integer(0))
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3]}"#).status, 404)
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[]}"#).status, 404)
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/docs/delete", #"{"ids":["b"]}"#).status, 404)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs/vectors/b").status, 404)
        XCTAssertEqual(call(s, "DELETE", "/v1/vectors/stores/docs").status, 404)
        // The name is free again.
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores", #"{"name":"docs","dimensions":2}"#).status, 201)
    }

    func testQuantizedStoreOptionsAndDefaults() {
        let s = service()
        var r = call(s, "POST", "/v1/vectors/stores",
                     #"{"name":"pq","dimensions":16,"index":{"quantization":"pq","pq_subquantizers":4,"pq_centroids":"16","rerank_depth":20}}"#)
        XCTAssertEqual(r.status, 201, r.json.jsonText)
        XCTAssertEqual(r.json["metric"], .string("cosine"), "cosine by default")
        XCTAssertEqual(r.json["index"], .object([("m", .integer(16)), ("ef_construction", .integer(64)), ("ef_search", .integer(40)),
                                                 ("quantization", .string("product")), ("pq_subquantizers", .integer(4)),
                                                 ("pq_centroids", .integer(16)), ("rerank_depth", .integer(20))]))
        r = call(s, "POST", "/v1/vectors/stores", #"{"name":"ip","dimensions":4,"metric":"inner_product","index":null}"#)
        XCTAssertEqual(r.json["metric"], .string("inner_product"))
        XCTAssertEqual(r.json["index"]?["quantization"], .string("none"))
        // The store is a table: SQL sees it, and its index.
        let sql = call(s, "POST", "/v1/sql", #"{"sql":"SELECT indexname FROM pg_indexes WHERE tablename = 'pq' ORDER BY indexname"}"#)
        XCTAssertTrue(sql.json.jsonText.contains("pq_embedding_idx"), sql.json.jsonText)
    }

    /// `quantization: "auto"` is decided at creation for the store's
    /// dimensions, and the description says what was decided; an
    /// untrained quantized index scans exactly and reports ef_search 0.
    func testAutoQuantizationIsReportedAsDecided() {
        let s = service()
        var r = call(s, "POST", "/v1/vectors/stores", #"{"name":"small","dimensions":32,"metric":"l2","index":{"quantization":"auto"}}"#)
        XCTAssertEqual(r.json["index"]?["quantization"], .string("none"), r.json.jsonText)
        r = call(s, "POST", "/v1/vectors/stores", #"{"name":"wide","dimensions":128,"metric":"l2","index":{"quantization":"auto"}}"#)
        XCTAssertEqual(r.json["index"]?["quantization"], .string("product"), r.json.jsonText)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/wide").json["index"]?["quantization"], .string("product"))
        let stats = call(s, "POST", "/v1/sql", #"{"sql":"SELECT quantization FROM pg_vector_index_stats('small_embedding_idx')"}"#)
        XCTAssertTrue(stats.json.jsonText.contains(#""quantization":"none""#), stats.json.jsonText)
        let items = (0..<20).map { i in (id: "v\(i)", values: (0..<128).map { Double(($0 * 7 + i) % 13) }) }
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/wide/upsert", upsertBody(items)).status, 200)
        r = call(s, "POST", "/v1/vectors/stores/wide/search", "{\"vector\":\(items[3].values),\"top_k\":3}")
        XCTAssertEqual(r.json["strategy"], .string("exact"), r.json.jsonText)
        XCTAssertEqual(r.json["ef_search"], .integer(0))
        XCTAssertEqual(ids(r.json).first, "v3")
    }

    /// Ids and metadata keys are told apart by their bytes, as PostgreSQL's
    /// text and jsonb do: "é" (U+00E9) and "e" + U+0301 are two ids, two keys.
    func testCanonicallyEquivalentIdsAndKeysStayDistinct() {
        let s = service()
        call(s, "POST", "/v1/vectors/stores", #"{"name":"u","dimensions":2,"metric":"l2"}"#)
        var r = call(s, "POST", "/v1/vectors/stores/u/upsert",
                     #"{"vectors":[{"id":"\u00e9","values":[1,0],"metadata":{"\u00e9":1,"e\u0301":2}},{"id":"e\u0301","values":[0,1]}]}"#)
        XCTAssertEqual(r.json["upserted"], .integer(2), r.json.jsonText)
        XCTAssertEqual(count(s, "u"), 2)
        r = call(s, "GET", "/v1/vectors/stores/u/vectors/%C3%A9")
        XCTAssertEqual(r.status, 200, r.json.jsonText)
        XCTAssertEqual(r.json["values"], .array([.integer(1), .integer(0)]))
        guard case .object(let members)? = r.json["metadata"] else { return XCTFail(r.json.jsonText) }
        XCTAssertEqual(members.count, 2, r.json.jsonText)
        r = call(s, "GET", "/v1/vectors/stores/u/vectors/e%CC%81")
        XCTAssertEqual(r.json["values"], .array([.integer(0), .integer(1)]), r.json.jsonText)
    }

    /// A branch named both in the body and in the query string must be the same one.
    func testConflictingBranchNamesAreRefused() {
        let s = service()
        call(s, "POST", "/v1/vectors/stores", #"{"name":"b","dimensions":2,"metric":"l2"}"#)
        call(s, "POST", "/v1/branches", #"{"name":"dev"}"#)
        var r = call(s, "POST", "/v1/vectors/stores/b/upsert?branch=dev", #"{"branch":"main","vectors":[{"id":"x","values":[1,2]}]}"#)
        XCTAssertEqual(r.status, 400, r.json.jsonText)
        XCTAssertEqual(count(s, "b"), 0)
        r = call(s, "POST", "/v1/vectors/stores/b/upsert?branch=dev", #"{"branch":"dev","vectors":[{"id":"x","values":[1,2]}]}"#)
        XCTAssertEqual(r.status, 200, r.json.jsonText)
        XCTAssertEqual(count(s, "b", query: "?branch=dev"), 1)
        // The same for as_of: two different points are refused, the same one written twice is fine.
        r = call(s, "POST", "/v1/vectors/stores/b/search?branch=dev&as_of=1", #"{"vector":[1,2],"as_of":"now"}"#)
        XCTAssertEqual(r.status, 400, r.json.jsonText)
        XCTAssertTrue(r.json["message"]?.stringValue?.contains("as_of") ?? false, r.json.jsonText)
        r = call(s, "POST", "/v1/vectors/stores/b/search?branch=dev&as_of=now", #"{"vector":[1,2],"as_of":"now"}"#)
        XCTAssertEqual(r.status, 200, r.json.jsonText)
    }

    /// Cosine distances of vectors whose float4 sums overflow or underflow
    /// are the SQL operator's (pgvector's: clamped similarity, NaN for a
    /// norm that underflows), on the index path and the exact one alike.
    func testCosineDistancesAgreeWithSQLAtTheFloat4Extremes() {
        let s = service()
        call(s, "POST", "/v1/vectors/stores", #"{"name":"x","dimensions":2}"#)
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/x/upsert",
                            #"{"vectors":[{"id":"p","values":[2e19,0]},{"id":"q","values":[0,1e-25]},{"id":"r","values":[1,0]}]}"#).status, 200)
        let r = call(s, "POST", "/v1/vectors/stores/x/search", #"{"vector":[0,1],"top_k":3}"#)
        let sql = call(s, "POST", "/v1/sql", #"{"sql":"SELECT id, embedding <=> '[0,1]' AS d FROM x ORDER BY id"}"#)
        let expected = Dictionary(uniqueKeysWithValues: (sql.json["results"]?.arrayValue?.first?["rows"]?.arrayValue ?? []).compactMap { row in
            row["id"]?.stringValue.map { ($0, row["d"]?.jsonText ?? "") }
        })
        XCTAssertEqual(expected.count, 3, sql.json.jsonText)
        for hit in r.json["results"]?.arrayValue ?? [] {
            let id = hit["id"]?.stringValue ?? ""
            XCTAssertEqual(hit["distance"]?.jsonText, expected[id], id)
        }
        XCTAssertFalse(r.json.jsonText.contains("Infinity"), r.json.jsonText)
    }

    func testDuplicateIdsKeepTheLastAndEmptyUpsert() {
        let s = service()
        call(s, "POST", "/v1/vectors/stores", #"{"name":"d","dimensions":2,"metric":"l2"}"#)
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/d/upsert", #"{"vectors":[]}"#).json, .object([("upserted", .integer(0))]))
        let r = call(s, "POST", "/v1/vectors/stores/d/upsert",
                     #"{"vectors":[{"id":"x","values":[1,1]},{"id":"y","values":[2,2]},{"id":"x","values":[3,3],"metadata":{"v":2}}]}"#)
        XCTAssertEqual(r.status, 200, r.json.jsonText)
        XCTAssertEqual(r.json["upserted"], .integer(2))
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/d/vectors/x").json,
                       .object([("id", .string("x")), ("values", .array([.integer(3), .integer(3)])), ("metadata", .object([("v", .integer(2))]))]))
        XCTAssertEqual(count(s, "d"), 2)
        // Ids are any non-empty text; path segments are percent-decoded once.
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/d/upsert", #"{"vectors":[{"id":"doc/1 é%","values":[0,1]}]}"#).status, 200)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/d/vectors/doc%2F1%20%C3%A9%25").json["id"], .string("doc/1 é%"))
    }

    // MARK: Search against brute force

    func testSearchMatchesBruteForceForEveryMetric() throws {
        let s = service()
        let data = VectorOracle.vectors(count: 80, dimensions: 8, seed: 7)
        let stored = data.enumerated().map { (id: "v\($0.offset)", values: $0.element) }
        let queries = VectorOracle.vectors(count: 6, dimensions: 8, seed: 99)
        for metric in VectorOracle.Metric.allCases {
            let name = "m_\(metric.rawValue)"
            XCTAssertEqual(call(s, "POST", "/v1/vectors/stores", #"{"name":"\#(name)","dimensions":8,"metric":"\#(metric.rawValue)"}"#).status, 201)
            for start in stride(from: 0, to: stored.count, by: 25) {
                let r = call(s, "POST", "/v1/vectors/stores/\(name)/upsert", upsertBody(Array(stored[start..<min(stored.count, start + 25)])))
                XCTAssertEqual(r.status, 200, r.json.jsonText)
            }
            XCTAssertEqual(count(s, name), 80)
            for (q, query) in queries.enumerated() {
                for k in [1, 10, 100] {
                    let r = call(s, "POST", "/v1/vectors/stores/\(name)/search",
                                 #"{"vector":\#(vectorText(query)),"top_k":\#(k),"ef_search":200}"#)
                    XCTAssertEqual(r.status, 200, r.json.jsonText)
                    let expected = VectorOracle.nearest(query, in: stored, k: k, metric: metric)
                    let results = r.json["results"]?.arrayValue ?? []
                    XCTAssertEqual(ids(r.json), expected.map(\.id), "\(metric) query \(q) top \(k)")
                    for (hit, want) in zip(results, expected) {
                        let distance = try XCTUnwrap(number(hit["distance"]))
                        let score = try XCTUnwrap(number(hit["score"]))
                        XCTAssertEqual(distance, want.distance, accuracy: 1e-5, "\(metric) \(want.id)")
                        XCTAssertEqual(score, VectorOracle.score(want.distance, metric), accuracy: 1e-5)
                        switch metric {
                        case .cosine: XCTAssertEqual(score, 1 - distance, accuracy: 1e-12)
                        case .l2, .innerProduct: XCTAssertEqual(score, -distance)
                        }
                    }
                    let distances = results.compactMap { number($0["distance"]) }
                    XCTAssertEqual(distances, distances.sorted(), "nearest first")
                }
            }
        }
    }

    func testFilterAndIncludeFlags() throws {
        let s = service()
        let data = VectorOracle.vectors(count: 40, dimensions: 4, seed: 3)
        let stored = data.enumerated().map { (id: "v\($0.offset)", values: $0.element) }
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores", #"{"name":"f","dimensions":4}"#).status, 201)
        let body = upsertBody(stored) { i in #"{"category":"\#(i % 2 == 0 ? "a" : "b")","n":\#(i % 3),"row":\#(i)}"# }
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/f/upsert", body).json["upserted"], .integer(40))
        let query = [0.3, -0.2, 0.5, 0.1]

        // Metadata equality on several keys: rows 4, 10, 16, 22, 28, 34.
        var r = call(s, "POST", "/v1/vectors/stores/f/search",
                     #"{"vector":\#(vectorText(query)),"top_k":5,"filter":{"category":"a","n":1},"include_values":true}"#)
        XCTAssertEqual(r.status, 200, r.json.jsonText)
        let keep = { (id: String) in let i = Int(id.dropFirst())!; return i % 2 == 0 && i % 3 == 1 }
        let expected = VectorOracle.nearest(query, in: stored, k: 5, metric: .cosine, keep: keep)
        XCTAssertEqual(ids(r.json), expected.map(\.id))
        for hit in r.json["results"]?.arrayValue ?? [] {
            XCTAssertEqual(keys(hit), ["id", "distance", "score", "metadata", "values"])
            XCTAssertEqual(hit["metadata"]?["category"], .string("a"))
            XCTAssertEqual(hit["metadata"]?["n"], .integer(1))
            let row = Int(hit["metadata"]?["row"]?.intValue ?? -1)
            XCTAssertEqual("v\(row)", hit["id"]?.stringValue)
            let values = hit["values"]?.arrayValue?.compactMap(number).map { Float($0) }
            XCTAssertEqual(values, data[row].map { Float($0) }, "values come back as stored (float4)")
        }
        // All six matches with a large k; a filter matching nothing; an empty filter matches all.
        r = call(s, "POST", "/v1/vectors/stores/f/search", #"{"vector":\#(vectorText(query)),"top_k":50,"filter":{"category":"a","n":1}}"#)
        XCTAssertEqual(Set(ids(r.json)), ["v4", "v10", "v16", "v22", "v28", "v34"])
        r = call(s, "POST", "/v1/vectors/stores/f/search", #"{"vector":\#(vectorText(query)),"filter":{"category":"zzz"}}"#)
        XCTAssertEqual(r.json["results"], .array([]))
        r = call(s, "POST", "/v1/vectors/stores/f/search", #"{"vector":\#(vectorText(query)),"top_k":40,"filter":{},"ef_search":100}"#)
        XCTAssertEqual(ids(r.json), VectorOracle.nearest(query, in: stored, k: 40, metric: .cosine).map(\.id))

        // Another API's operators are refused, not read as containment (which would match nothing).
        for filter in [#"{"n":{"$gt":0}}"#, #"{"$and":[{"n":1}]}"#, #"{"tags":[{"$in":["a"]}]}"#] {
            r = call(s, "POST", "/v1/vectors/stores/f/search", #"{"vector":\#(vectorText(query)),"filter":\#(filter)}"#)
            XCTAssertEqual(r.status, 400, filter)
            XCTAssertTrue(r.json["message"]?.stringValue?.contains("filter operator") ?? false, r.json.jsonText)
        }
        r = call(s, "POST", "/v1/vectors/stores/f/search", #"{"vector":\#(vectorText(query)),"top_k":3,"include_metadata":false}"#)
        XCTAssertEqual(r.json["results"]?.arrayValue?.map { keys($0) }, Array(repeating: ["id", "distance", "score"], count: 3))
        r = call(s, "POST", "/v1/vectors/stores/f/search",
                 #"{"vector":\#(vectorText(query)),"top_k":2,"include_metadata":true,"include_values":false}"#)
        XCTAssertEqual(r.json["results"]?.arrayValue?.map { keys($0) }, Array(repeating: ["id", "distance", "score", "metadata"], count: 2))
    }

    // MARK: Branches and time travel

    func testBranchIsolationAndAsOf() throws {
        let s = service()
        XCTAssertEqual(call(s, "POST", "/v1/sql", #"{"sql":"CREATE TABLE other (id INT PRIMARY KEY)"}"#).status, 200)
        let noStore = currentSCN(s)
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores", #"{"name":"docs","dimensions":2,"metric":"l2"}"#).status, 201)
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/docs/upsert",
                            #"{"vectors":[{"id":"a","values":[0,0]},{"id":"b","values":[1,0]}]}"#).status, 200)
        let before = currentSCN(s)
        XCTAssertGreaterThan(before, 0)

        XCTAssertEqual(call(s, "POST", "/v1/branches", #"{"name":"dev"}"#).status, 201)
        // A branch with no writes of its own searches the parent's graph, and
        // says so (top_k 2: with fewer rows than top_k a layer is scanned).
        var r = call(s, "POST", "/v1/vectors/stores/docs/search", #"{"vector":[0,0],"branch":"dev","top_k":2}"#)
        XCTAssertEqual(ids(r.json), ["a", "b"])
        XCTAssertEqual(r.json["strategy"], .string("index"), r.json.jsonText)
        r = call(s, "POST", "/v1/vectors/stores/docs/upsert",
                 #"{"vectors":[{"id":"c","values":[0.1,0]},{"id":"a","values":[5,5]}],"branch":"dev"}"#)
        XCTAssertEqual(r.json["upserted"], .integer(2), r.json.jsonText)
        r = call(s, "POST", "/v1/vectors/stores/docs/search", #"{"vector":[0,0]}"#)
        XCTAssertEqual(ids(r.json), ["a", "b"], "main is unaffected")
        r = call(s, "POST", "/v1/vectors/stores/docs/search", #"{"vector":[0,0],"branch":"dev"}"#)
        XCTAssertEqual(ids(r.json), ["c", "b", "a"])
        XCTAssertEqual(number(r.json["results"]?.arrayValue?.last?["distance"]) ?? 0, 50.0.squareRoot(), accuracy: 1e-6)
        r = call(s, "POST", "/v1/vectors/stores/docs/search", #"{"vector":[0,0],"branch":"dev","top_k":1}"#)
        XCTAssertEqual(ids(r.json), ["c"])
        XCTAssertEqual(r.json["strategy"], .string("index"), "own rows and inherited ones both through graphs: \(r.json.jsonText)")
        r = call(s, "POST", "/v1/vectors/stores/docs/search?branch=dev", #"{"vector":[0,0]}"#)
        XCTAssertEqual(ids(r.json), ["c", "b", "a"], "branch as a query parameter on POST too")
        XCTAssertEqual(count(s, "docs"), 2)
        XCTAssertEqual(count(s, "docs", query: "?branch=dev"), 3)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs?branch=dev").json["branch"], .string("dev"))
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs/vectors/a?branch=dev").json["values"], .array([.integer(5), .integer(5)]))
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs/vectors/a").json["values"], .array([.integer(0), .integer(0)]))
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs/vectors/c").status, 404)
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/docs/delete", #"{"ids":["b"],"branch":"dev"}"#).json["deleted"], .integer(1))
        XCTAssertEqual(count(s, "docs", query: "?branch=dev"), 2, "a deletion on the branch hides the parent's row")
        XCTAssertEqual(count(s, "docs"), 2)
        XCTAssertEqual(ids(call(s, "POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,0],"branch":"dev"}"#).json), ["c", "a"])

        // A store created on the branch exists only there.
        r = call(s, "POST", "/v1/vectors/stores", #"{"name":"devonly","dimensions":2,"branch":"dev"}"#)
        XCTAssertEqual(r.status, 201)
        XCTAssertEqual(r.json["branch"], .string("dev"))
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/devonly").status, 404)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/devonly?branch=dev").status, 200)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores").json["total"], .integer(1))
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores?branch=dev").json["total"], .integer(2))
        XCTAssertEqual(call(s, "DELETE", "/v1/vectors/stores/devonly").status, 404)
        XCTAssertEqual(call(s, "DELETE", "/v1/vectors/stores/devonly?branch=dev").status, 200)
        // DELETE with a JSON body: its branch counts (not main's store), a bad body is a 400.
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores", #"{"name":"devonly","dimensions":2,"branch":"dev"}"#).status, 201)
        XCTAssertEqual(call(s, "DELETE", "/v1/vectors/stores/devonly", "{\"branch\":").status, 400)
        XCTAssertEqual(call(s, "DELETE", "/v1/vectors/stores/docs", #"{"branch":"dev","as_of":1}"#).status, 400)
        r = call(s, "DELETE", "/v1/vectors/stores/devonly", #" {"branch":"dev"} "#)
        XCTAssertEqual(r.json["branch"], .string("dev"), r.json.jsonText)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/devonly?branch=dev").status, 404)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs").status, 200, "main's store untouched")

        // Time travel on main: a new vector and a moved one, then read the past.
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/docs/upsert",
                            #"{"vectors":[{"id":"d","values":[0.05,0]},{"id":"b","values":[9,9],"metadata":{"v":2}}]}"#).status, 200)
        XCTAssertEqual(ids(call(s, "POST", "/v1/vectors/stores/docs/search", #"{"vector":[0,0]}"#).json), ["a", "d", "b"])
        for asOf in ["\(before)", #"{"type":"scn","value":\#(before)}"#, #""\#(before)""#, #""scn:\#(before)""#] {
            r = call(s, "POST", "/v1/vectors/stores/docs/search", #"{"vector":[0,0],"as_of":\#(asOf)}"#)
            XCTAssertEqual(r.status, 200, r.json.jsonText)
            XCTAssertEqual(ids(r.json), ["a", "b"], "as_of \(asOf)")
            XCTAssertEqual(number(r.json["results"]?.arrayValue?.last?["distance"]) ?? 0, 1, accuracy: 1e-9)
        }
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs/vectors/b?as_of=\(before)").json,
                       .object([("id", .string("b")), ("values", .array([.integer(1), .integer(0)])), ("metadata", .null)]))
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs/vectors/d?as_of=\(before)").status, 404)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs/vectors/d?as_of=now").status, 200)
        XCTAssertEqual(count(s, "docs", query: "?as_of=\(before)"), 2)
        XCTAssertEqual(count(s, "docs"), 3)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores?as_of=\(before)").json["stores"]?.arrayValue?.first?["count"], .integer(2))
        // The branch forked at `before` plus its own writes: as_of on the branch.
        XCTAssertEqual(ids(call(s, "POST", "/v1/vectors/stores/docs/search", #"{"vector":[0,0],"branch":"dev","as_of":\#(before)}"#).json),
                       ["a", "b"], "the branch read as of the fork point")
        // Before the store existed, it is not found.
        r = call(s, "POST", "/v1/vectors/stores/docs/search", #"{"vector":[0,0],"as_of":\#(noStore)}"#)
        XCTAssertEqual(r.status, 404, r.json.jsonText)
        XCTAssertEqual(call(s, "GET", "/v1/vectors/stores?as_of=\(noStore)").json["total"], .integer(0))
    }

    // MARK: Malformed input

    func testMalformedInputAnswers4xxAndWritesNothing() throws {
        let s = service()
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores", #"{"name":"docs","dimensions":3,"metric":"l2"}"#).status, 201)
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/docs/upsert",
                            #"{"vectors":[{"id":"a","values":[1,2,3],"metadata":{"k":1}},{"id":"b","values":[3,2,1]}]}"#).status, 200)
        let snapshot = [call(s, "GET", "/v1/vectors/stores").json, call(s, "GET", "/v1/vectors/stores/docs/vectors/a").json,
                        call(s, "GET", "/v1/vectors/stores/docs/vectors/b").json]
        let scn = currentSCN(s)
        let good = #"{"id":"x1","values":[1,1,1]}"#
        let cases: [(String, String, String?, Int, String?)] = [
            // Create
            ("POST", "/v1/vectors/stores", "{", 400, "malformed JSON"),
            ("POST", "/v1/vectors/stores", "", 400, nil),
            ("POST", "/v1/vectors/stores", "[]", 400, "JSON object"),
            ("POST", "/v1/vectors/stores", #"{"dimensions":3}"#, 400, "name"),
            ("POST", "/v1/vectors/stores", #"{"name":5,"dimensions":3}"#, 400, "name"),
            ("POST", "/v1/vectors/stores", #"{"name":"x"}"#, 400, "dimensions"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":"3"}"#, 400, "dimensions"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":0}"#, 400, "dimensions"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":16001}"#, 400, "dimensions"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":2.5}"#, 400, "dimensions"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":1e39}"#, 400, "dimensions"),
            ("POST", "/v1/vectors/stores", #"{"name":"x y","dimensions":3}"#, 400, "name"),
            ("POST", "/v1/vectors/stores", #"{"name":"x\"; DROP TABLE docs; --","dimensions":3}"#, 400, "name"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"metric":"manhattan"}"#, 400, "metric"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"metric":1}"#, 400, "metric"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"index":[]}"#, 400, "index"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"index":{"m":1}}"#, 400, "m"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"index":{"m":true}}"#, 400, "m"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"index":{"nope":1}}"#, 400, "nope"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"index":{"m":16,"ef_construction":8}}"#, 400, "ef_construction"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"index":{"quantization":"zip"}}"#, 400, "quantization"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"index":{"quantization":"product","pq_subquantizers":2}}"#, 400, "divide"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"index":{"operator_class":"vector_l2_ops"}}"#, 400, "metric"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"as_of":1}"#, 400, "as_of"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"branch":"nope"}"#, 404, "branch"),
            ("POST", "/v1/vectors/stores", #"{"name":"x","dimensions":3,"branch":""}"#, 400, "branch"),
            ("POST", "/v1/vectors/stores", #"{"name":"docs","dimensions":3}"#, 409, "already exists"),
            // Upsert
            ("POST", "/v1/vectors/stores/docs/upsert", "{", 400, nil),
            ("POST", "/v1/vectors/stores/docs/upsert", "{}", 400, "vectors"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":{}}"#, 400, "vectors"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[1]}"#, 400, "vectors[0]"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"values":[1,2,3]}]}"#, 400, "id"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"","values":[1,2,3]}]}"#, 400, "id"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":7,"values":[1,2,3]}]}"#, 400, "id"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x"}]}"#, 400, "values"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":"1,2,3"}]}"#, 400, "values"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":[1,2]}]}"#, 400, "Vector dimension mismatch"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":[1,2,3,4]}]}"#, 400, "Vector dimension mismatch"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":[]}]}"#, 400, "Vector dimension mismatch"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":[1,2,1e39]}]}"#, 400, "values[2]"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":[1,2,-1e39]}]}"#, 400, "values[2]"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":[1,2,1e400]}]}"#, 400, "malformed JSON"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":[1,2,NaN]}]}"#, 400, "malformed JSON"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":[1,2,"3"]}]}"#, 400, "values[2]"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":[1,2,null]}]}"#, 400, "values[2]"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":[1,2,3],"metadata":"m"}]}"#, 400, "metadata"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":[1,2,3],"metadata":[1]}]}"#, 400, "metadata"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[{"id":"x","values":[1,2,3],"metadata":{"s":"\u0000"}}]}"#, 400, "metadata"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[\#(good),{"id":"x2","values":[1,2]},{"id":"x3","values":[1,2,3]}]}"#, 400, "Vector dimension mismatch"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[\#(good),5]}"#, 400, "vectors[1]"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[\#(good)],"as_of":{"type":"now"}}"#, 400, "as_of"),
            ("POST", "/v1/vectors/stores/docs/upsert?as_of=1", #"{"vectors":[\#(good)]}"#, 400, "as_of"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[\#(good)],"branch":"nope"}"#, 404, "branch"),
            ("POST", "/v1/vectors/stores/docs/upsert", #"{"vectors":[\#(good)],"branch":7}"#, 400, "branch"),
            ("POST", "/v1/vectors/stores/nope/upsert", #"{"vectors":[\#(good)]}"#, 404, "nope"),
            // Search
            ("POST", "/v1/vectors/stores/docs/search", "{", 400, nil),
            ("POST", "/v1/vectors/stores/docs/search", "{}", 400, "vector"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":"1,2,3"}"#, 400, "vector"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2]}"#, 400, "Vector dimension mismatch"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,1e39]}"#, 400, "vector[2]"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,true]}"#, 400, "vector[2]"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"top_k":0}"#, 400, "top_k"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"top_k":10001}"#, 400, "top_k"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"top_k":-1}"#, 400, "top_k"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"top_k":"5"}"#, 400, "top_k"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"top_k":2.5}"#, 400, "top_k"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"top_k":1e30}"#, 400, "top_k"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"ef_search":0}"#, 400, "ef_search"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"ef_search":10001}"#, 400, "ef_search"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"ef_search":"x"}"#, 400, "ef_search"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"filter":"a"}"#, 400, "filter"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"filter":[1]}"#, 400, "filter"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"include_values":"yes"}"#, 400, "include_values"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"include_metadata":0}"#, 400, "include_metadata"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"as_of":"banana"}"#, 400, "as_of"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"as_of":-1}"#, 400, "as_of"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"as_of":{"type":"bogus"}}"#, 400, "as_of"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"as_of":{"type":"scn","value":999999}}"#, 400, "not found"),
            ("POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3],"branch":"nope"}"#, 404, "branch"),
            ("POST", "/v1/vectors/stores/nope/search", #"{"vector":[1,2,3]}"#, 404, "nope"),
            // Delete
            ("POST", "/v1/vectors/stores/docs/delete", "{}", 400, "ids"),
            ("POST", "/v1/vectors/stores/docs/delete", #"{"ids":"a"}"#, 400, "ids"),
            ("POST", "/v1/vectors/stores/docs/delete", #"{"ids":[1]}"#, 400, "ids[0]"),
            ("POST", "/v1/vectors/stores/docs/delete", #"{"ids":["a",""]}"#, 400, "ids[1]"),
            ("POST", "/v1/vectors/stores/docs/delete", #"{"ids":["a"],"as_of":1}"#, 400, "as_of"),
            ("POST", "/v1/vectors/stores/docs/delete", #"{"ids":["a"],"branch":"nope"}"#, 404, "branch"),
            ("POST", "/v1/vectors/stores/nope/delete", #"{"ids":["a"]}"#, 404, "nope"),
            // Reads by path and query string
            ("GET", "/v1/vectors/stores/nope", nil, 404, "nope"),
            ("GET", "/v1/vectors/stores/docs?branch=nope", nil, 404, "branch"),
            ("GET", "/v1/vectors/stores/docs?branch=", nil, 400, "branch"),
            ("GET", "/v1/vectors/stores/docs?as_of=banana", nil, 400, "as_of"),
            ("GET", "/v1/vectors/stores?as_of=99999", nil, 400, "not found"),
            ("GET", "/v1/vectors/stores/docs/vectors/zz", nil, 404, "zz"),
            ("GET", "/v1/vectors/stores/nope/vectors/a", nil, 404, "nope"),
            ("DELETE", "/v1/vectors/stores/nope", nil, 404, "nope"),
            ("DELETE", "/v1/vectors/stores/docs?as_of=1", nil, 400, "as_of"),
            ("DELETE", "/v1/vectors/stores/docs?branch=nope", nil, 404, "branch"),
            // Wrong methods
            ("PUT", "/v1/vectors/stores", "{}", 405, nil),
            ("PATCH", "/v1/vectors/stores/docs", "{}", 405, nil),
            ("GET", "/v1/vectors/stores/docs/search", nil, 405, nil),
            ("GET", "/v1/vectors/stores/docs/upsert", nil, 405, nil),
            ("GET", "/v1/vectors/stores/docs/delete", nil, 405, nil),
            ("DELETE", "/v1/vectors/stores/docs/vectors/a", nil, 405, nil),
            ("POST", "/v1/vectors/stores/docs/vectors/a", "{}", 405, nil),
        ]
        for (method, path, body, status, fragment) in cases {
            let r = s.handle(HTTPRequest(method: method, path: path, body: Array((body ?? "").utf8)))
            let label = "\(method) \(path) \(body ?? "")"
            XCTAssertEqual(r.status, status, "\(label): \(r.bodyText)")
            let json = (try? JSONValue.parse(r.body)) ?? .null
            XCTAssertNotNil(json["error"]?.stringValue, label)
            XCTAssertEqual(json["code"]?.stringValue?.count, 5, label)
            let message = json["message"]?.stringValue ?? ""
            XCTAssertFalse(message.isEmpty, label)
            if let fragment { XCTAssertTrue(message.contains(fragment), "\(label): \(message)") }
            if status == 405 { XCTAssertTrue(r.headers.contains { $0.0 == "Allow" }, label) }
        }
        // Nothing was written, and the service still answers.
        XCTAssertEqual(currentSCN(s), scn, "no commit happened")
        XCTAssertEqual([call(s, "GET", "/v1/vectors/stores").json, call(s, "GET", "/v1/vectors/stores/docs/vectors/a").json,
                        call(s, "GET", "/v1/vectors/stores/docs/vectors/b").json], snapshot)
        for id in ["x", "x1", "x2", "x3"] { XCTAssertEqual(call(s, "GET", "/v1/vectors/stores/docs/vectors/\(id)").status, 404) }
        XCTAssertEqual(ids(call(s, "POST", "/v1/vectors/stores/docs/search", #"{"vector":[1,2,3]}"#).json), ["a", "b"])
    }

    func testZeroVectorsInCosineStoresAreRefused() {
        let s = service()
        call(s, "POST", "/v1/vectors/stores", #"{"name":"c","dimensions":2}"#)
        var r = call(s, "POST", "/v1/vectors/stores/c/upsert", #"{"vectors":[{"id":"ok","values":[1,0]},{"id":"z","values":[0,0]}]}"#)
        XCTAssertEqual(r.status, 400)
        XCTAssertTrue(r.json["message"]?.stringValue?.contains("zero vector") ?? false, r.json.jsonText)
        XCTAssertEqual(count(s, "c"), 0)
        r = call(s, "POST", "/v1/vectors/stores/c/search", #"{"vector":[0,0]}"#)
        XCTAssertEqual(r.status, 400)
        // In an l2 store the zero vector is an ordinary point.
        call(s, "POST", "/v1/vectors/stores", #"{"name":"l","dimensions":2,"metric":"l2"}"#)
        XCTAssertEqual(call(s, "POST", "/v1/vectors/stores/l/upsert", #"{"vectors":[{"id":"z","values":[0,0]}]}"#).status, 200)
        XCTAssertEqual(ids(call(s, "POST", "/v1/vectors/stores/l/search", #"{"vector":[0,0]}"#).json), ["z"])
    }

    // MARK: Query strings and the spec

    func testQueryStringParsing() throws {
        XCTAssertEqual(HTTPRequest.parseQuery("/p?branch=dev%20x&as_of=2025-01-15+10:30:00&flag&branch=other&bad=%zz&plus=%2B"),
                       ["branch": "dev x", "as_of": "2025-01-15 10:30:00", "flag": "", "bad": "%zz", "plus": "+"])
        XCTAssertEqual(HTTPRequest.parseQuery("/p"), [:])
        XCTAssertEqual(HTTPRequest(method: "GET", path: "/x?a=1").query, ["a": "1"])
        XCTAssertEqual(HTTPRequest(method: "GET", path: "/x?a=1", query: ["b": "2"]).query, ["b": "2"], "the server's arguments win")

        func point(_ text: String) throws -> HistoryPoint { try VectorRequests.historyPoint(text, field: "as_of") }
        XCTAssertEqual(try point("42"), .scn(SCN(42)))
        XCTAssertEqual(try point(" now "), .now)
        XCTAssertEqual(try point("scn:7"), .scn(SCN(7)))
        XCTAssertEqual(try point("transaction:9"), .transaction(TransactionID(rawValue: 9)))
        XCTAssertEqual(try point(#"{"type":"scn","value":3}"#), .scn(SCN(3)))
        guard case .timestamp = try point("2025-01-15 10:30:00") else { return XCTFail("timestamp") }
        guard case .timestamp = try point("timestamp:2025-01-15T10:30:00Z") else { return XCTFail("timestamp with prefix") }
        for bad in ["", "x", "-1", "scn:", "scn:x", "{\"type\":1}", "1.5"] {
            XCTAssertThrowsError(try point(bad), bad)
        }
    }

    func testOpenAPIDocumentsVectorPaths() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let spec = try String(contentsOf: root.appendingPathComponent("OpenAPI/openapi.yaml"), encoding: .utf8)
        for path in ["/v1/vectors/stores:", "/v1/vectors/stores/{store}:", "/v1/vectors/stores/{store}/upsert:",
                     "/v1/vectors/stores/{store}/search:", "/v1/vectors/stores/{store}/delete:",
                     "/v1/vectors/stores/{store}/vectors/{id}:"] {
            XCTAssertTrue(spec.contains("\n  " + path + "\n"), "OpenAPI spec lacks \(path)")
        }
        for field in ["query_time_ms", "candidates_examined", "filter_exhausted", "include_values", "include_metadata",
                      "pq_subquantizers", "rerank_depth", "upserted", "deleted", "dropped"] {
            XCTAssertTrue(spec.contains(field + ":"), "OpenAPI spec lacks \(field)")
        }
    }
}

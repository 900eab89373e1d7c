import Core
import Engine
import Foundation
import JSON
@testable import Service
import XCTest

/// Vectors over /v1/sql without sockets: JSON array parameters in, JSON
/// arrays out, VECTOR(n) in column_types, errors as 400 with SQLSTATE.
final class VectorServiceTests: XCTestCase {
    func service() -> HeliosService {
        HeliosService(configuration: .init(accessLog: false), openAPISpec: Array("openapi: 3.0.3".utf8))
    }

    func post(_ s: HeliosService, _ path: String, _ body: String) -> (Int, JSONValue) {
        let r = s.handle(HTTPRequest(method: "POST", path: path, headers: [:], body: Array(body.utf8)))
        return (r.status, (try? JSONValue.parse(r.body)) ?? .null)
    }

    func testJSONArrayParameterInVectorOut() {
        let s = service()
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"CREATE TABLE docs (id INT PRIMARY KEY, embedding VECTOR(3))"}"#).0, 200)
        let (status, json) = post(s, "/v1/sql", #"{"sql":"INSERT INTO docs VALUES (1, $1), (2, $2), (3, $3) RETURNING id, embedding","params":[[0.1, 2, -3.5], [1e-5, 0, 1], {"type":"vector","value":[4, 5, 6]}]}"#)
        XCTAssertEqual(status, 200, json.jsonText)
        let result = json["results"]?.arrayValue?.first
        XCTAssertEqual(result?["column_types"], .array([.string("INTEGER"), .string("VECTOR(3)")]))
        XCTAssertEqual(result?["rows"]?.arrayValue?.first?["embedding"], .array([.double(0.1), .integer(2), .double(-3.5)]),
                       "float4 0.1 comes back as 0.1")
        let (_, selected) = post(s, "/v1/sql", #"{"sql":"SELECT id, embedding, embedding <-> $1 AS d FROM docs ORDER BY embedding <-> $1 LIMIT 2","params":[[4, 5, 6]],"format":"arrays"}"#)
        let rows = selected["results"]?.arrayValue?.first?["rows"]
        XCTAssertEqual(rows, .array([
            .array([.integer(3), .array([.integer(4), .integer(5), .integer(6)]), .double(0)]),
            .array([.integer(2), .array([.double(1e-5), .integer(0), .integer(1)]), .double(l2([1e-5, 0, 1], [4, 5, 6]))]),
        ]), selected.jsonText)
        XCTAssertEqual(selected["results"]?.arrayValue?.first?["column_types"],
                       .array([.string("INTEGER"), .string("VECTOR(3)"), .string("DOUBLE PRECISION")]))
        // The Nano-shaped query route answers the same arrays.
        let (_, nano) = post(s, "/v1/branches/main/query", #"{"sql":"SELECT embedding FROM docs WHERE id = $1","params":[2]}"#)
        XCTAssertEqual(nano["rows"]?.arrayValue?.first?["embedding"], .array([.double(1e-5), .integer(0), .integer(1)]))
    }

    /// Merge conflicts show the rows' vectors as JSON arrays too, and JSONB as JSON.
    func testMergeConflictShowsVectors() {
        let s = service()
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"CREATE TABLE docs (id INT PRIMARY KEY, embedding VECTOR(3), meta JSONB); INSERT INTO docs VALUES (1, '[1,2,3]', '{\"v\": 1}')"}"#).0, 200)
        XCTAssertEqual(post(s, "/v1/branches", #"{"name":"dev"}"#).0, 201)
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"UPDATE docs SET embedding = $1 WHERE id = 1","params":[[0.5, 0, 0]],"branch":"dev"}"#).0, 200)
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"UPDATE docs SET embedding = '[9,9,9.25]' WHERE id = 1"}"#).0, 200)
        let (status, json) = post(s, "/v1/branches/dev/merge", #"{"target":"main","strategy":"fail"}"#)
        XCTAssertEqual(status, 409, json.jsonText)
        let conflict = json["conflicts"]?.arrayValue?.first
        XCTAssertEqual(conflict?["base"]?["embedding"], .array([.integer(1), .integer(2), .integer(3)]), json.jsonText)
        XCTAssertEqual(conflict?["source"]?["embedding"], .array([.double(0.5), .integer(0), .integer(0)]))
        XCTAssertEqual(conflict?["target"]?["embedding"], .array([.integer(9), .integer(9), .double(9.25)]))
        XCTAssertEqual(conflict?["base"]?["meta"], .object([("v", .integer(1))]))
    }

    /// A store created on both sides with different dimensions: the conflict
    /// says what each side defined, and `fail` leaves main as it was.
    func testMergeConflictOfTablesCreatedOnBothSides() {
        let s = service()
        XCTAssertEqual(post(s, "/v1/branches", #"{"name":"dev"}"#).0, 201)
        XCTAssertEqual(post(s, "/v1/vectors/stores", #"{"name":"st","dimensions":2,"metric":"l2"}"#).0, 201)
        XCTAssertEqual(post(s, "/v1/vectors/stores", #"{"name":"st","dimensions":3,"metric":"l2","branch":"dev"}"#).0, 201)
        XCTAssertEqual(post(s, "/v1/vectors/stores/st/upsert", #"{"branch":"dev","vectors":[{"id":"b","values":[1,0,0]}]}"#).0, 200)
        let (status, json) = post(s, "/v1/branches/dev/merge", #"{"target":"main"}"#)
        XCTAssertEqual(status, 409, json.jsonText)
        let conflict = json["conflicts"]?.arrayValue?.first
        XCTAssertEqual(conflict?["key"], .string("schema"))
        XCTAssertTrue(conflict?["source"]?.stringValue?.contains("VECTOR(3)") ?? false, json.jsonText)
        XCTAssertTrue(conflict?["target"]?.stringValue?.contains("VECTOR(2)") ?? false, json.jsonText)
        let (_, after) = post(s, "/v1/vectors/stores/st/search", #"{"vector":[1,0]}"#)
        XCTAssertEqual(after["results"]?.arrayValue?.count, 0, after.jsonText)
    }

    /// Euclidean distance summed in float4 as the kernel does for short vectors.
    private func l2(_ a: [Float], _ b: [Float]) -> Double {
        var sum: Float = 0
        for (x, y) in zip(a, b) { sum += (x - y) * (x - y) }
        return Double(sum).squareRoot()
    }

    func testVectorErrorsAre400WithSQLState() {
        let s = service()
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"CREATE TABLE docs (id INT PRIMARY KEY, embedding VECTOR(3))"}"#).0, 200)
        let cases: [(String, String, String)] = [
            (#"{"sql":"INSERT INTO docs VALUES (1, $1)","params":[[1, 2]]}"#, "22000", "Vector dimension mismatch: expected 3 dimensions, got 2"),
            (#"{"sql":"INSERT INTO docs VALUES (1, $1)","params":[[1, 2, "x"]]}"#, "22P02", "invalid input syntax for type vector"),
            (#"{"sql":"INSERT INTO docs VALUES (1, $1)","params":[[1, 2, 1e39]]}"#, "22003", "out of range for type vector"),
            (#"{"sql":"INSERT INTO docs VALUES (1, $1)","params":[{"type":"vector","value":[1, 2, 1e39]}]}"#, "22000", "infinite value not allowed in vector"),
            (#"{"sql":"SELECT $1::vector <-> '[1,2,3]'","params":[[1, 2]]}"#, "22000", "different vector dimensions 2 and 3"),
            (#"{"sql":"CREATE TABLE t2 (e VECTOR(0))"}"#, "22023", "dimensions for type vector must be at least 1"),
        ]
        for (body, code, message) in cases {
            let (status, json) = post(s, "/v1/sql", body)
            XCTAssertEqual(status, 400, body)
            XCTAssertEqual(json["code"], .string(code), json.jsonText)
            XCTAssertTrue(json["message"]?.stringValue?.contains(message) == true, json.jsonText)
        }
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT $1","params":[{"type":"vector","value":"x"}]}"#).0, 200,
                       "a typed vector given as text is read where it is used")
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT $1","params":[{"type":"vector","value":[true]}]}"#).0, 400)
        let infinite = post(s, "/v1/sql", #"{"sql":"SELECT $1","params":[{"type":"vector","value":[1e40]}]}"#)
        XCTAssertEqual(infinite.0, 400, "no statement sees an infinite element")
        XCTAssertEqual(infinite.1["code"], .string("22000"))
        let (_, count) = post(s, "/v1/sql", #"{"sql":"SELECT count(*) AS n FROM docs"}"#)
        XCTAssertEqual(count["results"]?.arrayValue?.first?["rows"]?.arrayValue?.first?["n"], .integer(0), "nothing written")
    }
}

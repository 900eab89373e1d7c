import Foundation
import TestSupport
import XCTest

/// Drives the real heliosd binary over HTTP on a loopback port.
final class ServerIntegrationTests: XCTestCase {
    nonisolated(unsafe) static var server: HeliosProcess!

    override class func setUp() {
        super.setUp()
        server = try! HeliosProcess(arguments: ["--max-body", "64K"])
    }

    override class func tearDown() {
        server.stop()
        server = nil
        super.tearDown()
    }

    var client: HTTPTestClient { Self.server.client() }

    /// After a bad request the server still answers and `table` holds `rows` rows.
    func assertStillServing(table: String? = nil, rows: Int? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try client.send(method: "GET", path: "/health").status, 200, file: file, line: line)
        if let table, let rows {
            let count = try client.sql("SELECT count(*) AS n FROM \(table)")
            let results = count.object["results"] as? [[String: Any]]
            let first = (results?.first?["rows"] as? [[String: Any]])?.first
            XCTAssertEqual(first?["n"] as? Int, rows, "row count of \(table)", file: file, line: line)
        }
    }

    func testPublicEndpoints() throws {
        let health = try client.send(method: "GET", path: "/health")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.object["status"] as? String, "ok")
        XCTAssertEqual(health.headers["content-type"], "application/json")
        let version = try client.send(method: "GET", path: "/version")
        XCTAssertEqual(version.object["name"] as? String, "helios")
        XCTAssertNotNil(version.object["version"] as? String)
        let spec = try client.send(method: "GET", path: "/openapi.yaml")
        XCTAssertEqual(spec.status, 200)
        XCTAssertTrue(spec.text.contains("/v1/sql"))
        let metrics = try client.send(method: "GET", path: "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.text.contains("helios_http_requests_total{route=\"/health\",method=\"GET\",status=\"200\"}"))
        XCTAssertTrue(metrics.text.contains("helios_http_request_duration_seconds_bucket"))
        XCTAssertTrue(metrics.text.contains("helios_http_requests_in_flight"))
    }

    func testCrudWithParametersAndFormats() throws {
        var r = try client.sql("CREATE TABLE people (id INT PRIMARY KEY, name TEXT NOT NULL, score DOUBLE PRECISION, active BOOLEAN)")
        XCTAssertEqual(r.status, 200, r.text)
        r = try client.sql("INSERT INTO people VALUES ($1, $2, $3, $4), (2, 'bob', NULL, false), (3, 'cy', 7.25, true)",
                           [1, "alice", 9.5, true])
        XCTAssertEqual(r.status, 200, r.text)
        let insert = (r.object["results"] as! [[String: Any]])[0]
        XCTAssertEqual(insert["statement_type"] as? String, "INSERT")
        XCTAssertEqual(insert["affected_rows"] as? Int, 3)

        r = try client.sql("SELECT id, name, score FROM people WHERE id = $1", [1])
        let select = (r.object["results"] as! [[String: Any]])[0]
        XCTAssertEqual(select["columns"] as? [String], ["id", "name", "score"])
        XCTAssertEqual(select["column_types"] as? [String], ["INTEGER", "TEXT", "DOUBLE PRECISION"])
        XCTAssertEqual(select["row_count"] as? Int, 1)
        let row = (select["rows"] as! [[String: Any]])[0]
        XCTAssertEqual(row["name"] as? String, "alice")
        XCTAssertEqual(row["score"] as? Double, 9.5)

        r = try client.sql("SELECT id, name FROM people ORDER BY id", extra: ["format": "arrays"])
        let arrays = (r.object["results"] as! [[String: Any]])[0]["rows"] as! [[Any]]
        XCTAssertEqual(arrays.count, 3)
        XCTAssertEqual(arrays[1][1] as? String, "bob")

        r = try client.sql("UPDATE people SET score = score + 1 WHERE active; DELETE FROM people WHERE id = 2")
        let results = r.object["results"] as! [[String: Any]]
        XCTAssertEqual(results[0]["affected_rows"] as? Int, 2)
        XCTAssertEqual(results[1]["affected_rows"] as? Int, 1)

        r = try client.post("/v1/branches/main/query", json: #"{"sql":"SELECT name, score FROM people ORDER BY score DESC"}"#)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["row_count"] as? Int, 2)
        XCTAssertEqual((r.object["rows"] as? [[String: Any]])?.first?["name"] as? String, "alice")
        XCTAssertNotNil(r.object["execution_time_ms"] as? Double)

        r = try client.post("/v1/branches/main/execute",
                            json: #"{"sql":"INSERT INTO people (id, name) VALUES ($1, $2)","params":[{"type":"int8","value":9},{"type":"text","value":"typed"}]}"#)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["statement_type"] as? String, "INSERT")
        XCTAssertEqual(r.object["affected_rows"] as? Int, 1)
        try assertStillServing(table: "people", rows: 3)
    }

    func testMalformedJSONIs400WithLineAndColumn() throws {
        _ = try client.sql("CREATE TABLE j (id INT PRIMARY KEY)")
        let r = try client.post("/v1/sql", json: "{\n  \"sql\": \"INSERT INTO j VALUES (1)\",\n  \"params\": [1,,]\n}")
        XCTAssertEqual(r.status, 400)
        XCTAssertEqual(r.object["error"] as? String, "InvalidJSON")
        let details = r.object["details"] as? [String: Any]
        XCTAssertEqual(details?["line"] as? Int, 3)
        XCTAssertNotNil(details?["column"] as? Int)
        try assertStillServing(table: "j", rows: 0)
    }

    func testMalformedSQLIs400WithPosition() throws {
        let r = try client.sql("SELECT 1 FROM WHERE")
        XCTAssertEqual(r.status, 400)
        XCTAssertEqual(r.object["code"] as? String, "42601")
        XCTAssertEqual(r.object["error"] as? String, "SyntaxError")
        XCTAssertEqual(r.object["position"] as? Int, 15)
        try assertStillServing()
    }

    func testUnknownTableIs404AndFailedRequestWritesNothing() throws {
        _ = try client.sql("CREATE TABLE atomic_t (id INT PRIMARY KEY)")
        let r = try client.sql("INSERT INTO atomic_t VALUES (1), (2); INSERT INTO missing_table VALUES (1)")
        XCTAssertEqual(r.status, 404)
        XCTAssertEqual(r.object["code"] as? String, "42P01")
        try assertStillServing(table: "atomic_t", rows: 0)
        let duplicate = try client.sql("INSERT INTO atomic_t VALUES (5); INSERT INTO atomic_t VALUES (5)")
        XCTAssertEqual(duplicate.status, 409)
        XCTAssertEqual(duplicate.object["code"] as? String, "23505")
        try assertStillServing(table: "atomic_t", rows: 0)
    }

    func testOversizedBodyIs413() throws {
        let big = "{\"sql\":\"SELECT '" + String(repeating: "x", count: 70_000) + "'\"}"
        let r = try client.post("/v1/sql", json: big)
        XCTAssertEqual(r.status, 413)
        XCTAssertEqual(r.object["error"] as? String, "PayloadTooLarge")
        try assertStillServing()
    }

    func testOversizedBodyWithExpectContinueIs413WithoutUpload() throws {
        let head = "POST /v1/sql HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
        let r = try client.raw(Array(head.utf8))
        XCTAssertEqual(r.status, 413)
        try assertStillServing()
    }

    func testOversizedChunkedBodyIs413() throws {
        var request = Array("POST /v1/sql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".utf8)
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 16_384)
        for _ in 0..<6 {
            request += Array("4000\r\n".utf8) + chunk + Array("\r\n".utf8)
        }
        request += Array("0\r\n\r\n".utf8)
        let r = try client.raw(request)
        XCTAssertEqual(r.status, 413)
        try assertStillServing()
    }

    func testChunkedBodyWithinLimitWorks() throws {
        let body = Array(#"{"sql":"SELECT 40 + 2 AS answer"}"#.utf8)
        var request = Array("POST /v1/sql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".utf8)
        for part in [body[0..<10], body[10...]] {
            request += Array(String(part.count, radix: 16).utf8) + [13, 10] + Array(part) + [13, 10]
        }
        request += Array("0\r\n\r\n".utf8)
        let r = try client.raw(request)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertTrue(r.text.contains("\"answer\":42"), r.text)
    }

    /// The connection pool is kept small (libmicrohttpd zeroes it after
    /// every request): 8 KiB of headers still fit; a header block past the
    /// pool is refused without harm to the server.
    func testLargeHeadersFitAndOversizedOnesAreRefused() throws {
        let fits = try client.send(method: "POST", path: "/v1/sql", body: Array(#"{"sql":"SELECT 1 AS one"}"#.utf8),
                                   headers: ["Content-Type": "application/json", "X-Padding": String(repeating: "p", count: 8192)])
        XCTAssertEqual(fits.status, 200, fits.text)
        let oversized = try? client.send(method: "POST", path: "/v1/sql", body: Array(#"{"sql":"SELECT 1"}"#.utf8),
                                         headers: ["X-Padding": String(repeating: "p", count: 40_000)])
        if let oversized { XCTAssertEqual(oversized.status, 431, oversized.text) }
        try assertStillServing()
    }

    func testWrongMethodIs405AndUnknownPathIs404() throws {
        let wrong = try client.send(method: "GET", path: "/v1/sql")
        XCTAssertEqual(wrong.status, 405)
        XCTAssertEqual(wrong.headers["allow"], "POST")
        XCTAssertEqual(wrong.object["error"] as? String, "MethodNotAllowed")
        let delete = try client.send(method: "DELETE", path: "/health")
        XCTAssertEqual(delete.status, 405)
        let missing = try client.send(method: "GET", path: "/nope")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.object["error"] as? String, "NotFound")
        try assertStillServing()
    }

    func testGarbageBytesDoNotHurtTheServer() throws {
        for garbage in ["\u{0}\u{1}\u{2}garbage\r\n\r\n", "GET\r\n\r\n", "POST /v1/sql HTTP/1.1\r\nContent-Length: 2\r\n\r\n\u{ff}\u{fe}"] {
            _ = try? client.raw(Array(garbage.utf8), timeoutSeconds: 1)
        }
        let invalidUTF8: [UInt8] = Array(#"{"sql":"SELECT '"#.utf8) + [0xC3, 0x28] + Array(#"'"}"#.utf8)
        let r = try client.send(method: "POST", path: "/v1/sql", body: invalidUTF8)
        XCTAssertEqual(r.status, 400)
        let deep = try client.post("/v1/sql", json: String(repeating: "[", count: 100_000))
        XCTAssertEqual(deep.status, 413, "100k-deep body is over the 64K limit of this server")
        let deepSmall = try client.post("/v1/sql", json: String(repeating: "[", count: 60_000))
        XCTAssertEqual(deepSmall.status, 400)
        try assertStillServing()
    }

    func testStatementErrorsMapToStatuses() throws {
        XCTAssertEqual(try client.sql("SELECT 1 / 0").object["code"] as? String, "22012")
        XCTAssertEqual(try client.sql("SELECT 2147483647 + 1").object["code"] as? String, "22003")
        XCTAssertEqual(try client.sql("SELECT 1 / 0").status, 400)
        XCTAssertEqual(try client.sql("SELECT $2", [1]).status, 400)
        XCTAssertEqual(try client.post("/v1/sql", json: #"{"sql": 5}"#).status, 400)
        XCTAssertEqual(try client.post("/v1/sql", json: #"{"query": "SELECT 1"}"#).status, 400)
        XCTAssertEqual(try client.post("/v1/sql", json: #"[1,2]"#).status, 400)
        XCTAssertEqual(try client.sql("SELECT 1", extra: ["branch": "nope"]).status, 404)
        try assertStillServing()
    }
}

/// Authentication needs its own server started with a key.
final class AuthIntegrationTests: XCTestCase {
    func testApiKeyRequiredOnV1Only() throws {
        let server = try HeliosProcess(arguments: ["--api-key", "s3cret"])
        defer { server.stop() }
        let client = server.client()
        XCTAssertEqual(try client.send(method: "GET", path: "/health").status, 200)
        let missing = try client.sql("SELECT 1")
        XCTAssertEqual(missing.status, 401)
        XCTAssertEqual(missing.object["error"] as? String, "Unauthorized")
        XCTAssertEqual(try client.post("/v1/sql", json: #"{"sql":"SELECT 1"}"#, headers: ["Authorization": "Bearer wrong"]).status, 401)
        XCTAssertEqual(try client.post("/v1/sql", json: #"{"sql":"SELECT 1"}"#, headers: ["Authorization": "Bearer s3cret"]).status, 200)
        XCTAssertEqual(try client.post("/v1/sql", json: #"{"sql":"SELECT 1"}"#, headers: ["X-API-Key": "s3cret"]).status, 200)
    }

    func testApiKeyFromEnvironment() throws {
        let server = try HeliosProcess(environment: ["HELIOS_API_KEY": "envkey"])
        defer { server.stop() }
        XCTAssertEqual(try server.client().sql("SELECT 1").status, 401)
        XCTAssertEqual(try server.client().post("/v1/sql", json: #"{"sql":"SELECT 1"}"#, headers: ["X-API-Key": "envkey"]).status, 200)
    }
}

/// SIGTERM stops the server cleanly (exit status 0) after answering.
final class LifecycleIntegrationTests: XCTestCase {
    func testGracefulStopOnSigterm() throws {
        let server = try HeliosProcess()
        XCTAssertEqual(try server.client().send(method: "GET", path: "/health").status, 200)
        XCTAssertEqual(server.stop(signal: SIGTERM), 0)
        XCTAssertTrue(server.log.contains("stopped"), server.log)
    }

    func testAccessLogLinePerRequest() throws {
        let server = try HeliosProcess()
        _ = try server.client().send(method: "GET", path: "/version")
        server.stop()
        XCTAssertTrue(server.log.contains("\"GET /version\" 200"), server.log)
    }
}

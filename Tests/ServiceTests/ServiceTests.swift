import Core
import Engine
import Foundation
import JSON
@testable import Service
import XCTest

/// The request path without sockets: routing, auth, decoding, error shapes.
final class RouterTests: XCTestCase {
    func router() -> Router<String> {
        var r = Router<String>()
        r.add("GET", "/health") { _, _, _ in HTTPResponse(status: 200, body: []) }
        r.add("POST", "/v1/branches/{branch}/query") { _, _, p in HTTPResponse(status: 200, body: Array(p["branch"]!.utf8)) }
        r.add("DELETE", "/v1/branches/{branch}") { _, _, _ in HTTPResponse(status: 204, body: []) }
        r.add("GET", "/v1/branches/{branch}") { _, _, _ in HTTPResponse(status: 200, body: []) }
        return r
    }

    func testMatchesPatternsAndDecodesParameters() {
        guard case let .found(pattern, parameters, _) = router().match(method: "POST", path: "/v1/branches/dev%20x/query") else {
            return XCTFail("no match")
        }
        XCTAssertEqual(pattern, "/v1/branches/{branch}/query")
        XCTAssertEqual(parameters["branch"], "dev x")
    }

    func testMethodNotAllowedListsMethods() {
        guard case let .methodNotAllowed(_, allowed) = router().match(method: "PUT", path: "/v1/branches/main") else {
            return XCTFail("expected 405")
        }
        XCTAssertEqual(Set(allowed), ["DELETE", "GET"])
    }

    func testUnknownPathsAndMalformedEscapes() {
        for path in ["/", "/nope", "/v1/branches", "/v1/branches/a/b/c/d", "/v1/branches/%zz/query", "/v1/branches/%ff/query"] {
            guard case .notFound = router().match(method: "POST", path: path) else { return XCTFail(path) }
        }
        guard case .found = router().match(method: "HEAD", path: "/health") else { return XCTFail("HEAD falls back to GET") }
    }
}

final class HeliosServiceTests: XCTestCase {
    func service(apiKey: String? = nil) -> HeliosService {
        HeliosService(configuration: .init(apiKey: apiKey, accessLog: false), openAPISpec: Array("openapi: 3.0.3".utf8))
    }

    func post(_ s: HeliosService, _ path: String, _ body: String, headers: [String: String] = [:]) -> (Int, JSONValue) {
        let r = s.handle(HTTPRequest(method: "POST", path: path, headers: headers, body: Array(body.utf8)))
        return (r.status, (try? JSONValue.parse(r.body)) ?? .null)
    }

    func testSQLRoundTripAndFormats() {
        let s = service()
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)"}"#).0, 200)
        let (status, json) = post(s, "/v1/sql", #"{"sql":"INSERT INTO t VALUES ($1, $2) RETURNING id, v","params":[9223372036854775807,"a\u0000b é 😀"]}"#)
        XCTAssertEqual(status, 200)
        let row = json["results"]?.arrayValue?.first?["rows"]?.arrayValue?.first
        XCTAssertEqual(row?["id"], .integer(.max), "64-bit integers are exact")
        XCTAssertEqual(row?["v"], .string("a\u{0}b é 😀"), "NUL and Unicode survive")
        let arrays = post(s, "/v1/sql", #"{"sql":"SELECT id, v FROM t","format":"arrays"}"#).1
        XCTAssertEqual(arrays["results"]?.arrayValue?.first?["rows"], .array([.array([.integer(.max), .string("a\u{0}b é 😀")])]))
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT 1","format":"table"}"#).0, 400)
    }

    func testDoublesAreShortestRoundTrip() {
        let (_, json) = post(service(), "/v1/sql", #"{"sql":"SELECT 0.1 + 0.2 AS x, 1e300 * 10 AS y, $1 AS z","params":[5e-324]}"#)
        let row = json["results"]?.arrayValue?.first?["rows"]?.arrayValue?.first
        XCTAssertEqual(row?["x"], .double(0.1 + 0.2))
        XCTAssertEqual(row?["y"], .double(1e301))
        XCTAssertEqual(row?["z"], .double(5e-324))
    }

    func testNanoTypedParameters() {
        let s = service()
        let (status, json) = post(s, "/v1/branches/main/query",
                                  #"{"sql":"SELECT $1 + 1 AS a, $2 AS b, $3 AS c, $4 AS d","params":[{"type":"int8","value":"41"},{"type":"float8","value":2},{"type":"bool","value":true},{"type":"text","value":null}]}"#)
        XCTAssertEqual(status, 200, json.jsonText)
        XCTAssertEqual(json["rows"]?.arrayValue?.first, .object([("a", .integer(42)), ("b", .double(2)), ("c", .bool(true)), ("d", .null)]))
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT $1","params":[{"type":"int8","value":"x"}]}"#).0, 400)
    }

    func testJSONUUIDByteaParametersAndResults() {
        let s = service()
        let body = #"{"sql":"SELECT $1 AS j, $2 AS b, $3 AS u, $4 AS x, $5 ->> 'k' AS t, $6::jsonb AS p","params":["#
            + #"{"type":"jsonb","value":{"b":[1,2],"a":null}},{"type":"json","value":"[1, 2]"},"#
            + #"{"type":"uuid","value":"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"},{"type":"bytea","value":"\\x01ff"},"#
            + #"{"type":"jsonb","value":{"k":"v"}},{"z":1}]}"#
        let (status, json) = post(s, "/v1/branches/main/query", body)
        XCTAssertEqual(status, 200, json.jsonText)
        let row = json["rows"]?.arrayValue?.first
        XCTAssertEqual(row?["j"], .object([("a", .null), ("b", .array([.integer(1), .integer(2)]))]), "jsonb is embedded JSON")
        XCTAssertEqual(row?["b"], .array([.integer(1), .integer(2)]))
        XCTAssertEqual(row?["u"], .string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
        XCTAssertEqual(row?["x"], .string("\\x01ff"))
        XCTAssertEqual(row?["t"], .string("v"))
        XCTAssertEqual(row?["p"], .object([("z", .integer(1))]), "a plain object parameter is JSON text")
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT $1","params":[{"type":"uuid","value":"nope"}]}"#).0, 400)
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT $1","params":[{"type":"jsonb","value":"{bad"}]}"#).0, 400)
    }

    func testErrorShapes() {
        let s = service()
        let (status, json) = post(s, "/v1/sql", #"{"sql":"SELECT * FROM nowhere"}"#)
        XCTAssertEqual(status, 404)
        XCTAssertEqual(json["error"], .string("NotFound"))
        XCTAssertEqual(json["code"], .string("42P01"))
        XCTAssertEqual(json["position"], .integer(15))
        XCTAssertNotNil(json["message"]?.stringValue)
        let malformed = post(s, "/v1/sql", "{\"sql\":\n\"x\"")
        XCTAssertEqual(malformed.0, 400)
        XCTAssertEqual(malformed.1["details"]?["line"], .integer(2))
        for body in ["", "null", "[]", "{\"sql\":1}", "{\"sql\":\"SELECT 1\",\"params\":{}}", "{\"sql\":\"SELECT 1\",\"timeout_ms\":-1}",
                     "{\"sql\":\"SELECT 1\",\"branch\":\"\"}", "{\"sql\":\"SELECT 1\",\"as_of\":{\"type\":\"scn\",\"value\":1}}",
                     String(repeating: "[", count: 100_000), "{\"sql\":\"SELECT 1\",\"params\":[1e999]}"] {
            let (status, json) = post(s, "/v1/sql", body)
            XCTAssertEqual(status, 400, body.prefix(60) + " -> " + json.jsonText)
            XCTAssertNotNil(json["error"]?.stringValue)
        }
        // An integer beyond int64 is a number (a double), as jsonb would take it.
        let big = post(s, "/v1/sql", #"{"sql":"SELECT $1 AS n","params":[123456789012345678901234567890]}"#)
        XCTAssertEqual(big.0, 200, big.1.jsonText)
        XCTAssertEqual(big.1["results"]?.arrayValue?.first?["rows"]?.arrayValue?.first?["n"], .double(1.2345678901234568e29))
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT 1","transaction_id":"abc"}"#).0, 404)
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT 1","transaction_id":5}"#).0, 400)
        XCTAssertEqual(post(s, "/v1/branches/dev/query", #"{"sql":"SELECT 1"}"#).0, 404)
    }

    func testAuthOnlyGuardsV1() {
        let s = service(apiKey: "k3y")
        XCTAssertEqual(s.handle(HTTPRequest(method: "GET", path: "/health")).status, 200)
        XCTAssertEqual(s.handle(HTTPRequest(method: "GET", path: "/metrics")).status, 200)
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT 1"}"#).0, 401)
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT 1"}"#, headers: ["authorization": "Bearer k3y"]).0, 200)
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT 1"}"#, headers: ["authorization": "bearer k3y"]).0, 200)
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT 1"}"#, headers: ["x-api-key": "k3y"]).0, 200)
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT 1"}"#, headers: ["x-api-key": "k3"]).0, 401)
        XCTAssertEqual(post(s, "/v1/sql", #"{"sql":"SELECT 1"}"#, headers: ["authorization": "Basic k3y"]).0, 401)
        XCTAssertEqual(post(s, "/v1/nope", "{}").0, 401, "unknown /v1 paths do not reveal themselves without a key")
        XCTAssertTrue(HeliosService.constantTimeEqual("abc", "abc"))
        XCTAssertFalse(HeliosService.constantTimeEqual("abc", "abcd"))
        XCTAssertFalse(HeliosService.constantTimeEqual("", "a"))
    }

    func testMetricsCountRoutesNotRawPaths() {
        let s = service()
        _ = s.handle(HTTPRequest(method: "GET", path: "/health"))
        _ = s.handle(HTTPRequest(method: "GET", path: "/random/\(UUID())"))
        _ = post(s, "/v1/branches/main/query", #"{"sql":"SELECT 1"}"#)
        let text = s.handle(HTTPRequest(method: "GET", path: "/metrics")).bodyText
        XCTAssertTrue(text.contains(#"helios_http_requests_total{route="/health",method="GET",status="200"} 1"#), text)
        XCTAssertTrue(text.contains(#"helios_http_requests_total{route="unmatched",method="GET",status="404"} 1"#), text)
        XCTAssertTrue(text.contains(#"route="/v1/branches/{branch}/query""#))
        XCTAssertFalse(text.contains("/random/"))
        XCTAssertTrue(text.contains("helios_current_scn"))
    }

    /// Each thread counts into its own shard; the exposition adds them up.
    func testMetricsFromManyThreadsAddUp() {
        let s = service()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<50 { _ = s.handle(HTTPRequest(method: "GET", path: "/health")) }
        }
        let text = s.handle(HTTPRequest(method: "GET", path: "/metrics")).bodyText
        XCTAssertTrue(text.contains(#"helios_http_requests_total{route="/health",method="GET",status="200"} 200"#), text)
        XCTAssertTrue(text.contains(#"helios_http_request_duration_seconds_count{route="/health"} 200"#), text)
        XCTAssertTrue(text.contains(#"helios_http_request_duration_seconds_bucket{route="/health",le="+Inf"} 200"#), text)
    }

    func testOpenAPIServedAndEveryRouteDocumented() throws {
        let s = service()
        XCTAssertEqual(s.handle(HTTPRequest(method: "GET", path: "/openapi.yaml")).status, 200)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let spec = try String(contentsOf: root.appendingPathComponent("OpenAPI/openapi.yaml"), encoding: .utf8)
        for path in ["/health:", "/version:", "/metrics:", "/openapi.yaml:", "/v1/sql:",
                     "/v1/branches/{branch}/query:", "/v1/branches/{branch}/execute:", "/v1/transactions:",
                     "/v1/transactions/{id}/commit:", "/v1/transactions/{id}/rollback:",
                     "/v1/branches/{branch}/views:", "/v1/branches/{branch}/views/{view}/refresh:", "/v1/import:"] {
            XCTAssertTrue(spec.contains("  " + path), "OpenAPI spec lacks \(path)")
        }
    }
}

/// The container build copies what the manifest needs: a target whose
/// custom path is missing from the image makes `swift build` refuse the
/// whole package (the image did not build once the benchmark target came).
final class ContainerBuildTests: XCTestCase {
    func testDockerfileCopiesEveryTargetPath() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let dockerfile = try String(contentsOf: root.appendingPathComponent("Docker/Dockerfile"), encoding: .utf8)
        let copied = dockerfile.split(separator: "\n").filter { $0.hasPrefix("COPY ") && !$0.contains("--from") }
            .compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }
        XCTAssertTrue(copied.contains("Sources") && copied.contains("Package.*"), "\(copied)")
        var paths = ["Sources"]
        for match in manifest.matches(of: /path: "([^"]+)"/) { paths.append(String(match.1)) }
        XCTAssertGreaterThan(paths.count, 1, "the manifest names custom target paths")
        for path in paths {
            XCTAssertTrue(copied.contains { path == $0 || path.hasPrefix($0 + "/") }, "Docker/Dockerfile does not copy \(path)")
        }
    }
}

final class TransactionEndpointTests: XCTestCase {
    func testBeginUseCommitOverHTTPShapes() throws {
        let s = HeliosService(configuration: .init(accessLog: false, maxOpenTransactions: 1), openAPISpec: nil)
        func post(_ path: String, _ body: String = "") -> (Int, JSONValue) {
            let r = s.handle(HTTPRequest(method: "POST", path: path, body: Array(body.utf8)))
            return (r.status, (try? JSONValue.parse(r.body)) ?? .null)
        }
        XCTAssertEqual(post("/v1/sql", #"{"sql":"CREATE TABLE t (id INT PRIMARY KEY)"}"#).0, 200)
        let (status, opened) = post("/v1/transactions", #"{"branch":"main"}"#)
        XCTAssertEqual(status, 200)
        let id = try XCTUnwrap(opened["transaction_id"]?.stringValue)
        XCTAssertEqual(post("/v1/transactions").0, 429, "limit of one open transaction")
        XCTAssertEqual(post("/v1/sql", #"{"sql":"INSERT INTO t VALUES (1)","transaction_id":"\#(id)"}"#).0, 200)
        XCTAssertEqual(post("/v1/sql", #"{"sql":"SELECT * FROM t"}"#).1["results"]?.arrayValue?.first?["row_count"], .integer(0))
        let (committed, body) = post("/v1/transactions/\(id)/commit")
        XCTAssertEqual(committed, 200)
        XCTAssertEqual(body["status"], .string("committed"))
        XCTAssertEqual(post("/v1/transactions/\(id)/commit").0, 404)
        XCTAssertEqual(post("/v1/transactions/\(id)/rollback").0, 404)
        XCTAssertEqual(post("/v1/sql", #"{"sql":"SELECT 1","transaction_id":"nope"}"#).0, 404)
        XCTAssertEqual(post("/v1/transactions", "{").0, 400)
        XCTAssertEqual(post("/v1/transactions", #"{"branch":"elsewhere"}"#).0, 404)
        XCTAssertEqual(s.handle(HTTPRequest(method: "GET", path: "/v1/transactions")).status, 405)
    }
}

/// jsonb values are written straight into the answer's bytes; the text must
/// be the one PostgreSQL prints (`JSONDocument.description`).
final class DocumentEncodingTests: XCTestCase {
    func testDocumentsAreWrittenAsTheirJsonbText() throws {
        let texts = [#"{"row": 80173}"#, "null", "true", "[]", "{}", #""plain""#, "-1.5e10",
                     #"{"b": [1, 2.50, {"c": null}], "a": "x\"y\\z\n\t\u0001é😀", "": false}"#,
                     #"[[[]], {"k": {"k": [true, "\u001f"]}}]"#]
        for text in texts {
            let document = try JSONDocument.parse(text).normalized()
            var writer = JSONWriter()
            ResultEncoding.document(document, into: &writer)
            XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), document.description, text)
        }
    }
}

/// One access-log line per request, in a fixed shape.
final class AccessLogTests: XCTestCase {
    func testLineShape() {
        let at = timespec(tv_sec: 1_796_075_417, tv_nsec: 7_000_000)   // 2026-11-30T21:50:17.007Z
        func line(_ path: String, method: String = "POST", seconds: Double = 0.000512) -> String {
            let request = HTTPRequest(method: method, path: path, clientAddress: "127.0.0.1")
            return String(decoding: AccessLog.line(request, status: 200, bytes: 1234, seconds: seconds, at: at), as: UTF8.self)
        }
        XCTAssertEqual(line("/v1/vectors/stores/s/search"),
                       "2026-11-30T21:50:17.007Z 127.0.0.1 \"POST /v1/vectors/stores/s/search\" 200 1234B 0.512ms\n")
        XCTAssertEqual(line("/a\"b\u{1}c", seconds: 12.3456789), "2026-11-30T21:50:17.007Z 127.0.0.1 \"POST /a?b?c\" 200 1234B 12345.679ms\n")
        XCTAssertEqual(line("/é" + String(repeating: "x", count: 300)).filter { $0 == "x" }.count, 198, "paths are clipped to 200 characters")
        XCTAssertTrue(line("/", method: "GE\"T").contains("\"GE?T /\""))
    }
}

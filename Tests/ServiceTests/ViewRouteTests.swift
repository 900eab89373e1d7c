import Core
import Engine
import Foundation
import JSON
@testable import Service
import XCTest

/// `/v1/branches/{b}/views` and `…/views/{name}/refresh` without sockets.
final class ViewRouteTests: XCTestCase {
    func service() -> HeliosService {
        HeliosService(configuration: .init(accessLog: false), openAPISpec: Array("openapi: 3.0.3".utf8))
    }

    func call(_ s: HeliosService, _ method: String, _ path: String, _ body: String = "") -> (Int, JSONValue) {
        let r = s.handle(HTTPRequest(method: method, path: path, headers: [:], body: Array(body.utf8)))
        return (r.status, (try? JSONValue.parse(r.body)) ?? .null)
    }

    func testListAndRefresh() {
        let s = service()
        XCTAssertEqual(call(s, "POST", "/v1/sql", #"{"sql":"CREATE TABLE t (id INT PRIMARY KEY, g TEXT, v INT); INSERT INTO t VALUES (1,'a',1),(2,'b',2)"}"#).0, 200)
        XCTAssertEqual(call(s, "POST", "/v1/sql", #"{"sql":"CREATE MATERIALIZED VIEW mv WITH (refresh_strategy = 'incremental') AS SELECT g, sum(v) AS s FROM t GROUP BY g"}"#).0, 200)
        var (status, json) = call(s, "GET", "/v1/branches/main/views")
        XCTAssertEqual(status, 200, json.jsonText)
        let view = json["views"]?.arrayValue?.first
        XCTAssertEqual(view?["name"], .string("mv"))
        XCTAssertEqual(view?["definition"], .string("SELECT g, sum(v) AS s FROM t GROUP BY g"))
        XCTAssertEqual(view?["strategy"], .string("incremental"))
        XCTAssertEqual(view?["status"], .string("FRESH"))
        XCTAssertEqual(view?["pending_changes"], .integer(0))
        XCTAssertEqual(view?["base_tables"], .array([.string("t")]))
        XCTAssertNotNil(view?["last_refresh_scn"]?.intValue)
        XCTAssertEqual(call(s, "POST", "/v1/sql", #"{"sql":"INSERT INTO t VALUES (3,'a',5)"}"#).0, 200)
        (_, json) = call(s, "GET", "/v1/branches/main/views")
        XCTAssertEqual(json["views"]?.arrayValue?.first?["status"], .string("STALE"))
        XCTAssertEqual(json["views"]?.arrayValue?.first?["pending_changes"], .integer(1))
        (status, json) = call(s, "POST", "/v1/branches/main/views/mv/refresh", #"{"mode":"incremental"}"#)
        XCTAssertEqual(json["mode_used"], .string("incremental"), json.jsonText)
        XCTAssertEqual(json["deltas_applied"], .integer(1))
        (status, json) = call(s, "POST", "/v1/branches/main/views/mv/refresh", #"{"mode":"full"}"#)
        XCTAssertEqual(status, 200, json.jsonText)
        XCTAssertEqual(json["view"], .string("mv"))
        XCTAssertEqual(json["mode_used"], .string("full"))
        XCTAssertNotNil(json["rows_changed"]?.intValue)
        XCTAssertNotNil(json["deltas_applied"]?.intValue)
        XCTAssertNotNil(json["duration_ms"])
        XCTAssertNotNil(json["refreshed_as_of_scn"]?.intValue)
        (_, json) = call(s, "POST", "/v1/sql", #"{"sql":"SELECT s FROM mv WHERE g = 'a'"}"#)
        XCTAssertEqual(json["results"]?.arrayValue?.first?["rows"]?.arrayValue?.first?["s"], .integer(6))
        // No body means mode auto.
        XCTAssertEqual(call(s, "POST", "/v1/branches/main/views/mv/refresh").0, 200)
    }

    func testErrors() {
        let s = service()
        XCTAssertEqual(call(s, "POST", "/v1/sql", #"{"sql":"CREATE TABLE t (id INT PRIMARY KEY)"}"#).0, 200)
        var (status, json) = call(s, "POST", "/v1/branches/main/views/nope/refresh")
        XCTAssertEqual(status, 404, json.jsonText)
        XCTAssertEqual(json["code"], .string("42P01"))
        (status, json) = call(s, "POST", "/v1/branches/main/views/t/refresh")
        XCTAssertEqual(json["code"], .string("42809"), json.jsonText)
        (status, json) = call(s, "POST", "/v1/branches/main/views/t/refresh", #"{"mode":"sometimes"}"#)
        XCTAssertEqual(status, 400, json.jsonText)
        (status, _) = call(s, "POST", "/v1/branches/main/views/t/refresh", #"{"mode":"#)
        XCTAssertEqual(status, 400)
        (status, json) = call(s, "GET", "/v1/branches/nobranch/views")
        XCTAssertEqual(status, 404, json.jsonText)
        (status, _) = call(s, "DELETE", "/v1/branches/main/views")
        XCTAssertEqual(status, 405)
        XCTAssertEqual(call(s, "GET", "/health").0, 200, "the server keeps serving")
    }
}

import Core
import Engine
import JSON
@testable import Service
import XCTest

/// `POST /v1/import`: a Nano dump as the body (plain or in JSON), the
/// report, errors that leave nothing behind, and a server that keeps serving.
final class ImportRouteTests: XCTestCase {
    let service = HeliosService(configuration: .init(accessLog: false), openAPISpec: nil)

    func post(_ path: String, _ body: [UInt8], contentType: String = "text/plain") -> (Int, JSONValue) {
        let r = service.handle(HTTPRequest(method: "POST", path: path, headers: ["content-type": contentType], body: body))
        return (r.status, (try? JSONValue.parse(r.body)) ?? .null)
    }

    let dump = """
    -- HeliosDB Nano Database Dump
    -- Format: heliosdb-nano sql v2
    CREATE TABLE IF NOT EXISTS "items" ("id" INT4 PRIMARY KEY, "name" TEXT, "tags" TEXT[]);
    INSERT INTO "items" ("id", "name", "tags") VALUES (1, 'a', '{"x"}'::TEXT[]), (2, E'b\\nc', NULL);
    """

    func testPlainBodyImportsAndReports() throws {
        let (status, json) = post("/v1/import", Array(dump.utf8))
        XCTAssertEqual(status, 200, "\(json)")
        XCTAssertEqual(json["format"], .string("heliosdb-nano sql v2"))
        XCTAssertEqual(json["tables_created"], .array([.string("items")]))
        XCTAssertEqual(json["rows_inserted"], .integer(2))
        XCTAssertEqual(json["statements"], .integer(2))
        XCTAssertEqual(json["warnings"]?.arrayValue?.count, 1)
        let rows = post("/v1/sql", Array(#"{"sql":"SELECT name, tags->>0 AS t FROM items ORDER BY id"}"#.utf8), contentType: "application/json").1
        XCTAssertEqual(rows["results"]?.arrayValue?.first?["rows"], .array([
            .object([("name", .string("a")), ("t", .string("x"))]),
            .object([("name", .string("b\nc")), ("t", .null)]),
        ]))
    }

    func testJSONBodyAndBranchFromQuery() throws {
        XCTAssertEqual(post("/v1/branches", Array(#"{"name":"dev"}"#.utf8), contentType: "application/json").0, 201)
        let body = try JSONValue.object([("dump", .string(dump)), ("branch", .string("dev"))]).encoded()
        let (status, json) = post("/v1/import", body, contentType: "application/json")
        XCTAssertEqual(status, 200, "\(json)")
        XCTAssertEqual(json["branch"], .string("dev"))
        XCTAssertEqual(post("/v1/import?branch=missing", Array(dump.utf8)).0, 404)
        // main was not touched by the import into dev
        XCTAssertEqual(post("/v1/sql", Array(#"{"sql":"SELECT 1 FROM items"}"#.utf8), contentType: "application/json").0, 404)
    }

    func testBadDumpsAnswerErrorsAndApplyNothing() {
        XCTAssertEqual(post("/v1/import", []).0, 400)
        XCTAssertEqual(post("/v1/import", [0xFF, 0xFE, 0x41]).0, 400, "not UTF-8")
        XCTAssertEqual(post("/v1/import", Array(#"{"nodump": 1}"#.utf8), contentType: "application/json").0, 400)
        XCTAssertEqual(post("/v1/import", Array("{not json".utf8), contentType: "application/json").0, 400)
        let (status, json) = post("/v1/import", Array((dump + "\nINSERT INTO \"items\" (\"id\") VALUES (1);").utf8))
        XCTAssertEqual(status, 409)
        XCTAssertEqual(json["code"], .string("23505"))
        XCTAssertTrue(json["message"]?.stringValue?.contains("(line 5)") ?? false, "\(json)")
        XCTAssertEqual(post("/v1/sql", Array(#"{"sql":"SELECT 1 FROM items"}"#.utf8), contentType: "application/json").0, 404,
                       "the failed import left no table")
        XCTAssertEqual(post("/v1/import", Array("INSERT INTO t VALUES ('unterminated".utf8)).0, 400)
        XCTAssertEqual(post("/v1/import", Array(dump.utf8)).0, 200, "the service keeps serving")
    }
}

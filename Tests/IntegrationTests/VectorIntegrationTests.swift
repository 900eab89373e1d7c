import Foundation
import TestSupport
import XCTest

/// VECTOR columns through the real heliosd binary: a JSON array parameter
/// inserted, the vector read back as a JSON array, nearest neighbours by
/// `ORDER BY embedding <-> $1 LIMIT k`, a dimension mismatch as a 400, and
/// the vectors (and their history) surviving a clean restart (checkpoint)
/// and a SIGKILL (log replay).
final class VectorIntegrationTests: XCTestCase {
    private func rows(_ response: HTTPTestClient.Response, _ statement: Int = 0) -> [[String: Any]] {
        let results = response.object["results"] as? [[String: Any]]
        guard let results, statement < results.count else { return [] }
        return results[statement]["rows"] as? [[String: Any]] ?? []
    }

    private func doubles(_ value: Any?) -> [Double]? {
        (value as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue }
    }

    func testJSONArraysInAndOutAcrossRestarts() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helios-vec-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
        var client = server.client()
        var r = try client.sql("CREATE TABLE docs (id INT PRIMARY KEY, embedding VECTOR(3), note TEXT)")
        XCTAssertEqual(r.status, 200, r.text)
        r = try client.sql("INSERT INTO docs VALUES (1, $1, 'one'), (2, $2, 'two'), (3, $3, 'three') RETURNING embedding",
                           [[0.1, 0.2, 0.3], [1, 0, 0], [-1.5, 2, 1e-5]])
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertTrue(r.text.contains(#""embedding":[0.1,0.2,0.3]"#), "a JSON array of shortest float4 digits: \(r.text)")
        let types = (r.object["results"] as? [[String: Any]])?.first?["column_types"] as? [String]
        XCTAssertEqual(types, ["VECTOR(3)"])
        let scn = rows(try client.sql("SELECT current_scn() AS s")).first?["s"] as? Int ?? 0

        // Nearest first; the distance is a JSON number.
        r = try client.sql("SELECT id, embedding <-> $1 AS d FROM docs ORDER BY embedding <-> $1 LIMIT 2", [[1, 0, 0.1]])
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(rows(r).map { $0["id"] as? Int }, [2, 1])
        XCTAssertEqual((rows(r).first?["d"] as? NSNumber)?.doubleValue ?? -1, 0.1, accuracy: 1e-7)

        // A wrong dimension is a 400 with 22000, and nothing is written.
        r = try client.sql("INSERT INTO docs VALUES (4, $1, 'four')", [[1, 2]])
        XCTAssertEqual(r.status, 400, r.text)
        XCTAssertEqual(r.object["code"] as? String, "22000")
        XCTAssertTrue((r.object["message"] as? String ?? "").contains("Vector dimension mismatch: expected 3 dimensions, got 2"), r.text)
        r = try client.sql("UPDATE docs SET embedding = $1 WHERE id = 1", [[9, 9, 9]])
        XCTAssertEqual(r.status, 200, r.text)

        // A clean stop checkpoints; the restart loads the segments.
        XCTAssertEqual(server.stop(keepData: true), 0)
        server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
        client = server.client()
        r = try client.sql("SELECT id, embedding FROM docs ORDER BY id")
        XCTAssertEqual(rows(r).map { doubles($0["embedding"]) }, [[9, 9, 9], [1, 0, 0], [-1.5, 2, 1e-5]], r.text)
        r = try client.sql("SELECT embedding FROM docs AS OF SCN \(scn) WHERE id = 1")
        XCTAssertEqual(doubles(rows(r).first?["embedding"]), [0.1, 0.2, 0.3], "history survives: \(r.text)")

        // Written after the checkpoint, then SIGKILL: replayed from the log.
        r = try client.sql("INSERT INTO docs VALUES (4, '[4, 4, 4]', 'four')")
        XCTAssertEqual(r.status, 200, r.text)
        server.stop(signal: SIGKILL, keepData: true)
        server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
        defer { server.stop() }
        client = server.client()
        r = try client.sql("SELECT id, embedding FROM docs ORDER BY embedding <-> $1 LIMIT 1", [[4, 4, 4.5]], extra: ["format": "arrays"])
        let first = ((r.object["results"] as? [[String: Any]])?.first?["rows"] as? [[Any]])?.first
        XCTAssertEqual(first?[0] as? Int, 4, r.text)
        XCTAssertEqual(doubles(first?[1]), [4, 4, 4])
        r = try client.sql("SELECT data_type FROM information_schema.columns WHERE table_name = 'docs' AND column_name = 'embedding'")
        XCTAssertEqual(rows(r).first?["data_type"] as? String, "vector(3)")
    }
}

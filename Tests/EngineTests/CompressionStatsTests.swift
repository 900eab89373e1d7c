import Core
import Engine
import XCTest

/// `pg_compression_stats(['table'])`: per column, how a checkpoint stores
/// the rows the reader sees, measured by compressing them.
final class CompressionStatsTests: XCTestCase {
    var db: Database!

    override func setUp() { db = Database() }

    @discardableResult
    func run(_ sql: String, branch: String = "main") throws -> [Row] {
        try db.execute(SQLRequest(sql: sql, parameters: [], branch: branch, asOf: nil)).last!.rows
    }

    func testColumnsReportTheirCodecsAndRatios() throws {
        try run("CREATE TABLE orders (id INT PRIMARY KEY, status TEXT, amount DOUBLE PRECISION, note TEXT, tags JSONB)")
        try run("""
            INSERT INTO orders SELECT g, CASE g % 3 WHEN 0 THEN 'shipped' WHEN 1 THEN 'pending' ELSE 'returned' END,
                   (g % 1000) / 100.0,
                   CASE WHEN g % 10 = 0 THEN NULL ELSE 'customer note number ' || (g % 250) END, '{"a": 1}'
            FROM generate_series(1, 5000) AS g
            """)
        let rows = try run("""
            SELECT column_name, data_type, encoding, codecs, "values", plain_bytes > compressed_bytes, ratio
            FROM pg_compression_stats('orders') ORDER BY column_name
            """)
        XCTAssertEqual(rows.map { $0[0] }, ["amount", "id", "note", "status", "tags"].map(Value.text))
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0[0], $0) })
        XCTAssertEqual(byName[.text("amount")]?[3], .text("doubles/alp"))
        XCTAssertEqual(byName[.text("id")]?[2], .text("integers"))
        XCTAssertEqual(byName[.text("id")]?[3], .text("integers/delta"))
        XCTAssertEqual(byName[.text("status")]?[3], .text("strings/dictionary"))
        XCTAssertEqual(byName[.text("note")]?[2], .text("text"))
        XCTAssertEqual(byName[.text("tags")]?[2], .text("plain"), "jsonb stays plain")
        XCTAssertEqual(byName[.text("tags")]?[3], .null)
        for name in ["amount", "id", "note", "status"] {
            XCTAssertEqual(byName[.text(name)]?[4], .integer(5000))
            XCTAssertEqual(byName[.text(name)]?[5], .boolean(true), name)
            if case .double(let ratio) = byName[.text(name)]?[6] { XCTAssertGreaterThan(ratio, 2, name) }
            else { XCTFail("ratio of \(name)") }
        }
    }

    func testEveryTableWithoutArgumentAndBranchesSeeTheirOwnRows() throws {
        try run("CREATE TABLE a (x INT)")
        try run("CREATE TABLE b (y TEXT)")
        try run("INSERT INTO a VALUES (1), (2)")
        XCTAssertEqual(try run("SELECT table_name, \"values\" FROM pg_compression_stats() ORDER BY table_name"),
                       [[.text("a"), .integer(2)], [.text("b"), .integer(0)]])
        try run("CREATE BRANCH dev")
        try run("INSERT INTO a VALUES (3)", branch: "dev")
        XCTAssertEqual(try run("SELECT \"values\" FROM pg_compression_stats('a')", branch: "dev"), [[.integer(3)]])
        XCTAssertEqual(try run("SELECT \"values\" FROM pg_compression_stats('a')"), [[.integer(2)]])
        XCTAssertEqual(try run("SELECT count(*) FROM pg_compression_stats('missing')"), [[.integer(0)]])
    }
}

import Core
import Engine
import XCTest

/// Defaults that call functions are evaluated for each row (as in
/// PostgreSQL), constants once; both survive a restart of the catalog.
final class ColumnDefaultTests: XCTestCase {
    var db: Database!

    override func setUp() { db = Database() }

    @discardableResult
    func run(_ sql: String) throws -> [Row] { try db.execute(SQLRequest(sql: sql)).last!.rows }

    func testNowAndRandomDefaultsAreEvaluatedPerRow() throws {
        try run("CREATE TABLE t (id INT, at TIMESTAMPTZ DEFAULT now(), u UUID DEFAULT gen_random_uuid(), n INT DEFAULT 1 + 2, s TEXT DEFAULT 'x')")
        try run("INSERT INTO t (id) VALUES (1)")
        usleep(20_000)
        try run("INSERT INTO t (id) VALUES (2), (3)")
        let rows = try run("SELECT at, u, n, s FROM t ORDER BY id")
        XCTAssertNotEqual(rows[0][0], rows[1][0], "a later INSERT gets a later now()")
        XCTAssertEqual(Set(rows.map { $0[1] }).count, 3, "each row its own UUID")
        XCTAssertEqual(rows.map { $0[2] }, [.integer(3), .integer(3), .integer(3)])
        XCTAssertEqual(rows.map { $0[3] }, [.text("x"), .text("x"), .text("x")])
        XCTAssertEqual(try run("SELECT column_default FROM information_schema.columns WHERE table_name = 't' ORDER BY ordinal_position"),
                       [[.null], [.text("now()")], [.text("gen_random_uuid()")], [.text("3")], [.text("x")]])
        // DEFAULT in UPDATE and in VALUES uses the per-row expression too.
        usleep(20_000)
        try run("UPDATE t SET at = DEFAULT WHERE id = 1")
        try run("INSERT INTO t (id, at) VALUES (4, DEFAULT)")
        let later = try run("SELECT at FROM t WHERE id IN (1, 4) ORDER BY id")
        XCTAssertNotEqual(later[0][0], rows[0][0])
        XCTAssertNotEqual(later[1][0], .null)
    }

    func testAddColumnWithAPerRowDefaultFillsEachRow() throws {
        try run("CREATE TABLE t (id INT)")
        try run("INSERT INTO t VALUES (1), (2), (3)")
        try run("ALTER TABLE t ADD COLUMN u UUID DEFAULT gen_random_uuid()")
        XCTAssertEqual(try run("SELECT count(DISTINCT u), count(u) FROM t"), [[.integer(3), .integer(3)]])
        try run("INSERT INTO t (id) VALUES (4)")
        XCTAssertEqual(try run("SELECT count(DISTINCT u) FROM t"), [[.integer(4)]])
    }
}

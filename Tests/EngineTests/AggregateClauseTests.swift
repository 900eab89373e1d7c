import Core
import Engine
import XCTest

/// `FILTER (WHERE …)` and `ORDER BY` inside aggregate calls, each answer
/// checked against PostgreSQL 15 on the same rows.
final class AggregateClauseTests: XCTestCase {
    var db: Database!

    override func setUp() {
        db = Database()
        XCTAssertNoThrow(try db.execute(SQLRequest(sql: """
            CREATE TABLE t (g INT, x INT, s TEXT);
            INSERT INTO t VALUES (1, 3, 'c'), (1, 1, 'a'), (1, 2, 'b'), (2, 5, 'e'), (2, NULL, NULL), (2, 4, 'd'), (3, 0, 'z')
            """)))
    }

    @discardableResult
    func run(_ sql: String) throws -> [Row] { try db.execute(SQLRequest(sql: sql)).last!.rows }

    func fails(_ sql: String, _ state: String, _ message: String, line: UInt = #line) {
        assertEngineError(state, message, sql, file: #filePath, line: line) { try run(sql) }
    }

    func testFilterAndOrderPerGroup() throws {
        XCTAssertEqual(try run("""
            SELECT g, count(*) FILTER (WHERE x > 1), sum(x) FILTER (WHERE x < 4), string_agg(s, ',' ORDER BY x DESC),
                   array_agg(x ORDER BY x NULLS FIRST)
            FROM t GROUP BY g ORDER BY g
            """), [
                [.integer(1), .integer(2), .integer(6), .text("c,b,a"), .text("{1,2,3}")],
                [.integer(2), .integer(2), .null, .text("e,d"), .text("{NULL,4,5}")],
                [.integer(3), .integer(0), .integer(0), .text("z"), .text("{0}")],
            ])
        // A row the filter drops is not evaluated for that call (no division by zero).
        XCTAssertEqual(try run("SELECT g, sum(10 / x) FILTER (WHERE x <> 0) FROM t GROUP BY g ORDER BY g"),
                       [[.integer(1), .integer(18)], [.integer(2), .integer(4)], [.integer(3), .null]])
        XCTAssertEqual(try run("SELECT string_agg(s, ',' ORDER BY g DESC, s) FROM t"), [[.text("z,d,e,a,b,c")]])
    }

    func testWithoutGroupBy() throws {
        let row = try run("SELECT count(*) FILTER (WHERE x > 1) AS c, string_agg(s, '-' ORDER BY s) FILTER (WHERE g = 1), jsonb_agg(x ORDER BY x DESC) FROM t")
        XCTAssertEqual(row.count, 1)
        XCTAssertEqual(Array(row[0].prefix(2)), [.integer(4), .text("a-b-c")])
        XCTAssertEqual(row[0][2].description, "[null, 5, 4, 3, 2, 1, 0]")
        XCTAssertEqual(try run("SELECT array_agg(DISTINCT x ORDER BY x DESC) FROM t"), [[.text("{NULL,5,4,3,2,1,0}")]])
        XCTAssertEqual(try run("SELECT avg(x) FILTER (WHERE g = 9) FROM t"), [[.null]])
        XCTAssertEqual(try run("SELECT jsonb_object_agg(s, x ORDER BY x) FILTER (WHERE s IS NOT NULL) FROM t")[0][0].description,
                       #"{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "z": 0}"#)
        // The same call with and without a clause are two aggregates.
        XCTAssertEqual(try run("SELECT count(*), count(*) FILTER (WHERE g = 1) FROM t"), [[.integer(7), .integer(3)]])
    }

    /// A materialized view over such aggregates has no delta rule: its
    /// refreshes recompute it, and read right.
    func testMaterializedViewRefreshes() throws {
        try run("CREATE MATERIALIZED VIEW mv AS SELECT g, count(*) FILTER (WHERE x > 1) AS c, string_agg(s, '' ORDER BY s DESC) AS w FROM t GROUP BY g")
        try run("INSERT INTO t VALUES (1, 9, 'q')")
        try run("REFRESH MATERIALIZED VIEW mv")
        XCTAssertEqual(try run("SELECT * FROM mv WHERE g = 1"), [[.integer(1), .integer(3), .text("qcba")]])
        try run("REFRESH MATERIALIZED VIEW mv INCREMENTALLY")
        XCTAssertEqual(try run("SELECT * FROM mv WHERE g = 1"), [[.integer(1), .integer(3), .text("qcba")]])
    }

    func testErrors() {
        fails("SELECT array_agg(DISTINCT x ORDER BY g) FROM t", "42P10", "ORDER BY expressions must appear in argument list")
        fails("SELECT lower('A' ORDER BY 1)", "42809", "ORDER BY specified, but lower is not an aggregate function")
        fails("SELECT lower('A') FILTER (WHERE true)", "42809", "FILTER specified, but lower is not an aggregate function")
        fails("SELECT count(*) FILTER (WHERE count(*) > 1) FROM t", "42803", "aggregate functions are not allowed in FILTER")
        fails("SELECT count(*) FILTER (WHERE x) FROM t", "42804", "boolean")
        fails("SELECT count(*) FILTER (x > 1) FROM t", "42601", "syntax error")
        fails("SELECT count(*) FILTER (WHERE x > 1 FROM t", "42601", "syntax error")
        fails("SELECT string_agg(s, ',' ORDER BY) FROM t", "42601", "syntax error")
    }
}

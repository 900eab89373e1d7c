import Core
import Engine
import XCTest

/// `LATERAL` derived tables and functions, each answer checked against
/// PostgreSQL 15 + pgvector 0.8.1 on the same rows.
final class LateralJoinTests: XCTestCase {
    var db: Database!

    override func setUp() {
        db = Database()
        XCTAssertNoThrow(try db.execute(SQLRequest(sql: """
            CREATE TABLE items (id INT PRIMARY KEY, embedding VECTOR(3), category INT);
            INSERT INTO items VALUES (1, '[1,2,3]', 1), (2, '[4,5,6]', 2), (3, '[1,1,1]', 1), (4, '[0,0,1]', 2)
            """)))
    }

    @discardableResult
    func run(_ sql: String) throws -> [Row] { try db.execute(SQLRequest(sql: sql)).last!.rows }

    func pairs(_ sql: String) throws -> [[Int64?]] {
        try run(sql).map { row in row.map { if case .integer(let n) = $0 { n } else { nil } } }
    }

    func testNearestNeighbourOfEachRow() throws {
        let sql = """
            SELECT i.id, n.id AS nid FROM items i CROSS JOIN LATERAL
              (SELECT id FROM items j WHERE j.id <> i.id ORDER BY j.embedding <-> i.embedding LIMIT 1) n ORDER BY i.id
            """
        XCTAssertEqual(try pairs(sql), [[1, 3], [2, 1], [3, 4], [4, 3]])
        // With an HNSW index the inner search uses it, once per left row, and answers the same.
        try run("CREATE INDEX ON items USING hnsw (embedding vector_l2_ops)")
        XCTAssertEqual(try pairs(sql), [[1, 3], [2, 1], [3, 4], [4, 3]])
        let plan = try run("EXPLAIN " + sql).map { $0[0].description }.joined(separator: "\n")
        XCTAssertTrue(plan.contains("Lateral Join") && plan.contains("HNSW Index Scan"), plan)
    }

    func testInnerCommaAndLeftForms() throws {
        let inner = "LATERAL (SELECT id FROM items j WHERE j.category = i.category AND j.id > i.id ORDER BY j.id LIMIT 1) n"
        XCTAssertEqual(try pairs("SELECT i.id, n.id FROM items i, \(inner) ORDER BY i.id"), [[1, 3], [2, 4]])
        XCTAssertEqual(try pairs("SELECT i.id, n.id FROM items i JOIN \(inner) ON true ORDER BY i.id"), [[1, 3], [2, 4]])
        XCTAssertEqual(try pairs("SELECT i.id, n.id FROM items i LEFT JOIN \(inner) ON true ORDER BY i.id"),
                       [[1, 3], [2, 4], [3, nil], [4, nil]])
        XCTAssertEqual(try pairs("SELECT i.id, s.c FROM items i JOIN LATERAL (SELECT count(*) AS c FROM items j WHERE j.id <= i.id) s ON s.c > 1 ORDER BY 1"),
                       [[2, 2], [3, 3], [4, 4]])
        XCTAssertEqual(try pairs("SELECT a.id, b.id2 FROM items a JOIN LATERAL (SELECT id AS id2, category FROM items) b USING (category) WHERE a.id = 1 ORDER BY 2"),
                       [[1, 1], [1, 3]])
        // WHERE over both sides, and a third item after the lateral one.
        XCTAssertEqual(try pairs("SELECT i.id, n.id, k.id FROM items i, \(inner), items k WHERE k.id = n.id + i.id ORDER BY 1"),
                       [[1, 3, 4]])
    }

    func testFunctionsAndNesting() throws {
        XCTAssertEqual(try pairs("SELECT i.id, g FROM items i CROSS JOIN LATERAL generate_series(1, i.id) g WHERE i.id <= 2 ORDER BY 1, 2"),
                       [[1, 1], [2, 1], [2, 2]])
        XCTAssertEqual(try run("SELECT * FROM LATERAL (SELECT 1 AS x) l"), [[.integer(1)]])
        // Inside a correlated subquery: the lateral item reads both its left item and the outer row.
        XCTAssertEqual(try pairs("SELECT id, (SELECT max(x) FROM (SELECT 1 AS one) d, LATERAL (SELECT o.id + d.one AS x) l) FROM items o ORDER BY id"),
                       [[1, 2], [2, 3], [3, 4], [4, 5]])
        // Per left row, not cached: an inner uncorrelated subquery still sees each row once.
        XCTAssertEqual(try pairs("SELECT i.id, l.s FROM items i, LATERAL (SELECT i.id * 10 + (SELECT count(*) FROM items) AS s) l ORDER BY 1"),
                       [[1, 14], [2, 24], [3, 34], [4, 44]])
    }

    /// Inside EXISTS a LATERAL item (or a derived table) may read the
    /// enclosing query: the subquery then runs correlated, not as a semi-join.
    func testLateralInsideExists() throws {
        try run("CREATE TABLE q (qid INT PRIMARY KEY, embedding VECTOR(3)); INSERT INTO q VALUES (1,'[1,2,3]'),(2,'[9,9,9]'),(3,'[1,1,1]'),(5,'[0,0,1]')")
        XCTAssertEqual(try pairs("SELECT q.qid FROM q WHERE EXISTS (SELECT 1 FROM items i CROSS JOIN LATERAL (SELECT q.qid AS d) s WHERE s.d = i.id) ORDER BY 1"),
                       [[1], [2], [3]])
        XCTAssertEqual(try pairs("SELECT q.qid FROM q WHERE EXISTS (SELECT 1 FROM items i, LATERAL (SELECT i.embedding <-> q.embedding AS d) s WHERE s.d = 0) ORDER BY 1"),
                       [[1], [3], [5]])
        XCTAssertEqual(try pairs("SELECT q.qid FROM q WHERE NOT EXISTS (SELECT 1 FROM (SELECT q.qid AS d) s WHERE s.d > 2) ORDER BY 1"),
                       [[1], [2]])
    }

    /// DISTINCT ON keeps the first row of each group in ORDER BY's order,
    /// which may use expressions outside the select list (the nearest row
    /// per category).
    func testDistinctOnOrderedByDistance() throws {
        XCTAssertEqual(try pairs("SELECT DISTINCT ON (category) category, id FROM items ORDER BY category, embedding <-> '[1,1,1]', id"),
                       [[1, 3], [2, 4]])
        XCTAssertEqual(try pairs("SELECT DISTINCT ON (category) category FROM items ORDER BY category, id DESC"), [[1], [2]])
        try run("CREATE TABLE dd (g INT, x INT, y INT); INSERT INTO dd VALUES (1, 5, 2), (2, 5, 1), (1, 7, 1)")
        // Equal visible rows from different groups both stay.
        XCTAssertEqual(try pairs("SELECT DISTINCT ON (g) x FROM dd ORDER BY g, y"), [[7], [5]])
        assertEngineError("42P10", "must appear in select list", "plain DISTINCT", file: #filePath, line: #line) {
            try run("SELECT DISTINCT category FROM items ORDER BY id")
        }
        assertEngineError("42P10", "must match initial ORDER BY", "DISTINCT ON", file: #filePath, line: #line) {
            try run("SELECT DISTINCT ON (category) id FROM items ORDER BY id")
        }
    }

    func testErrors() throws {
        assertEngineError("42P10", "LATERAL", "RIGHT JOIN LATERAL", file: #filePath, line: #line) {
            try run("SELECT * FROM items i RIGHT JOIN LATERAL (SELECT i.id) s ON true")
        }
        // Not reading the left side, a RIGHT JOIN LATERAL is an ordinary join.
        XCTAssertEqual(try run("SELECT count(*) FROM items i RIGHT JOIN LATERAL (SELECT 1 AS one) s ON true"), [[.integer(4)]])
        // Without LATERAL a derived table cannot see the items before it.
        assertEngineError("42P01", "\"i\"", "no LATERAL", file: #filePath, line: #line) {
            try run("SELECT * FROM items i, (SELECT i.id) s")
        }
        assertEngineError("42601", nil, "LATERAL table", file: #filePath, line: #line) { try run("SELECT * FROM LATERAL items") }
        assertEngineError("42601", nil, "trailing LATERAL", file: #filePath, line: #line) { try run("SELECT * FROM items LATERAL") }
        assertEngineError("42601", nil, "LATERAL join", file: #filePath, line: #line) {
            try run("SELECT * FROM items a, LATERAL (items b JOIN items c ON true)")
        }
    }
}

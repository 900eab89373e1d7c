import Core
import Engine
import XCTest

/// Merges where one side dropped a table the other changed, and merges of
/// materialized views: nothing is lost silently, and a view never counts
/// a merged change twice.
final class MergeEdgeTests: BranchSQLTestCase {

    /// The error's SQLSTATE (nil when the statement succeeds).
    func failure(_ sql: String, branch: String = "main") -> String? {
        do { try run(sql, branch: branch); return nil } catch let error as DatabaseError { return error.sqlState } catch { return "\(error)" }
    }

    func ids(_ table: String, branch: String = "main") throws -> [Int64] {
        try run("SELECT id FROM \(table) ORDER BY id", branch: branch).compactMap { row in
            if case .integer(let i) = row[0] { return i } else { return nil }
        }
    }

    /// `t` with rows 1, 2 on main, a branch `b`, then the branch drops it
    /// and main updates one row and adds another.
    func droppedOnTheSource() throws {
        try run("CREATE TABLE t (id INT PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b')")
        try run("CREATE BRANCH b")
        try run("DROP TABLE t", branch: "b")
        try run("UPDATE t SET v = 'main' WHERE id = 1; INSERT INTO t VALUES (3, 'c')")
    }

    func testDroppingATableTheTargetChangedIsAConflict() throws {
        try droppedOnTheSource()
        XCTAssertEqual(failure("MERGE BRANCH b INTO main"), "HB001")
        XCTAssertEqual(try ids("t"), [1, 2, 3], "nothing applied")
        try run("MERGE BRANCH b INTO main WITH (strategy = 'ours')")
        XCTAssertEqual(try ids("t"), [1, 2, 3], "the target's table stands")
    }

    func testDroppingATableTheTargetChangedWithTheirsDrops() throws {
        try droppedOnTheSource()
        try run("MERGE BRANCH b INTO main WITH (strategy = 'theirs')")
        XCTAssertEqual(failure("SELECT * FROM t"), "42P01")
    }

    func testDroppingATableNobodyChangedMergesCleanly() throws {
        try run("CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)")
        try run("CREATE BRANCH b")
        try run("DROP TABLE t", branch: "b")
        try run("MERGE BRANCH b INTO main")
        XCTAssertEqual(failure("SELECT * FROM t"), "42P01")
    }

    func testChangesToATableTheTargetDroppedAreAConflict() throws {
        try run("CREATE TABLE t (id INT PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a')")
        try run("CREATE BRANCH b")
        try run("INSERT INTO t VALUES (2, 'branch')", branch: "b")
        try run("DROP TABLE t")
        XCTAssertEqual(failure("MERGE BRANCH b INTO main"), "HB001")
        XCTAssertEqual(failure("SELECT * FROM t"), "42P01", "nothing applied")
        try run("MERGE BRANCH b INTO main WITH (strategy = 'ours')")
        XCTAssertEqual(failure("SELECT * FROM t"), "42P01", "the target's drop stands")
        try run("MERGE BRANCH b INTO main WITH (strategy = 'theirs')")
        XCTAssertEqual(try ids("t"), [1, 2], "the table comes back as the source has it")
    }

    func testAMergedChangeIsCountedOnceByAnAggregateView() throws {
        try run("CREATE TABLE my (id INT PRIMARY KEY, g INT, v VECTOR(2)); INSERT INTO my VALUES (1, 1, '[0,0]'), (2, 1, '[1,1]')")
        try run("CREATE MATERIALIZED VIEW mvy AS SELECT g, count(*) AS c FROM my GROUP BY g")
        try run("CREATE BRANCH mvb")
        try run("INSERT INTO my VALUES (3, 1, '[2,2]'); REFRESH MATERIALIZED VIEW mvy", branch: "mvb")
        XCTAssertEqual(try run("SELECT c FROM mvy", branch: "mvb"), [[.integer(3)]])
        try run("MERGE BRANCH mvb INTO main")
        try run("REFRESH MATERIALIZED VIEW mvy")
        XCTAssertEqual(try run("SELECT c FROM mvy"), [[.integer(3)]])
        try run("INSERT INTO my VALUES (4, 1, '[3,3]'); REFRESH MATERIALIZED VIEW mvy")
        XCTAssertEqual(try run("SELECT c FROM mvy"), [[.integer(4)]])
    }

    func testAViewCreatedOnTheSourceIsRecomputedOnTheTarget() throws {
        try run("CREATE TABLE s (id INT PRIMARY KEY, g INT); INSERT INTO s VALUES (1, 1)")
        try run("CREATE BRANCH b")
        try run("INSERT INTO s VALUES (2, 1); CREATE MATERIALIZED VIEW sv AS SELECT g, count(*) AS c FROM s GROUP BY g", branch: "b")
        try run("INSERT INTO s VALUES (3, 1)")
        try run("MERGE BRANCH b INTO main")
        try run("REFRESH MATERIALIZED VIEW sv")
        XCTAssertEqual(try run("SELECT c FROM sv"), [[.integer(3)]])
    }

    /// A table created on both sides since the fork, with different
    /// definitions (here vector stores of 2 and 3 dimensions): `fail`
    /// refuses, `ours` keeps the target's table, `theirs` takes the
    /// source's; no row of one ends up in the other's columns.
    func testTablesCreatedOnBothSidesDifferently() throws {
        for strategy in ["fail", "ours", "theirs"] {
            db = Database()
            try run("CREATE BRANCH b")
            try run("CREATE TABLE s (id TEXT PRIMARY KEY, e VECTOR(2)); INSERT INTO s VALUES ('a', '[1,0]')")
            try run("CREATE TABLE s (id TEXT PRIMARY KEY, e VECTOR(3)); INSERT INTO s VALUES ('b', '[1,0,0]')", branch: "b")
            let merge = "MERGE BRANCH b INTO main" + (strategy == "fail" ? "" : " WITH (strategy = '\(strategy)')")
            if strategy == "fail" {
                XCTAssertEqual(failure(merge), "HB001")
            } else {
                try run(merge)
            }
            let rows = try run("SELECT id, vector_dims(e) FROM s ORDER BY id")
            XCTAssertEqual(rows, strategy == "theirs" ? [[.text("b"), .integer(3)]] : [[.text("a"), .integer(2)]], strategy)
            XCTAssertNoThrow(try run("SELECT id FROM s ORDER BY e <-> \(strategy == "theirs" ? "'[1,0,0]'" : "'[1,0]'") LIMIT 5"), strategy)
        }
        // The same metric question: an index's options are part of the definition.
        db = Database()
        try run("CREATE BRANCH b")
        try run("CREATE TABLE s (id INT PRIMARY KEY, e VECTOR(2)); CREATE INDEX si ON s USING hnsw (e vector_cosine_ops)")
        try run("CREATE TABLE s (id INT PRIMARY KEY, e VECTOR(2)); CREATE INDEX si ON s USING hnsw (e vector_l2_ops); INSERT INTO s VALUES (1, '[0,0]')", branch: "b")
        try run("MERGE BRANCH b INTO main WITH (strategy = 'ours')")
        XCTAssertEqual(try ids("s"), [], "the zero vector stays out of the cosine table")
    }

    /// Created on both sides the same way: the rows of both are kept.
    func testTablesCreatedOnBothSidesAlikeMergeTheirRows() throws {
        try run("CREATE BRANCH b")
        try run("CREATE TABLE s (id INT PRIMARY KEY, e VECTOR(2)); INSERT INTO s VALUES (1, '[1,0]')")
        try run("CREATE TABLE s (id INT PRIMARY KEY, e VECTOR(2)); INSERT INTO s VALUES (2, '[0,1]')", branch: "b")
        try run("MERGE BRANCH b INTO main")
        XCTAssertEqual(try ids("s"), [1, 2])
    }

    /// A column added on both sides with different types: the target's
    /// type stands, and the source's values of it (text here) stay out of
    /// it, whatever the strategy; the source's other changes merge.
    func testAColumnAddedOnBothSidesWithDifferentTypes() throws {
        for strategy in ["ours", "theirs"] {
            db = Database()
            try run("CREATE TABLE t (id INT PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a')")
            try run("CREATE BRANCH b")
            try run("ALTER TABLE t ADD COLUMN x INT; UPDATE t SET x = 5")
            try run("ALTER TABLE t ADD COLUMN x TEXT; UPDATE t SET x = 'hello', v = 'src'; INSERT INTO t VALUES (2, 'new', 'oops')", branch: "b")
            try run("MERGE BRANCH b INTO main WITH (strategy = '\(strategy)')")
            // (Row 1 changed on both sides: the strategy picks its v.)
            XCTAssertEqual(try run("SELECT id, v, x FROM t ORDER BY id"),
                           [[.integer(1), .text(strategy == "ours" ? "a" : "src"), .integer(5)], [.integer(2), .text("new"), .null]], strategy)
            XCTAssertEqual(try run("SELECT sum(x) FROM t"), [[.integer(5)]], "x holds integers only")
        }
    }
}

/// A fresh database per test and statements run on a named branch.
class BranchSQLTestCase: XCTestCase {
    var db: Database!

    override func setUp() { db = Database() }

    @discardableResult
    func run(_ sql: String, branch: String = "main") throws -> [Row] {
        try db.execute(SQLRequest(sql: sql, branch: branch)).last!.rows
    }
}

import Core
import Engine
import XCTest

/// Indexes merge like columns: created on the source since the fork, they
/// reach the target (an HNSW index with its graph); dropped there, they go.
final class MergeIndexTests: BranchSQLTestCase {

    func indexes(branch: String = "main") throws -> [String] {
        try run("SELECT indexname FROM pg_indexes WHERE tablename = 't' ORDER BY indexname", branch: branch).map { "\($0[0])" }
    }

    func plan(_ sql: String, branch: String = "main") throws -> String {
        try run("EXPLAIN " + sql, branch: branch).map { "\($0[0])" }.joined(separator: "\n")
    }

    func testIndexesCreatedOnTheSourceReachTheTarget() throws {
        try run("CREATE TABLE t (id INT PRIMARY KEY, tag TEXT, code TEXT, v VECTOR(2))")
        try run("INSERT INTO t VALUES (1, 'a', 'x', '[0,0]'), (2, 'b', 'y', '[5,5]'), (3, 'c', 'z', '[9,9]')")
        try run("CREATE INDEX old_tag ON t (tag)")
        try run("CREATE BRANCH b")
        try run("CREATE INDEX t_v ON t USING hnsw (v) WITH (m = 8)", branch: "b")
        try run("CREATE INDEX t_code ON t (code)", branch: "b")
        try run("CREATE UNIQUE INDEX t_code_unique ON t (code)", branch: "b")
        try run("DROP INDEX old_tag", branch: "b")
        try run("INSERT INTO t VALUES (4, 'd', 'x', '[1,1]')")   // main's rows would break the unique one
        try run("MERGE BRANCH b INTO main")
        XCTAssertEqual(try indexes(), ["t_code", "t_pkey", "t_v"], "created ones carried (not the unique one), the dropped one gone")
        XCTAssertTrue(try plan("SELECT id FROM t ORDER BY v <-> '[1,1]' LIMIT 1").contains("HNSW Index Scan using t_v"))
        XCTAssertEqual(try run("SELECT id FROM t ORDER BY v <-> '[1,1]' LIMIT 2").map { $0[0] }, [.integer(4), .integer(1)])
        XCTAssertEqual(try run("SELECT num_vectors FROM pg_vector_index_stats('t_v')").first?[0], .integer(4))
        XCTAssertEqual(try run("SELECT count(*) FROM t WHERE code = 'x'").first?[0], .integer(2))
    }

    /// On a large table the graph is built before the merge takes the lock
    /// (as for CREATE INDEX), then catches up with what main wrote meanwhile.
    func testAnHNSWIndexMergedIntoALargeTable() throws {
        try run("CREATE TABLE t (id INT PRIMARY KEY, v VECTOR(3))")
        try run("INSERT INTO t SELECT i, '[' || (i % 47) || ',' || (i % 13) || ',' || (i / 100) || ']' FROM generate_series(1, 2500) i")
        try run("CREATE BRANCH b")
        try run("CREATE INDEX t_v ON t USING hnsw (v)", branch: "b")
        try run("INSERT INTO t VALUES (9001, '[100,100,100]')")
        try run("MERGE BRANCH b INTO main")
        XCTAssertTrue(try plan("SELECT id FROM t ORDER BY v <-> '[100,100,99]' LIMIT 1").contains("HNSW Index Scan using t_v"))
        XCTAssertEqual(try run("SELECT id FROM t ORDER BY v <-> '[100,100,99]' LIMIT 1").first?[0], .integer(9001))
        XCTAssertEqual(try run("SELECT id FROM t ORDER BY v <-> '[5,5,5]' LIMIT 1").first?[0], .integer(616), "[5,5,6]")
        XCTAssertEqual(try run("SELECT num_vectors FROM pg_vector_index_stats('t_v')").first?[0], .integer(2501))
    }

    func definition(_ index: String, branch: String = "main") throws -> String? {
        try run("SELECT indexdef FROM pg_indexes WHERE indexname = '\(index)'", branch: branch).first.map { "\($0[0])" }
    }

    func mergeFails(_ sql: String) {
        XCTAssertThrowsError(try run(sql)) { error in XCTAssertEqual((error as? DatabaseError)?.sqlState, "HB001", "\(error)") }
    }

    /// `t (a, b, c)` with index `t_x` on `a`, a branch `b`, then each side's changes.
    func fork(source: String, target: String?) throws {
        try run("CREATE TABLE t (id INT PRIMARY KEY, a TEXT, b TEXT, c TEXT); CREATE INDEX t_x ON t (a)")
        try run("CREATE BRANCH b")
        try run(source, branch: "b")
        if let target { try run(target) }
    }

    func testAnIndexRedefinedOnTheSourceIsRedefinedOnTheTarget() throws {
        try fork(source: "DROP INDEX t_x; CREATE INDEX t_x ON t (b)", target: nil)
        try run("MERGE BRANCH b INTO main")
        let merged = try definition("t_x") ?? "none"
        XCTAssertTrue(merged.contains("(b)"), merged)
    }

    func testAnIndexChangedDifferentlyOnBothSidesIsAConflict() throws {
        try fork(source: "DROP INDEX t_x; CREATE INDEX t_x ON t (b)", target: "DROP INDEX t_x; CREATE INDEX t_x ON t (c)")
        mergeFails("MERGE BRANCH b INTO main")
        try run("MERGE BRANCH b INTO main WITH (strategy = 'ours')")
        XCTAssertTrue(try definition("t_x")?.contains("(c)") ?? false)
        try run("MERGE BRANCH b INTO main WITH (strategy = 'theirs')")
        XCTAssertTrue(try definition("t_x")?.contains("(b)") ?? false)
    }

    func testASourceDropOfAnIndexTheTargetRedefinedIsAConflict() throws {
        try fork(source: "DROP INDEX t_x", target: "DROP INDEX t_x; CREATE INDEX t_x ON t (b)")
        mergeFails("MERGE BRANCH b INTO main")
        try run("MERGE BRANCH b INTO main WITH (strategy = 'ours')")
        XCTAssertTrue(try definition("t_x")?.contains("(b)") ?? false, "the target's index stands")
    }

    func testANameTheMergeFreesIsNoClash() throws {
        try run("CREATE TABLE a (id INT PRIMARY KEY, v TEXT); CREATE INDEX x_idx ON a (v)")
        try run("CREATE BRANCH b")
        try run("DROP TABLE a; CREATE TABLE c (id INT PRIMARY KEY, v TEXT); CREATE INDEX x_idx ON c (v)", branch: "b")
        try run("MERGE BRANCH b INTO main")
        XCTAssertEqual(try run("SELECT tablename FROM pg_indexes WHERE indexname = 'x_idx'").map { "\($0[0])" }, ["c"])
    }

    func testARenamedColumnIsNoChangeToItsIndex() throws {
        try run("CREATE TABLE t (id INT PRIMARY KEY, v VECTOR(2)); CREATE INDEX t_v ON t USING hnsw (v)")
        try run("INSERT INTO t VALUES (1, '[0,0]'), (2, '[5,5]')")
        try run("CREATE BRANCH b")
        try run("DROP INDEX t_v; CREATE INDEX t_v ON t USING hnsw (v) WITH (m = 8)", branch: "b")
        try run("ALTER TABLE t RENAME COLUMN v TO w")
        try run("MERGE BRANCH b INTO main")
        let merged = try definition("t_v") ?? "none"
        XCTAssertTrue(merged.contains("(w") && merged.contains("m"), merged)
        XCTAssertEqual(try run("SELECT id FROM t ORDER BY w <-> '[4,4]' LIMIT 1").first?[0], .integer(2))
    }

    func testIndexNamesTheTargetGaveOtherRelationsStayBehind() throws {
        try run("CREATE TABLE t (id INT PRIMARY KEY, a TEXT); CREATE TABLE u (id INT PRIMARY KEY, a TEXT)")
        try run("CREATE BRANCH b")
        try run("CREATE INDEX x ON t (a)", branch: "b")
        try run("CREATE INDEX x ON u (a)")
        mergeFails("MERGE BRANCH b INTO main")
        try run("MERGE BRANCH b INTO main WITH (strategy = 'theirs')")
        XCTAssertEqual(try run("SELECT tablename FROM pg_indexes WHERE indexname = 'x'").map { "\($0[0])" }, ["u"], "one relation named x")
        try run("CREATE BRANCH c")
        try run("CREATE INDEX y ON t (a)", branch: "c")
        try run("CREATE TABLE y (id INT PRIMARY KEY)")
        mergeFails("MERGE BRANCH c INTO main")
        try run("CREATE BRANCH d")
        try run("CREATE TABLE z (id INT PRIMARY KEY)", branch: "d")
        try run("CREATE INDEX z ON t (a)")
        mergeFails("MERGE BRANCH d INTO main")
    }

    func testOneIndexNameCreatedDifferentlyOnBothSidesIsAConflict() throws {
        try run("CREATE TABLE t (id INT PRIMARY KEY, a TEXT, b TEXT)")
        try run("CREATE BRANCH b")
        try run("CREATE INDEX t_i ON t (a)", branch: "b")
        try run("CREATE INDEX t_i ON t (b)")
        XCTAssertThrowsError(try run("MERGE BRANCH b INTO main")) { error in
            XCTAssertEqual((error as? DatabaseError)?.sqlState, "HB001")
        }
        XCTAssertTrue(try run("SELECT indexdef FROM pg_indexes WHERE indexname = 't_i'").first.map { "\($0[0])" }?.contains("(b)") ?? false,
                      "a failed merge changes nothing")
        try run("MERGE BRANCH b INTO main WITH (strategy = 'theirs')")
        let definition = try run("SELECT indexdef FROM pg_indexes WHERE indexname = 't_i'").first.map { "\($0[0])" } ?? ""
        XCTAssertTrue(definition.contains("(a)"), definition)
    }
}

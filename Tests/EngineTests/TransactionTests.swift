import Core
import Engine
import Foundation
import XCTest

/// Transactions spanning requests, savepoints and the aborted state.
final class TransactionTests: XCTestCase {
    func rows(_ db: Database, _ sql: String, in id: String? = nil) throws -> [Row] {
        try db.execute(SQLRequest(sql: sql, transactionID: id)).last!.rows
    }

    func state(of error: Error) -> String? { (error as? EngineError)?.sqlState }

    func testRequestsShareOneSnapshotUntilCommit() throws {
        let db = Database()
        _ = try rows(db, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a')")
        let (id, snapshot) = try db.beginTransaction()
        XCTAssertEqual(snapshot, db.lastCommittedSCN)
        _ = try rows(db, "INSERT INTO t VALUES (2, 'b')", in: id)
        _ = try rows(db, "INSERT INTO t VALUES (3, 'outside')")
        XCTAssertEqual(try rows(db, "SELECT count(*) FROM t", in: id), [[.integer(2)]], "own write, not the later commit")
        XCTAssertEqual(try rows(db, "SELECT count(*) FROM t"), [[.integer(2)]], "others do not see uncommitted rows")
        let scn = try db.commitTransaction(id)
        XCTAssertNotNil(scn)
        XCTAssertEqual(try rows(db, "SELECT count(*) FROM t"), [[.integer(3)]])
        XCTAssertThrowsError(try db.commitTransaction(id)) { XCTAssertEqual(self.state(of: $0), "25P03") }
    }

    func testRollbackDiscardsEverything() throws {
        let db = Database()
        _ = try rows(db, "CREATE TABLE t (id INT PRIMARY KEY)")
        let (id, _) = try db.beginTransaction()
        _ = try rows(db, "INSERT INTO t VALUES (1), (2)", in: id)
        try db.rollbackTransaction(id)
        XCTAssertEqual(try rows(db, "SELECT count(*) FROM t"), [[.integer(0)]])
        XCTAssertThrowsError(try rows(db, "SELECT 1", in: id)) { XCTAssertEqual(self.state(of: $0), "25P03") }
    }

    func testErrorAbortsUntilRollback() throws {
        let db = Database()
        _ = try rows(db, "CREATE TABLE t (id INT PRIMARY KEY)")
        let (id, _) = try db.beginTransaction()
        _ = try rows(db, "INSERT INTO t VALUES (1)", in: id)
        XCTAssertThrowsError(try rows(db, "INSERT INTO t VALUES (1)", in: id)) { XCTAssertEqual(self.state(of: $0), "23505") }
        XCTAssertThrowsError(try rows(db, "SELECT 1", in: id)) { XCTAssertEqual(self.state(of: $0), "25P02") }
        XCTAssertThrowsError(try db.commitTransaction(id)) { XCTAssertEqual(self.state(of: $0), "25P02") }
        XCTAssertEqual(try rows(db, "SELECT count(*) FROM t"), [[.integer(0)]], "nothing of the aborted transaction remains")
    }

    func testSavepoints() throws {
        let db = Database()
        _ = try rows(db, "CREATE TABLE t (id INT PRIMARY KEY)")
        _ = try rows(db, "BEGIN; INSERT INTO t VALUES (1); SAVEPOINT s1; INSERT INTO t VALUES (2); ROLLBACK TO SAVEPOINT s1; INSERT INTO t VALUES (3); COMMIT")
        XCTAssertEqual(try rows(db, "SELECT id FROM t ORDER BY id"), [[.integer(1)], [.integer(3)]])
        let (id, _) = try db.beginTransaction()
        _ = try rows(db, "SAVEPOINT a; INSERT INTO t VALUES (4)", in: id)
        XCTAssertThrowsError(try rows(db, "INSERT INTO t VALUES (4)", in: id))
        _ = try rows(db, "ROLLBACK TO SAVEPOINT a; INSERT INTO t VALUES (5)", in: id)
        _ = try db.commitTransaction(id)
        XCTAssertEqual(try rows(db, "SELECT id FROM t ORDER BY id"), [[.integer(1)], [.integer(3)], [.integer(5)]])
        XCTAssertThrowsError(try rows(db, "BEGIN; ROLLBACK TO SAVEPOINT nope")) { XCTAssertEqual(self.state(of: $0), "3B001") }
    }

    func testOpenLimitAndIdleTimeout() throws {
        let db = Database(transactionIdleTimeout: 0.05, maxOpenTransactions: 2)
        let first = try db.beginTransaction().id
        _ = try db.beginTransaction()
        XCTAssertThrowsError(try db.beginTransaction()) { XCTAssertEqual(self.state(of: $0), "53300") }
        XCTAssertEqual(db.openTransactionCount, 2)
        usleep(120_000)
        XCTAssertEqual(db.reapIdleTransactions(), 2)
        XCTAssertEqual(db.openTransactionCount, 0)
        XCTAssertThrowsError(try rows(db, "SELECT 1", in: first)) { XCTAssertEqual(self.state(of: $0), "25P03") }
        XCTAssertNoThrow(try db.beginTransaction())
    }

    func testWriteWriteConflictAcrossTransactions() throws {
        let db = Database()
        _ = try rows(db, "CREATE TABLE c (id INT PRIMARY KEY, n INT); INSERT INTO c VALUES (1, 0)")
        let a = try db.beginTransaction().id, b = try db.beginTransaction().id
        _ = try rows(db, "UPDATE c SET n = n + 1 WHERE id = 1", in: a)
        _ = try rows(db, "UPDATE c SET n = n + 10 WHERE id = 1", in: b)
        XCTAssertNotNil(try db.commitTransaction(a))
        XCTAssertThrowsError(try db.commitTransaction(b)) { XCTAssertEqual(self.state(of: $0), "40001") }
        XCTAssertEqual(try rows(db, "SELECT n FROM c"), [[.integer(1)]])
    }

    /// SET follows PostgreSQL's transaction rules (each expectation checked
    /// against PostgreSQL 15): a rolled-back SET is undone, SET LOCAL ends
    /// with its transaction, ROLLBACK TO undoes the SETs after the savepoint.
    func testSettingsFollowTransactions() throws {
        let db = Database()
        func shown(_ sql: String, in id: String? = nil) throws -> [Value] {
            try db.execute(SQLRequest(sql: sql, transactionID: id)).compactMap { $0.statementType == "SHOW" ? $0.rows.first?.first : nil }
        }
        XCTAssertEqual(try shown("BEGIN; SET LOCAL hnsw.ef_search = 100; SHOW hnsw.ef_search; COMMIT; SHOW hnsw.ef_search"),
                       [.text("100"), .text("40")])
        // The statements before BEGIN are the request's transaction, as a simple query's.
        XCTAssertEqual(try shown("SET LOCAL hnsw.ef_search = 100; SHOW hnsw.ef_search"), [.text("100")])
        XCTAssertEqual(try shown("BEGIN; SET hnsw.ef_search = 77; ROLLBACK; SHOW hnsw.ef_search"), [.text("40")])
        XCTAssertEqual(try shown("BEGIN; SET hnsw.ef_search = 77; COMMIT; SHOW hnsw.ef_search"), [.text("77")])
        XCTAssertEqual(try shown("""
            BEGIN; SET work_mem = '77MB'; SAVEPOINT a; SET work_mem = '88MB'; SET LOCAL hnsw.ef_search = 9;
            ROLLBACK TO SAVEPOINT a; SHOW work_mem; SHOW hnsw.ef_search; COMMIT; SHOW work_mem
            """), [.text("77MB"), .text("40"), .text("77MB")])
        XCTAssertEqual(try shown("BEGIN; SET work_mem = '1MB'; SET LOCAL work_mem = '2MB'; SHOW work_mem; COMMIT; SHOW work_mem"),
                       [.text("2MB"), .text("1MB")], "SET LOCAL over SET: the SET stays after COMMIT")
        XCTAssertEqual(try shown("BEGIN; RESET ALL; ROLLBACK; SHOW hnsw.ef_search", in: nil), [.text("40")])
        // The ef_search a statement uses is the one in effect.
        _ = try rows(db, """
            CREATE TABLE v (id INT PRIMARY KEY, e VECTOR(2)); CREATE INDEX ON v USING hnsw (e);
            INSERT INTO v SELECT i, '[' || i || ',1]' FROM generate_series(1, 50) i
            """)
        func searched(_ sql: String) throws -> [String] {
            try db.execute(SQLRequest(sql: sql)).filter { $0.statementType == "EXPLAIN" }.map { result in
                let text = result.rows.map { $0[0].description }.joined(separator: "\n")
                return text.range(of: "ef_search=[0-9]+", options: .regularExpression).map { String(text[$0]) } ?? text
            }
        }
        let analyze = "EXPLAIN ANALYZE SELECT id FROM v ORDER BY e <-> '[1,1]' LIMIT 3"
        XCTAssertEqual(try searched("BEGIN; SET LOCAL hnsw.ef_search = 123; \(analyze); COMMIT; \(analyze)"),
                       ["ef_search=123", "ef_search=40"])
        XCTAssertEqual(try searched("BEGIN; SET hnsw.ef_search = 123; ROLLBACK; \(analyze)"), ["ef_search=40"])
        // A transaction spanning requests keeps its settings until it ends.
        let (id, _) = try db.beginTransaction()
        _ = try rows(db, "SET hnsw.ef_search = 64", in: id)
        XCTAssertEqual(try shown("SHOW hnsw.ef_search", in: id), [.text("64")])
        try db.rollbackTransaction(id)
    }

    func testCurrentSetting() throws {
        let db = Database()
        XCTAssertEqual(try rows(db, "SELECT current_setting('hnsw.ef_search'), current_setting('TimeZone')"),
                       [[.text("40"), .text("UTC")]])
        XCTAssertEqual(try rows(db, "SET hnsw.ef_search = 64; SET application_name = 'etl'; SELECT current_setting('HNSW.EF_SEARCH'), current_setting('application_name')"),
                       [[.text("64"), .text("etl")]])
        XCTAssertEqual(try rows(db, "SELECT current_setting('nope.x', true), current_setting(NULL)"), [[.null, .null]])
        XCTAssertEqual(try rows(db, "SELECT current_setting('nope.x', 'yes'), current_setting('TimeZone', 'off')"), [[.null, .text("UTC")]])
        XCTAssertThrowsError(try rows(db, "SELECT current_setting('nope', 'maybe')")) { XCTAssertEqual(self.state(of: $0), "22P02") }
        XCTAssertThrowsError(try rows(db, "SELECT current_setting('nope')")) { XCTAssertEqual(self.state(of: $0), "42704") }
        XCTAssertThrowsError(try rows(db, "SELECT current_setting()")) { XCTAssertEqual(self.state(of: $0), "42883") }
        XCTAssertThrowsError(try rows(db, "SELECT current_setting('a', 'b', 'c')")) { XCTAssertEqual(self.state(of: $0), "42883") }
        // current_setting(text) only, as PostgreSQL.
        XCTAssertThrowsError(try rows(db, "SELECT current_setting(1)")) { XCTAssertEqual(self.state(of: $0), "42883") }
    }

    /// `AS [NOT] MATERIALIZED` is a hint: the answer is the query's.
    func testMaterializedHintsOnCommonTableExpressions() throws {
        let db = Database()
        _ = try rows(db, "CREATE TABLE t (id INT PRIMARY KEY, d DOUBLE PRECISION); INSERT INTO t VALUES (1, 3), (2, 1), (3, 2)")
        let plain = try rows(db, "WITH r AS (SELECT id, d FROM t ORDER BY d LIMIT 2) SELECT * FROM r ORDER BY d + 0")
        XCTAssertEqual(plain, [[.integer(2), .double(1)], [.integer(3), .double(2)]])
        XCTAssertEqual(try rows(db, "WITH r AS MATERIALIZED (SELECT id, d FROM t ORDER BY d LIMIT 2) SELECT * FROM r ORDER BY d + 0"), plain)
        XCTAssertEqual(try rows(db, "WITH r AS NOT MATERIALIZED (SELECT id, d FROM t ORDER BY d LIMIT 2) SELECT * FROM r ORDER BY d + 0"), plain)
    }
}

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
}

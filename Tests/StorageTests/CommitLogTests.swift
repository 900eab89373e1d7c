import Core
@testable import Storage
import XCTest

/// The SCN clock and the commit log.
final class CommitLogTests: XCTestCase {
    func testFreshStore() throws {
        let store: any StorageEngine = MemoryStore()
        XCTAssertEqual(store.lastCommittedSCN, .zero)
        XCTAssertTrue(store.commits().isEmpty)
        let txn = try store.begin(branch: .main)
        XCTAssertEqual(txn.snapshotSCN, .zero)
        XCTAssertEqual(txn.branch, .main)
        XCTAssertFalse(txn.hasWrites)
        XCTAssertTrue(txn.tableNames().isEmpty)
        XCTAssertNil(txn.table(named: "kv"))
    }

    func testUnknownBranchIsRejected() {
        let store: any StorageEngine = MemoryStore()
        let error = storageError { () throws(StorageError) in _ = try store.begin(branch: BranchID(rawValue: 42)) }
        XCTAssertEqual(error?.sqlState, "3D000")
        XCTAssertEqual(store.lastCommittedSCN, .zero)
    }

    func testEachWriteCommitAdvancesSCNByOneAndIsLogged() throws {
        let (store, table) = try Fixture.storeWithKV()
        var ids: [TransactionID] = []
        let startMicros = MemoryStore.nowMicros()
        for i in 0..<10 {
            let txn = try store.begin(branch: .main)
            XCTAssertEqual(txn.snapshotSCN, SCN(UInt64(i) + 1), "snapshot is the last commit")
            try txn.insert(table, row: row(Int64(i), "v\(i)"))
            XCTAssertTrue(txn.hasWrites)
            let scn = try txn.commit()
            XCTAssertEqual(scn, SCN(UInt64(i) + 2))
            XCTAssertEqual(store.lastCommittedSCN, scn)
            ids.append(txn.id)
            // Read-only transactions in between change nothing.
            let reader = try store.begin(branch: .main)
            _ = reader.scan(table)
            XCTAssertNil(try reader.commit())
            let rolledBack = try store.begin(branch: .main)
            try rolledBack.insert(table, row: row(1000 + Int64(i), "x"))
            rolledBack.rollback()
        }
        let log = store.commits()
        XCTAssertEqual(log.count, 11)
        XCTAssertEqual(log.map(\.scn), (1...11).map { SCN(UInt64($0)) })
        XCTAssertEqual(Array(log.dropFirst().map(\.transactionID)), ids)
        XCTAssertEqual(Set(log.map(\.transactionID)).count, log.count, "one record per transaction")
        XCTAssertTrue(log.allSatisfy { $0.branch == .main })
        XCTAssertEqual(log.map(\.timestampMicros), log.map(\.timestampMicros).sorted(), "wall time non-decreasing")
        XCTAssertGreaterThanOrEqual(log.last!.timestampMicros, startMicros)
        XCTAssertLessThanOrEqual(log.last!.timestampMicros, MemoryStore.nowMicros())
        XCTAssertEqual(store.lastCommittedSCN, SCN(11))
    }

    func testTransactionIDsAreUniqueAndIncreasing() throws {
        let store: any StorageEngine = MemoryStore()
        let ids = try (0..<50).map { _ in try store.begin(branch: .main).id }
        XCTAssertEqual(ids, ids.sorted())
        XCTAssertEqual(Set(ids).count, ids.count)
    }

    func testFailedCommitIsNotLogged() throws {
        let (store, table) = try Fixture.storeWithKV()
        let t1 = try store.begin(branch: .main)
        let t2 = try store.begin(branch: .main)
        try t1.insert(table, row: row(1, "a"))
        try t2.insert(table, row: row(1, "b"))
        XCTAssertEqual(try t1.commit(), SCN(2))
        let error = storageError { () throws(StorageError) in _ = try t2.commit() }
        XCTAssertEqual(error?.sqlState, SQLState.serializationFailure)
        XCTAssertTrue(error?.message.contains("concurrent") ?? false, error?.message ?? "")
        XCTAssertEqual(store.commits().map(\.transactionID).last, t1.id)
        XCTAssertEqual(store.commits().count, 2)
        XCTAssertEqual(store.lastCommittedSCN, SCN(2))
        // The next successful commit takes the very next SCN: no gap for the failure.
        let t3 = try store.begin(branch: .main)
        try t3.insert(table, row: row(2, "c"))
        XCTAssertEqual(try t3.commit(), SCN(3))
    }

    func testDDLCommitsAdvanceSCNToo() throws {
        let store: any StorageEngine = MemoryStore()
        let t1 = try store.begin(branch: .main)
        _ = try t1.createTable(Fixture.kvSchema("a"))
        _ = try t1.createTable(Fixture.kvSchema("b"))
        XCTAssertTrue(t1.hasWrites)
        XCTAssertEqual(try t1.commit(), SCN(1), "one SCN for the whole transaction")
        let t2 = try store.begin(branch: .main)
        try t2.dropTable(named: "a")
        XCTAssertEqual(try t2.commit(), SCN(2))
        XCTAssertEqual(store.commits().map(\.scn), [SCN(1), SCN(2)])
    }
}

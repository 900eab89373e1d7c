import Core
@testable import Storage
import XCTest

/// DDL is versioned like data: isolated, atomic, and conflict-checked.
final class CatalogTests: XCTestCase {
    func testCreatedTableIsInvisibleToOthersUntilCommitted() throws {
        let store: any StorageEngine = MemoryStore()
        let creator = try store.begin(branch: .main)
        let table = try creator.createTable(Fixture.kvSchema("t"))
        XCTAssertNotEqual(table.id, 0, "storage assigns the id")
        XCTAssertEqual(table.name, "t")
        XCTAssertEqual(table.columns, Fixture.kvSchema("t").columns)
        try creator.insert(table, row: row(1, "a"))
        XCTAssertEqual(creator.table(named: "t"), table)
        XCTAssertEqual(creator.tableNames(), ["t"])
        XCTAssertEqual(creator.scan(table).map(\.row), [row(1, "a")])

        let other = try store.begin(branch: .main)
        XCTAssertNil(other.table(named: "t"))
        XCTAssertEqual(other.tableNames(), [])

        XCTAssertEqual(try creator.commit(), SCN(1))
        XCTAssertNil(other.table(named: "t"), "an older snapshot still does not see it")
        XCTAssertEqual(other.tableNames(), [])

        let later = try store.begin(branch: .main)
        XCTAssertEqual(later.table(named: "t"), table)
        XCTAssertEqual(later.tableNames(), ["t"])
        XCTAssertEqual(later.scan(table).map(\.row), [row(1, "a")], "DDL and data commit atomically")
    }

    func testRolledBackCreateLeavesNothing() throws {
        let store: any StorageEngine = MemoryStore()
        let txn = try store.begin(branch: .main)
        let table = try txn.createTable(Fixture.kvSchema("t"))
        try txn.insert(table, row: row(1, "a"))
        txn.rollback()
        let later = try store.begin(branch: .main)
        XCTAssertNil(later.table(named: "t"))
        XCTAssertEqual(store.lastCommittedSCN, .zero)
    }

    func testCreateExistingAndDropMissingFail() throws {
        let (store, _) = try Fixture.storeWithKV()
        let txn = try store.begin(branch: .main)
        let duplicate = storageError { () throws(StorageError) in _ = try txn.createTable(Fixture.kvSchema("kv")) }
        XCTAssertEqual(duplicate?.sqlState, SQLState.duplicateTable)
        XCTAssertTrue(duplicate?.message.contains("kv") ?? false)
        let missing = storageError { () throws(StorageError) in try txn.dropTable(named: "nope") }
        XCTAssertEqual(missing?.sqlState, SQLState.undefinedTable)
        _ = try txn.createTable(Fixture.kvSchema("x"))
        let pendingDuplicate = storageError { () throws(StorageError) in _ = try txn.createTable(Fixture.kvSchema("x")) }
        XCTAssertEqual(pendingDuplicate?.sqlState, SQLState.duplicateTable)
        XCTAssertTrue(txn.hasWrites)
        XCTAssertEqual(txn.tableNames(), ["kv", "x"])
    }

    /// Two transactions create the same name: the second committer gets 40001 and
    /// none of its writes are applied.
    func testConcurrentCreateOfSameNameConflicts() throws {
        let store: any StorageEngine = MemoryStore()
        let t1 = try store.begin(branch: .main)
        let t2 = try store.begin(branch: .main)
        let a = try t1.createTable(Fixture.kvSchema("t"))
        var schemaB = Fixture.kvSchema("t")
        schemaB.columns.append(ColumnSchema(name: "extra", type: .boolean))
        let b = try t2.createTable(schemaB)
        XCTAssertNotEqual(a.id, b.id)
        try t1.insert(a, row: row(1, "from t1"))
        try t2.insert(b, row: [.integer(2), .text("from t2"), .boolean(true)])
        _ = try t2.createTable(Fixture.kvSchema("only_in_t2"))
        XCTAssertEqual(try t1.commit(), SCN(1))
        let error = storageError { () throws(StorageError) in _ = try t2.commit() }
        XCTAssertEqual(error?.sqlState, "40001")
        XCTAssertEqual(store.lastCommittedSCN, SCN(1))

        let reader = try store.begin(branch: .main)
        XCTAssertEqual(reader.table(named: "t"), a)
        XCTAssertEqual(reader.tableNames(), ["t"])
        XCTAssertEqual(reader.scan(a).map(\.row), [row(1, "from t1")])
        XCTAssertTrue(reader.scan(b).isEmpty)
    }

    func testConcurrentCreatesOfDifferentNamesBothCommit() throws {
        let store: any StorageEngine = MemoryStore()
        let t1 = try store.begin(branch: .main)
        let t2 = try store.begin(branch: .main)
        _ = try t1.createTable(Fixture.kvSchema("a"))
        _ = try t2.createTable(Fixture.kvSchema("b"))
        XCTAssertEqual(try t1.commit(), SCN(1))
        XCTAssertEqual(try t2.commit(), SCN(2))
        XCTAssertEqual(try store.begin(branch: .main).tableNames(), ["a", "b"])
    }

    func testConcurrentDropsOfSameTableConflict() throws {
        let (store, _) = try Fixture.storeWithKV()
        let t1 = try store.begin(branch: .main)
        let t2 = try store.begin(branch: .main)
        try t1.dropTable(named: "kv")
        try t2.dropTable(named: "kv")
        XCTAssertNotNil(try t1.commit())
        XCTAssertEqual(storageError { () throws(StorageError) in _ = try t2.commit() }?.sqlState, "40001")
    }

    /// Rows written into a table that a concurrent transaction dropped are refused.
    func testWritesIntoConcurrentlyDroppedTableConflict() throws {
        let (store, kv) = try Fixture.storeWithKV()
        let writer = try store.begin(branch: .main)
        let dropper = try store.begin(branch: .main)
        try writer.insert(kv, row: row(1, "a"))
        try dropper.dropTable(named: "kv")
        XCTAssertEqual(try dropper.commit(), SCN(2))
        XCTAssertEqual(storageError { () throws(StorageError) in _ = try writer.commit() }?.sqlState, "40001")
        XCTAssertNil(try store.begin(branch: .main).table(named: "kv"))
    }

    /// … and so are rows written into a table that was dropped and re-created meanwhile.
    func testWritesIntoConcurrentlyReplacedTableConflict() throws {
        let (store, kv) = try Fixture.storeWithKV()
        let writer = try store.begin(branch: .main)
        try writer.insert(kv, row: row(1, "a"))
        let replacer = try store.begin(branch: .main)
        try replacer.dropTable(named: "kv")
        let replacement = try replacer.createTable(Fixture.kvSchema())
        _ = try replacer.commit()
        XCTAssertEqual(storageError { () throws(StorageError) in _ = try writer.commit() }?.sqlState, "40001")
        let reader = try store.begin(branch: .main)
        XCTAssertEqual(reader.table(named: "kv")?.id, replacement.id)
        XCTAssertTrue(reader.scan(replacement).isEmpty)
    }

    /// A row write and an unrelated DDL commit never conflict.
    func testUnrelatedDDLDoesNotConflictWithWrites() throws {
        let (store, kv) = try Fixture.storeWithKV()
        let writer = try store.begin(branch: .main)
        try writer.insert(kv, row: row(1, "a"))
        let ddl = try store.begin(branch: .main)
        _ = try ddl.createTable(Fixture.kvSchema("other"))
        _ = try ddl.commit()
        XCTAssertEqual(try writer.commit(), SCN(3))
    }

    /// DROP then CREATE of the same name gives a new table id whose data starts empty;
    /// the old rows are not visible through the new table. Readers with an older
    /// snapshot keep seeing the old table and its rows.
    func testDropAndRecreateGivesNewIdentity() throws {
        let (store, old) = try Fixture.storeWithKV()
        let fill = try store.begin(branch: .main)
        for i in 1...3 { try fill.insert(old, row: row(Int64(i), "old\(i)")) }
        _ = try fill.commit()

        let oldReader = try store.begin(branch: .main)

        let ddl = try store.begin(branch: .main)
        try ddl.dropTable(named: "kv")
        XCTAssertNil(ddl.table(named: "kv"))
        XCTAssertEqual(ddl.tableNames(), [])
        let new = try ddl.createTable(Fixture.kvSchema())
        XCTAssertNotEqual(new.id, old.id)
        XCTAssertTrue(ddl.scan(new).isEmpty)
        XCTAssertNil(ddl.get(new, key: RowKey(.integer(1))))
        try ddl.insert(new, row: row(1, "new"))      // no duplicate with the dropped table's row 1
        XCTAssertEqual(try ddl.commit(), SCN(3))

        let reader = try store.begin(branch: .main)
        XCTAssertEqual(reader.table(named: "kv"), new)
        XCTAssertEqual(reader.scan(new).map(\.row), [row(1, "new")])
        XCTAssertEqual(reader.tableNames(), ["kv"])

        XCTAssertEqual(oldReader.table(named: "kv"), old)
        XCTAssertEqual(oldReader.scan(old).count, 3)
        XCTAssertEqual(oldReader.get(old, key: RowKey(.integer(1))), row(1, "old1"))
    }

    func testDropTableDiscardsItsPendingRows() throws {
        let (store, kv) = try Fixture.storeWithKV()
        let txn = try store.begin(branch: .main)
        try txn.insert(kv, row: row(1, "a"))
        try txn.dropTable(named: "kv")
        let recreated = try txn.createTable(Fixture.kvSchema())
        XCTAssertTrue(txn.scan(recreated).isEmpty)
        _ = try txn.commit()
        let reader = try store.begin(branch: .main)
        XCTAssertTrue(reader.scan(recreated).isEmpty)
        XCTAssertTrue(reader.scan(kv).isEmpty, "the dropped table's pending row was never committed")
    }

    func testCreateAndDropInOneTransaction() throws {
        let store: any StorageEngine = MemoryStore()
        let txn = try store.begin(branch: .main)
        let t = try txn.createTable(Fixture.kvSchema("tmp"))
        try txn.insert(t, row: row(1, "a"))
        try txn.dropTable(named: "tmp")
        XCTAssertNil(txn.table(named: "tmp"))
        XCTAssertEqual(txn.tableNames(), [])
        _ = try txn.commit()
        XCTAssertNil(try store.begin(branch: .main).table(named: "tmp"))
    }

    func testSavepointUndoesDDL() throws {
        let (store, kv) = try Fixture.storeWithKV()
        let txn = try store.begin(branch: .main)
        let mark = txn.mark()
        let t = try txn.createTable(Fixture.kvSchema("t"))
        try txn.insert(t, row: row(1, "a"))
        try txn.dropTable(named: "kv")
        XCTAssertEqual(txn.tableNames(), ["t"])
        txn.rollback(to: mark)
        XCTAssertEqual(txn.tableNames(), ["kv"])
        XCTAssertNil(txn.table(named: "t"))
        XCTAssertEqual(txn.table(named: "kv"), kv)
        XCTAssertFalse(txn.hasWrites)
        XCTAssertNil(try txn.commit())
    }

    func testTableNamesAreSorted() throws {
        let store: any StorageEngine = MemoryStore()
        let txn = try store.begin(branch: .main)
        for name in ["zeta", "Alpha", "beta", "_x"] { _ = try txn.createTable(Fixture.kvSchema(name)) }
        XCTAssertEqual(txn.tableNames(), ["Alpha", "_x", "beta", "zeta"])
        _ = try txn.commit()
        XCTAssertEqual(try store.begin(branch: .main).tableNames(), ["Alpha", "_x", "beta", "zeta"])
    }
}

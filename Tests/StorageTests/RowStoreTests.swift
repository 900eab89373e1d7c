import Core
@testable import Storage
import XCTest

/// Row-level behaviour not covered by the scripts: tables without a primary key,
/// composite keys, scan order.
final class RowStoreTests: XCTestCase {
    func testTableWithoutPrimaryKeyUsesHiddenRowIDs() throws {
        let store: any StorageEngine = MemoryStore()
        let txn = try store.begin(branch: .main)
        let heap = try txn.createTable(Fixture.heapSchema())
        // Identical rows are allowed: no key, no duplicates check.
        let k1 = try txn.insert(heap, row: [.integer(1), .text("same")])
        let k2 = try txn.insert(heap, row: [.integer(1), .text("same")])
        let k3 = try txn.insert(heap, row: [.null, .null])
        XCTAssertNotEqual(k1, k2)
        XCTAssertEqual(Set([k1, k2, k3]).count, 3)
        for key in [k1, k2, k3] {
            XCTAssertEqual(key.values.count, 1)
            guard case .integer = key.values[0] else { return XCTFail("hidden row id should be an integer") }
        }
        XCTAssertEqual(txn.get(heap, key: k2), [.integer(1), .text("same")])
        XCTAssertEqual(txn.scan(heap).map(\.key), [k1, k2, k3])
        _ = try txn.commit()

        let reader = try store.begin(branch: .main)
        XCTAssertEqual(reader.scan(heap).map(\.key), [k1, k2, k3])
        XCTAssertEqual(reader.scan(heap).map(\.row), [[.integer(1), .text("same")], [.integer(1), .text("same")], [.null, .null]])
    }

    func testScanOfTableWithoutKeyReturnsInsertionOrderAcrossCommits() throws {
        let store: any StorageEngine = MemoryStore()
        let setup = try store.begin(branch: .main)
        let heap = try setup.createTable(Fixture.heapSchema())
        _ = try setup.commit()
        var expected: [Row] = []
        // Values chosen so that insertion order differs from any sort order.
        let values: [Int64] = [5, 3, 9, 1, 7, 3, 0, 8, 2, 6]
        for batch in stride(from: 0, to: values.count, by: 3) {
            let txn = try store.begin(branch: .main)
            for v in values[batch..<min(batch + 3, values.count)] {
                let r: Row = [.integer(v), .text("r\(v)")]
                try txn.insert(heap, row: r)
                expected.append(r)
            }
            XCTAssertEqual(txn.scan(heap).map(\.row), expected, "in-transaction view")
            _ = try txn.commit()
        }
        let reader = try store.begin(branch: .main)
        XCTAssertEqual(reader.scan(heap).map(\.row), expected)
        // Scanning twice gives the same order.
        XCTAssertEqual(reader.scan(heap).map(\.key), reader.scan(heap).map(\.key))
    }

    func testUpdateAndDeleteByHiddenRowID() throws {
        let store: any StorageEngine = MemoryStore()
        let setup = try store.begin(branch: .main)
        let heap = try setup.createTable(Fixture.heapSchema())
        let keys = try (0..<4).map { i throws(StorageError) in try setup.insert(heap, row: [.integer(Int64(i)), .text("v")]) }
        _ = try setup.commit()

        let txn = try store.begin(branch: .main)
        try txn.update(heap, key: keys[1], row: [.integer(100), .text("updated")])
        try txn.delete(heap, key: keys[2])
        XCTAssertEqual(txn.get(heap, key: keys[1]), [.integer(100), .text("updated")])
        XCTAssertNil(txn.get(heap, key: keys[2]))
        XCTAssertEqual(Set(txn.scan(heap).map(\.key)), [keys[0], keys[1], keys[3]])
        _ = try txn.commit()

        let reader = try store.begin(branch: .main)
        // After the commit, the updated row keeps its original position.
        XCTAssertEqual(reader.scan(heap).map(\.key), [keys[0], keys[1], keys[3]])
        XCTAssertEqual(reader.scan(heap).map { $0.row[0] }, [.integer(0), .integer(100), .integer(3)])
    }

    func testLostUpdateOnTableWithoutKey() throws {
        let store: any StorageEngine = MemoryStore()
        let setup = try store.begin(branch: .main)
        let heap = try setup.createTable(Fixture.heapSchema())
        let key = try setup.insert(heap, row: [.integer(0), .text("v")])
        _ = try setup.commit()
        let t1 = try store.begin(branch: .main)
        let t2 = try store.begin(branch: .main)
        try t1.update(heap, key: key, row: [.integer(1), .text("t1")])
        try t2.update(heap, key: key, row: [.integer(2), .text("t2")])
        _ = try t1.commit()
        XCTAssertEqual(storageError { () throws(StorageError) in _ = try t2.commit() }?.sqlState, "40001")
        XCTAssertEqual(try store.begin(branch: .main).get(heap, key: key), [.integer(1), .text("t1")])
    }

    func testConcurrentInsertsIntoTableWithoutKeyNeverConflict() throws {
        let store: any StorageEngine = MemoryStore()
        let setup = try store.begin(branch: .main)
        let heap = try setup.createTable(Fixture.heapSchema())
        _ = try setup.commit()
        let t1 = try store.begin(branch: .main)
        let t2 = try store.begin(branch: .main)
        try t1.insert(heap, row: [.integer(1), .text("same")])
        try t2.insert(heap, row: [.integer(1), .text("same")])
        XCTAssertNotNil(try t2.commit())
        XCTAssertNotNil(try t1.commit())
        XCTAssertEqual(try store.begin(branch: .main).scan(heap).count, 2)
    }

    func testCompositePrimaryKey() throws {
        let store: any StorageEngine = MemoryStore()
        let txn = try store.begin(branch: .main)
        let schema = TableSchema(id: 0, name: "pairs",
                                 columns: [ColumnSchema(name: "a", type: .integer), ColumnSchema(name: "b", type: .text),
                                           ColumnSchema(name: "c", type: .double)],
                                 primaryKey: [1, 0])
        let table = try txn.createTable(schema)
        XCTAssertEqual(table.primaryKey, [1, 0])
        let key = try txn.insert(table, row: [.integer(1), .text("x"), .double(0.5)])
        XCTAssertEqual(key, RowKey([.text("x"), .integer(1)]))
        try txn.insert(table, row: [.integer(2), .text("x"), .double(0.5)])   // differs in a
        try txn.insert(table, row: [.integer(1), .text("y"), .double(0.5)])   // differs in b
        let dup = storageError { () throws(StorageError) in try txn.insert(table, row: [.integer(1), .text("x"), .double(9)]) }
        XCTAssertEqual(dup?.sqlState, "23505")
        XCTAssertTrue(dup?.message.contains("pairs_pkey") ?? false, dup?.message ?? "")
        XCTAssertTrue(dup?.message.contains("(b, a)=(x, 1)") ?? false, dup?.message ?? "")
        XCTAssertEqual(txn.get(table, key: RowKey([.text("x"), .integer(1)])), [.integer(1), .text("x"), .double(0.5)])
        XCTAssertNil(txn.get(table, key: RowKey([.integer(1), .text("x")])), "key order matters")
        XCTAssertEqual(txn.scan(table).count, 3)
    }

    func testDuplicateKeyMessageNamesTheKey() throws {
        let (store, kv) = try Fixture.storeWithKV()
        let txn = try store.begin(branch: .main)
        try txn.insert(kv, row: row(7, "a"))
        let error = storageError { () throws(StorageError) in try txn.insert(kv, row: row(7, "b")) }
        XCTAssertEqual(error?.sqlState, SQLState.uniqueViolation)
        XCTAssertEqual(error?.message,
                       "duplicate key value violates unique constraint \"kv_pkey\": Key (k)=(7) already exists.")
        XCTAssertNil(error?.position)
        XCTAssertEqual(error?.description, "23505: " + (error?.message ?? ""))
    }

    func testScanKeysMatchPrimaryKeys() throws {
        let (store, kv) = try Fixture.storeWithKV()
        let txn = try store.begin(branch: .main)
        for i in [3, 1, 2] { try txn.insert(kv, row: row(Int64(i), "v\(i)")) }
        _ = try txn.commit()
        for (key, r) in try store.begin(branch: .main).scan(kv) {
            XCTAssertEqual(key, kv.primaryKeyOf(r))
        }
    }

    /// Deleting a key that never existed is harmless and does not make it visible.
    func testDeleteOfMissingKey() throws {
        let (store, kv) = try Fixture.storeWithKV()
        let txn = try store.begin(branch: .main)
        try txn.delete(kv, key: RowKey(.integer(404)))
        XCTAssertNil(txn.get(kv, key: RowKey(.integer(404))))
        XCTAssertTrue(txn.scan(kv).isEmpty)
        _ = try txn.commit()
        let after = try store.begin(branch: .main)
        XCTAssertTrue(after.scan(kv).isEmpty)
        try after.insert(kv, row: row(404, "now"))
        XCTAssertNotNil(try after.commit())
        XCTAssertEqual(try store.begin(branch: .main).get(kv, key: RowKey(.integer(404))), row(404, "now"))
    }

    /// Many versions of one key: each snapshot reads its own version.
    func testOldSnapshotsReadOldVersions() throws {
        let (store, kv) = try Fixture.storeWithKV()
        var readers: [(any StorageTransaction, String?)] = []
        for i in 0..<20 {
            let txn = try store.begin(branch: .main)
            if i % 5 == 4 {
                try txn.delete(kv, key: RowKey(.integer(1)))
            } else if txn.get(kv, key: RowKey(.integer(1))) == nil {
                try txn.insert(kv, row: row(1, "v\(i)"))
            } else {
                try txn.update(kv, key: RowKey(.integer(1)), row: row(1, "v\(i)"))
            }
            _ = try txn.commit()
            readers.append((try store.begin(branch: .main), i % 5 == 4 ? nil : "v\(i)"))
        }
        for (reader, expected) in readers {
            XCTAssertEqual(reader.get(kv, key: RowKey(.integer(1))).map { $0[1].description }, expected)
            XCTAssertEqual(reader.scan(kv).count, expected == nil ? 0 : 1)
        }
    }
}

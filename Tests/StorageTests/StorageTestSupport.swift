import Core
@testable import Storage
import XCTest

/// Shared helpers: a `kv (k INTEGER PRIMARY KEY, v TEXT)` shape and error capture.
enum Fixture {
    static func kvSchema(_ name: String = "kv") -> TableSchema {
        TableSchema(id: 0, name: name,
                    columns: [ColumnSchema(name: "k", type: .integer, notNull: true),
                              ColumnSchema(name: "v", type: .text)],
                    primaryKey: [0])
    }

    /// A table without a primary key: rows are keyed by hidden row ids.
    static func heapSchema(_ name: String = "heap") -> TableSchema {
        TableSchema(id: 0, name: name,
                    columns: [ColumnSchema(name: "a", type: .integer), ColumnSchema(name: "b", type: .text)],
                    primaryKey: [])
    }

    /// A new store with `kv` created and committed (at SCN 1).
    static func storeWithKV() throws -> (any StorageEngine, TableSchema) {
        let store: any StorageEngine = MemoryStore()
        let txn = try store.begin(branch: .main)
        let table = try txn.createTable(kvSchema())
        XCTAssertEqual(try txn.commit(), SCN(1))
        return (store, table)
    }
}

/// Runs `body`, which must throw a StorageError; returns it.
func storageError(_ body: () throws(StorageError) -> Void,
                  file: StaticString = #filePath, line: UInt = #line) -> StorageError? {
    do throws(StorageError) {
        try body()
        XCTFail("expected a StorageError", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

func row(_ k: Int64, _ v: String) -> Row { [.integer(k), .text(v)] }

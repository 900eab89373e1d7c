import Core

/// A transaction's pending writes. A value type, so a copy is a savepoint.
struct WriteSet {
    /// Catalog changes by table name: the new definition, or nil for a drop.
    var catalog: [String: TableSchema?] = [:]
    var tables: [UInt64: TableWrites] = [:]
    var isEmpty: Bool { catalog.isEmpty && tables.isEmpty }
}

struct TableWrites {
    var tableName: String
    /// Key → new row (nil = deleted).
    var changes: [RowKey: Row?] = [:]
    /// Keys in first-write order, so scans return new rows in insert order.
    var order: [RowKey] = []

    mutating func set(_ key: RowKey, _ row: Row?) {
        if changes.updateValue(row, forKey: key) == nil { order.append(key) }
    }
}

/// A snapshot-isolated transaction over a `MemoryStore`.
final class MemoryTransaction: StorageTransaction {
    let store: MemoryStore
    let id: TransactionID
    let branch: BranchID
    let snapshotSCN: SCN
    private var writes = WriteSet()
    private var finished = false

    init(store: MemoryStore, id: TransactionID, branch: BranchID, snapshot: SCN) {
        self.store = store; self.id = id; self.branch = branch; self.snapshotSCN = snapshot
    }

    var hasWrites: Bool { !writes.isEmpty }

    // MARK: Catalog

    func table(named name: String) -> TableSchema? {
        if let pending = writes.catalog[name] { return pending }
        return store.lock.reading { store.branchData(branch).schema(named: name, at: snapshotSCN) }
    }

    func tableNames() -> [String] {
        var names = Set(store.lock.reading {
            store.branchData(branch).catalog.keys.filter {
                store.branchData(branch).schema(named: $0, at: snapshotSCN) != nil
            }
        })
        for (name, schema) in writes.catalog {
            if schema == nil { names.remove(name) } else { names.insert(name) }
        }
        return names.sorted()
    }

    func createTable(_ schema: TableSchema) throws(StorageError) -> TableSchema {
        if table(named: schema.name) != nil {
            throw StorageError(SQLState.duplicateTable, "relation \"\(schema.name)\" already exists")
        }
        var created = schema
        created.id = store.allocateTableID()
        writes.catalog[schema.name] = .some(created)
        return created
    }

    func dropTable(named name: String) throws(StorageError) {
        guard let schema = table(named: name) else {
            throw StorageError(SQLState.undefinedTable, "table \"\(name)\" does not exist")
        }
        writes.catalog[name] = .some(nil)
        writes.tables[schema.id] = nil
    }

    func alterTable(from old: TableSchema, to new: TableSchema) throws(StorageError) {
        guard table(named: old.name)?.id == old.id else {
            throw StorageError(SQLState.undefinedTable, "table \"\(old.name)\" does not exist")
        }
        if new.name != old.name {
            if table(named: new.name) != nil {
                throw StorageError(SQLState.duplicateTable, "relation \"\(new.name)\" already exists")
            }
            writes.catalog[old.name] = .some(nil)
        }
        var replacement = new
        replacement.id = old.id
        writes.catalog[new.name] = .some(replacement)
        if let pending = writes.tables[old.id] {
            var renamed = pending
            renamed.tableName = new.name
            writes.tables[old.id] = renamed
        }
    }

    // MARK: Rows

    func scan(_ table: TableSchema) -> [(key: RowKey, row: Row)] {
        let pending = writes.tables[table.id]
        var result: [(key: RowKey, row: Row)] = []
        store.lock.reading {
            guard let data = store.branchData(branch).tables[table.id] else { return }
            result.reserveCapacity(data.chains.count)
            for chain in data.chains {
                if pending?.changes[chain.key] != nil { continue }
                if case .some(.some(let row)) = chain.visible(at: snapshotSCN) {
                    result.append((chain.key, row))
                }
            }
        }
        if let pending {
            for key in pending.order {
                if case .some(.some(let row)) = pending.changes[key] { result.append((key, row)) }
            }
        }
        return result
    }

    func forEachRow(_ table: TableSchema, _ body: (Row) throws -> Void) rethrows {
        let pending = writes.tables[table.id]
        let snapshot = snapshotSCN
        try store.lock.readingRethrows {
            guard let data = store.branchData(branch).tables[table.id] else { return }
            try data.latest.withUnsafeBufferPointer { rows in
                try data.latestSCN.withUnsafeBufferPointer { scns in
                    for i in 0..<rows.count {
                        if let pending, pending.changes[data.chains[i].key] != nil { continue }
                        if scns[i] <= snapshot {
                            if let row = rows[i] { try body(row) }
                        } else if let row = data.chains[i].visibleRow(at: snapshot) {
                            try body(row)
                        }
                    }
                }
            }
        }
        if let pending {
            for key in pending.order {
                if case .some(.some(let row)) = pending.changes[key] { try body(row) }
            }
        }
    }

    func estimatedRowCount(_ table: TableSchema) -> Int {
        let committed = store.lock.reading { store.branchData(branch).tables[table.id]?.chains.count ?? 0 }
        return committed + (writes.tables[table.id]?.order.count ?? 0)
    }

    func indexRange(_ table: TableSchema, column: Int, lower: Value?, lowerInclusive: Bool,
                    upper: Value?, upperInclusive: Bool) -> [Row] {
        let keys = store.indexedKeys(branch: branch, table: table.id, column: column, lower: lower, lowerInclusive: lowerInclusive,
                                     upper: upper, upperInclusive: upperInclusive)
        let pending = writes.tables[table.id]
        var seen = Set<RowKey>()
        var rows: [Row] = []
        store.lock.reading {
            guard let data = store.branchData(branch).tables[table.id] else { return }
            for key in keys where seen.insert(key).inserted {
                if pending?.changes[key] != nil { continue }
                if case .some(.some(let row)) = data.index[key]?.visible(at: snapshotSCN) { rows.append(row) }
            }
        }
        if let pending {
            for key in pending.order {
                if case .some(.some(let row)) = pending.changes[key] { rows.append(row) }
            }
        }
        return rows
    }

    func get(_ table: TableSchema, key: RowKey) -> Row? {
        if let pending = writes.tables[table.id]?.changes[key] { return pending }
        return store.lock.reading {
            guard let chain = store.branchData(branch).tables[table.id]?.index[key] else { return nil }
            return chain.visible(at: snapshotSCN) ?? nil
        }
    }

    @discardableResult
    func insert(_ table: TableSchema, row: Row) throws(StorageError) -> RowKey {
        let key: RowKey
        if let primaryKey = table.primaryKeyOf(row) {
            if get(table, key: primaryKey) != nil { throw duplicateKey(table, primaryKey) }
            key = primaryKey
        } else {
            key = RowKey(.integer(store.allocateRowID()))
        }
        write(table, key, row)
        return key
    }

    func update(_ table: TableSchema, key: RowKey, row: Row) throws(StorageError) {
        let newKey = table.primaryKeyOf(row) ?? key
        if newKey != key {
            if get(table, key: newKey) != nil { throw duplicateKey(table, newKey) }
            write(table, key, nil)
        }
        write(table, newKey, row)
    }

    func delete(_ table: TableSchema, key: RowKey) throws(StorageError) {
        write(table, key, nil)
    }

    private func write(_ table: TableSchema, _ key: RowKey, _ row: Row?) {
        writes.tables[table.id, default: TableWrites(tableName: table.name)].set(key, row)
    }

    private func duplicateKey(_ table: TableSchema, _ key: RowKey) -> StorageError {
        let columns = table.primaryKey.map { table.columns[$0].name }.joined(separator: ", ")
        return StorageError(SQLState.uniqueViolation,
                            "duplicate key value violates unique constraint \"\(table.name)_pkey\": Key (\(columns))=(\(key.values.map(\.description).joined(separator: ", "))) already exists.")
    }

    func nextSequenceValue(_ table: TableSchema, column: Int) -> Int64 {
        store.nextSequenceValue(table: table.id, column: column) {
            scan(table).reduce(Int64(0)) { largest, entry in
                if case .integer(let i) = entry.row[column] { return max(largest, i) }
                return largest
            }
        }
    }

    // MARK: Ending

    func mark() -> StorageMark { StorageMark(writes: writes) }
    func rollback(to mark: StorageMark) { writes = mark.writes }

    func commit() throws(StorageError) -> SCN? {
        precondition(!finished, "transaction already finished")
        finished = true
        if writes.isEmpty { return nil }
        return try store.commit(writes, transaction: id, branch: branch, snapshot: snapshotSCN)
    }

    func rollback() {
        finished = true
        writes = WriteSet()
    }
}

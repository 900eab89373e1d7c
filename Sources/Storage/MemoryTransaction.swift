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
    /// The branch's committed state, held for the transaction's life so a
    /// concurrent DROP BRANCH cannot pull it from under a reader.
    let data: BranchData
    var writes = WriteSet()
    private var finished = false

    let isReadOnly: Bool

    init(store: MemoryStore, id: TransactionID, data: BranchData, snapshot: SCN, readOnly: Bool = false) {
        self.store = store; self.id = id; self.branch = data.id; self.snapshotSCN = snapshot; self.isReadOnly = readOnly
        self.data = data
    }

    private func checkWritable() throws(StorageError) {
        if isReadOnly {
            throw StorageError("25006", "cannot write in a read-only transaction: it reads the past (AS OF)")
        }
    }

    func versions(of table: TableSchema, from: SCN, through: SCN) -> [RowVersion] {
        store.lock.reading {
            let commits = Dictionary(store.commitLog.map { ($0.scn, $0) }, uniquingKeysWith: { a, _ in a })
            var result: [RowVersion] = []
            for (branch, at) in data.layers(at: snapshotSCN) {
                guard let chains = branch.tables[table.id]?.chains else { continue }
                for chain in chains {
                    var previous: Row?
                    for (i, version) in chain.versions.enumerated() where version.scn <= at {
                        defer { previous = version.row }
                        let next = i + 1 < chain.versions.count && chain.versions[i + 1].scn <= at ? chain.versions[i + 1].scn : nil
                        // Every version alive at some point of the range: those
                        // created in it, and the one current at its start.
                        guard version.scn <= through, version.scn >= from || (next.map { $0 > from } ?? true) else { continue }
                        let operation = version.row == nil ? "D" : (previous == nil ? "I" : "U")
                        if version.row == nil && version.scn < from { continue }
                        guard let row = version.row ?? previous else { continue }
                        let commit = commits[version.scn]
                        result.append(RowVersion(row: row, startSCN: version.scn, endSCN: next, operation: operation,
                                                 transactionID: commit?.transactionID, startMicros: commit?.timestampMicros,
                                                 endMicros: next.flatMap { commits[$0]?.timestampMicros }))
                    }
                }
            }
            return result
        }
    }

    /// The SCN a read of `table` sees, and whether pending writes apply
    /// (they do not to a table read AS OF a past commit).
    func readPoint(_ table: TableSchema) -> (scn: SCN, pending: TableWrites?) {
        if let past = table.readSCN { return (past, nil) }
        return (snapshotSCN, writes.tables[table.id])
    }

    var hasWrites: Bool { !writes.isEmpty }

    // MARK: Catalog

    func table(named name: String) -> TableSchema? {
        if let pending = writes.catalog[name] { return pending }
        return store.lock.reading { data.schema(named: name, at: snapshotSCN) }
    }

    func table(named name: String, at scn: SCN) -> TableSchema? {
        guard var schema = store.lock.reading({ data.schema(named: name, at: scn) }) else { return nil }
        schema.readSCN = scn
        return schema
    }

    func tableNames() -> [String] {
        var names = Set(store.lock.reading { data.tableNames(at: snapshotSCN) })
        for (name, schema) in writes.catalog {
            if schema == nil { names.remove(name) } else { names.insert(name) }
        }
        return names.sorted()
    }

    func createTable(_ schema: TableSchema) throws(StorageError) -> TableSchema {
        try checkWritable()
        if table(named: schema.name) != nil {
            throw StorageError(SQLState.duplicateTable, "relation \"\(schema.name)\" already exists")
        }
        var created = schema
        created.id = store.allocateTableID()
        writes.catalog[schema.name] = .some(created)
        return created
    }

    func dropTable(named name: String) throws(StorageError) {
        try checkWritable()
        guard let schema = table(named: name) else {
            throw StorageError(SQLState.undefinedTable, "table \"\(name)\" does not exist")
        }
        writes.catalog[name] = .some(nil)
        writes.tables[schema.id] = nil
    }

    func alterTable(from old: TableSchema, to new: TableSchema) throws(StorageError) {
        try checkWritable()
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
        let (scn, pending) = readPoint(table)
        var result: [(key: RowKey, row: Row)] = []
        store.lock.reading {
            data.forEachRow(table: table.id, at: scn, skip: { pending?.changes[$0] != nil }) { key, row in
                result.append((key!, row))
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
        let (scn, pending) = readPoint(table)
        let skip: ((RowKey) -> Bool)? = pending.map { pending in { pending.changes[$0] != nil } }
        try store.lock.readingRethrows {
            try data.forEachRow(table: table.id, at: scn, skip: skip) { _, row in try body(row) }
        }
        if let pending {
            for key in pending.order {
                if case .some(.some(let row)) = pending.changes[key] { try body(row) }
            }
        }
    }

    func estimatedRowCount(_ table: TableSchema) -> Int {
        let committed = store.lock.reading {
            data.layers(at: snapshotSCN).reduce(0) { $0 + ($1.branch.tables[table.id]?.chains.count ?? 0) }
        }
        return committed + (writes.tables[table.id]?.order.count ?? 0)
    }

    func indexRange(_ table: TableSchema, column: Int, lower: Value?, lowerInclusive: Bool,
                    upper: Value?, upperInclusive: Bool) -> [Row] {
        // The column indexes cover one branch's current rows; a branch that
        // reads through a parent, or a read AS OF the past, scans instead
        // (the answer may be a superset: callers re-check the range).
        if data.hasParent || table.readSCN != nil {
            var rows: [Row] = []
            forEachRow(table) { rows.append($0) }
            return rows
        }
        let keys = store.indexedKeys(branch: branch, table: table.id, column: column, lower: lower, lowerInclusive: lowerInclusive,
                                     upper: upper, upperInclusive: upperInclusive)
        let pending = writes.tables[table.id]
        var seen = Set<RowKey>()
        var rows: [Row] = []
        store.lock.reading {
            guard let data = data.tables[table.id] else { return }
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
        let (scn, pending) = readPoint(table)
        if let change = pending?.changes[key] { return change }
        return store.lock.reading { data.row(table: table.id, key: key, at: scn) }
    }

    func get(_ table: TableSchema, keys: [RowKey]) -> [Row?] {
        let (scn, pending) = readPoint(table)
        return store.lock.reading {
            let layers = data.layers(at: scn).compactMap { layer in layer.branch.tables[table.id].map { ($0, layer.scn) } }
            return keys.map { key -> Row? in
                if let change = pending?.changes[key] { return change }
                for (own, at) in layers {
                    if let found = own.lookup(key, at: at) { return found }
                }
                return nil
            }
        }
    }

    @discardableResult
    func insert(_ table: TableSchema, row: Row) throws(StorageError) -> RowKey {
        try checkWritable()
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
        try checkWritable()
        let newKey = table.primaryKeyOf(row) ?? key
        if newKey != key {
            if get(table, key: newKey) != nil { throw duplicateKey(table, newKey) }
            write(table, key, nil)
        }
        write(table, newKey, row)
    }

    func delete(_ table: TableSchema, key: RowKey) throws(StorageError) {
        try checkWritable()
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

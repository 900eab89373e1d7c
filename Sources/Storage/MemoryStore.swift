import Core
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where a logged change ends, in the log file it went to (a checkpoint
/// may start a new file before the change is synced).
struct LogPosition {
    let log: WriteAheadLog
    let offset: UInt64
}

/// One version of a row: the commit that made it and the row (nil = deleted).
typealias Version = (scn: SCN, row: Row?)

/// The versions of one row key, oldest first. A nil row is a deletion.
/// The versions themselves live in the table's `history` array at the
/// chain's slot, so a scan of the past walks one array of version lists
/// instead of visiting a chain object per row.
final class VersionChain {
    let key: RowKey
    /// Position of this chain in its table's `chains` (and `latest`) arrays.
    let slot: Int
    unowned(unsafe) let table: TableData

    init(key: RowKey, slot: Int, table: TableData) { self.key = key; self.slot = slot; self.table = table }

    var versions: [Version] {
        get { table.history[slot] }
        _modify { yield &table.history[slot] }
    }

    /// The row as of `scn`: the newest version at or below it.
    func visible(at scn: SCN) -> Row?? {
        var i = versions.count - 1
        while i >= 0 {
            if versions[i].scn <= scn { return .some(versions[i].row) }
            i -= 1
        }
        return nil
    }

    var latestSCN: SCN { versions.last?.scn ?? .zero }

    /// The live row as of `scn`, nil when absent or deleted (no optional nesting).
    @inline(__always)
    func visibleRow(at scn: SCN) -> Row? { Self.visibleRow(table.history[slot], at: scn) }

    @inline(__always)
    static func visibleRow(_ versions: borrowing [Version], at scn: SCN) -> Row? {
        versions.withUnsafeBufferPointer { versions in
            // The newest version at or below `scn`: binary search for the
            // first version above it (SCNs ascend along the list).
            var low = 0, high = versions.count
            while low < high {
                let mid = (low + high) >> 1
                if versions[mid].scn <= scn { low = mid + 1 } else { high = mid }
            }
            return low > 0 ? versions[low - 1].row : nil
        }
    }
}

/// Committed rows of one table: chains in first-insert order plus a hash
/// index from key to chain. `latest`/`latestSCN` mirror each chain's newest
/// version, so a scan reading the current state touches no chain at all.
final class TableData {
    var chains: [VersionChain] = []
    var index: [RowKey: VersionChain] = [:]
    var latest: ContiguousArray<Row?> = []
    var latestSCN: ContiguousArray<SCN> = []
    /// Every version of each slot, oldest first (see `VersionChain`).
    var history: ContiguousArray<[Version]> = []
    /// Ordered indexes by column position, built on first range lookup.
    var valueIndexes: [Int: ValueIndex] = [:]
    /// HNSW indexes of the table's schema on this branch (see `VectorIndexData`).
    var vectorIndexes: [VectorIndexData] = []
    /// The SCN-ordered log of this branch's row changes (see ChangeLog.swift).
    var changeLog = ChangeLog()

    func chain(for key: RowKey) -> VersionChain {
        if let chain = index[key] { return chain }
        let chain = VersionChain(key: key, slot: chains.count, table: self)
        chains.append(chain)
        latest.append(nil)
        latestSCN.append(.zero)
        history.append([])
        index[key] = chain
        return chain
    }

    /// What this layer holds for `key` at `scn`: nil when it has no
    /// version of the key at or before `scn` (an older layer may), else
    /// the row (nil inside: deleted). When the newest version is visible it
    /// is read from `latest`, without touching the version list.
    @inline(__always)
    func lookup(_ key: RowKey, at scn: SCN) -> Row?? {
        guard let chain = index[key] else { return nil }
        let slot = chain.slot
        // (A chain about to get its first version still has SCN zero.)
        let newest = latestSCN[slot]
        if newest <= scn && newest > .zero { return .some(latest[slot]) }
        let versions = history[slot]
        guard let first = versions.first, first.scn <= scn else { return nil }
        return .some(VersionChain.visibleRow(versions, at: scn))
    }

    func append(_ chain: VersionChain, scn: SCN, row: Row?, deferringVectorLinks: Bool = false) {
        if !vectorIndexes.isEmpty {
            let previous = chain.versions.last?.row ?? nil
            for index in vectorIndexes {
                index.record(slot: chain.slot, scn: scn, row: row, previous: previous, deferring: deferringVectorLinks)
            }
        }
        chain.versions.append((scn, row))
        changeLog.append(slot: chain.slot, scn: scn)
        latest[chain.slot] = row
        latestSCN[chain.slot] = scn
    }
}

/// The embedded, in-memory storage engine. All committed state sits behind
/// one readers-writer lock; commits take it exclusively for the short time
/// they need to check conflicts and append versions.
public final class MemoryStore: StorageEngine, @unchecked Sendable {
    let lock = ReadWriteLock()
    var branches: [BranchID: BranchData]
    var branchIDs: [String: BranchID] = ["main": .main]
    var nextBranchID: UInt64 = 2
    var commitLog: [CommitRecord] = []
    /// Commits at or below this SCN have been collected (AS OF them is "not found").
    var collectedThrough: SCN = .zero
    /// Graphs over inherited rows for indexes created on branches.
    let ancestorVectorIndexes = AncestorVectorIndexes()
    /// Tests: runs after indexes are built ahead of a commit, before it takes the write lock.
    var afterPrebuild: (() -> Void)?
    var collectionReport: CollectionReport?
    /// The write-ahead log of a durable store (nil: memory only).
    var log: WriteAheadLog?
    var lockFileDescriptor: Int32 = -1
    /// The data directory of a durable store, and the generation of its log file.
    var dataDirectory: String?
    var logGeneration = 0
    /// The generation of the newest checkpoint on disk (nil: none yet).
    var checkpointedGeneration: Int?
    /// Vector index nodes when the newest checkpoint was taken (or the store opened).
    var vectorNodesAtCheckpoint = 0
    /// True while the log is replayed: vector index nodes are linked in bulk at its end.
    var replaying = false
    let checkpointLock = Locked<Void>(())
    var lastSCN: SCN = .zero
    private let nextTransactionID = Atomic<UInt64>(1)
    private let nextTableID = Atomic<UInt64>(1)
    private let nextRowID = Atomic<Int64>(1)

    private let sequences = Locked<[String: Int64]>([:])
    /// Serializes building and sorting column indexes among readers.
    private let indexMaintenance = Locked<Void>(())

    public init() {
        branches = [.main: BranchData(id: .main, name: "main", parent: nil, forkSCN: .zero,
                                      createdMicros: Self.nowMicros())]
    }

    deinit {
        log?.syncNow()
        if lockFileDescriptor >= 0 { close(lockFileDescriptor) }
    }

    /// Sequences by "table id/column": the last value handed out.
    func nextSequenceValue(table: UInt64, column: Int, start: () -> Int64) -> Int64 {
        let key = "\(table)/\(column)"
        if let value = sequences.withLock({ (all: inout [String: Int64]) -> Int64? in
            guard let last = all[key] else { return nil }
            all[key] = last + 1
            return last + 1
        }) { return value }
        let initial = start()
        return sequences.withLock { all in
            let next = max(all[key] ?? initial, initial) + 1
            all[key] = next
            return next
        }
    }

    public var lastCommittedSCN: SCN { lock.reading { lastSCN } }

    public func commits() -> [CommitRecord] { lock.reading { commitLog } }

    public func begin(branch: BranchID) throws(StorageError) -> any StorageTransaction {
        let (snapshot, found) = lock.reading { (lastSCN, branches[branch]) }
        guard let data = found else { throw StorageError("3D000", "branch \(branch) not found") }
        return MemoryTransaction(store: self, id: TransactionID(rawValue: nextTransactionIDValue()), data: data,
                                 snapshot: snapshot)
    }

    public func begin(branch: BranchID, at scn: SCN) throws(StorageError) -> any StorageTransaction {
        guard let data = lock.reading({ branches[branch] }) else { throw StorageError("3D000", "branch \(branch) not found") }
        return MemoryTransaction(store: self, id: TransactionID(rawValue: nextTransactionIDValue()), data: data,
                                 snapshot: scn, readOnly: true)
    }

    func nextTransactionIDValue() -> UInt64 { nextTransactionID.wrappingAdd(1, ordering: .relaxed).oldValue }

    var nextTransactionIDPeek: UInt64 { nextTransactionID.load(ordering: .relaxed) }
    var nextTableIDPeek: UInt64 { nextTableID.load(ordering: .relaxed) }
    var nextRowIDPeek: Int64 { nextRowID.load(ordering: .relaxed) }

    // Recovery keeps the allocators above every id the log used.
    func raiseTransactionID(above id: UInt64) { if nextTransactionID.load(ordering: .relaxed) <= id { nextTransactionID.store(id + 1, ordering: .relaxed) } }
    func raiseTableID(above id: UInt64) { if nextTableID.load(ordering: .relaxed) <= id { nextTableID.store(id + 1, ordering: .relaxed) } }
    func raiseRowID(above id: Int64) { if nextRowID.load(ordering: .relaxed) <= id { nextRowID.store(id + 1, ordering: .relaxed) } }

    /// Logs `record` (a durable store), before the change is applied: a
    /// failed write leaves the store unchanged. Returns the offset to await.
    func logged(_ record: @autoclosure () -> LogRecord) throws(StorageError) -> LogPosition? {
        guard let log else { return nil }
        return LogPosition(log: log, offset: try log.append(record().encoded()))
    }

    /// Waits until a logged change is durable (outside the store's lock, so
    /// concurrent commits share an fsync).
    /// Inside `DurabilityDeferral.run` (a `full` log), the wait is left to its caller.
    func awaitDurable(_ position: LogPosition?) throws(StorageError) {
        guard let position else { return }
        if position.log.mode == .full, let scope = DurabilityDeferral.current {
            scope.record(position)
            return
        }
        try position.log.waitDurable(position.offset)
    }

    /// Flushes the log (clean shutdown).
    public func flush() { log?.syncNow() }

    func allocateTableID() -> UInt64 { nextTableID.wrappingAdd(1, ordering: .relaxed).oldValue }
    func allocateRowID() -> Int64 { nextRowID.wrappingAdd(1, ordering: .relaxed).oldValue }

    /// Caller holds the lock (read or write).
    func branchData(_ branch: BranchID) -> BranchData {
        guard let data = branches[branch] else { preconditionFailure("branch vanished") }
        return data
    }

    /// Checks `writes` against commits after `snapshot` and applies them under
    /// one new SCN. Runs under the write lock.
    func commit(_ writes: WriteSet, transaction: TransactionID, branch: BranchID,
                snapshot: SCN) throws(StorageError) -> SCN {
        let prebuilt = prebuildVectorIndexes(for: writes, branch: branch)
        let (scn, offset) = try lock.writing { () throws(StorageError) -> (SCN, LogPosition?) in
            guard let data = branches[branch] else { throw StorageError("3D000", "branch \(branch) not found: it was dropped") }
            try checkConflicts(writes, data: data, snapshot: snapshot)
            let scn = lastSCN.next
            let micros = Self.nowMicros()
            let offset = try logged(.commit(branch: branch, scn: scn, transaction: transaction, micros: micros, writes: writes))
            apply(writes, to: data, scn: scn, prebuilt: prebuilt)
            lastSCN = scn
            commitLog.append(CommitRecord(scn: scn, transactionID: transaction, branch: branch, timestampMicros: micros))
            data.commitCount += 1
            data.lastModifiedMicros = micros
            return (scn, offset)
        }
        try awaitDurable(offset)
        if !writes.catalog.isEmpty { buildAncestorVectorIndexes(for: writes, branch: branch, at: scn) }
        return scn
    }

    /// Appends `writes` to `data` as versions stamped `scn`. Caller holds the write lock.
    /// `prebuilt`: HNSW indexes built ahead of the commit (see `prebuildVectorIndexes`).
    func apply(_ writes: WriteSet, to data: BranchData, scn: SCN, prebuilt: [PrebuiltVectorIndex] = []) {
            for (name, schema) in writes.catalog {
                data.catalog[name, default: []].append((scn, schema))
                if let schema, data.tables[schema.id] == nil { data.tables[schema.id] = TableData() }
                // Column positions may have moved: ordered indexes are rebuilt on next use.
                if let schema, let table = data.tables[schema.id] {
                    table.valueIndexes = [:]
                    table.reconcileVectorIndexes(with: schema, prebuilt: prebuilt)
                }
            }
            for (tableID, tableWrites) in writes.tables {
                let table: TableData
                if let existing = data.tables[tableID] {
                    table = existing
                } else {
                    // First write of this branch to a table it inherits.
                    table = TableData()
                    data.tables[tableID] = table
                    table.reconcileVectorIndexes(with: data.schema(named: tableWrites.tableName, at: scn))
                }
                for key in tableWrites.order {
                    guard let row = tableWrites.changes[key] else { continue }
                    let chain = table.chain(for: key)
                    // A delete of a key only a parent holds still needs its tombstone here.
                    if row == nil && data.parent == nil && chain.versions.isEmpty { continue }
                    table.append(chain, scn: scn, row: row, deferringVectorLinks: replaying)
                    if let row { for (column, index) in table.valueIndexes where column < row.count { index.add(row[column], key) } }
                }
            }
    }

    private func checkConflicts(_ writes: WriteSet, data: BranchData, snapshot: SCN) throws(StorageError) {
        for name in writes.catalog.keys {
            if let last = data.catalog[name]?.last, last.scn > snapshot {
                throw .conflict("table \"\(name)\" was changed by a concurrent transaction")
            }
        }
        for (tableID, tableWrites) in writes.tables {
            if writes.catalog[tableWrites.tableName] == nil {
                let current = data.schema(named: tableWrites.tableName, at: lastSCN)
                if current?.id != tableID {
                    throw .conflict("table \"\(tableWrites.tableName)\" was dropped or replaced concurrently")
                }
                // Rows were shaped by the definition the snapshot saw.
                if let last = data.catalog[tableWrites.tableName]?.last, last.scn > snapshot {
                    throw .conflict("table \"\(tableWrites.tableName)\" was altered by a concurrent transaction")
                }
            }
            guard let table = data.tables[tableID] else { continue }
            let newest = table.latestSCN
            for key in tableWrites.changes.keys {
                if let chain = table.index[key], newest[chain.slot] > snapshot {
                    throw .conflict("row \(key) of \"\(tableWrites.tableName)\"")
                }
            }
        }
    }

    /// Committed keys of `table` whose `column` value lies in the range,
    /// building or re-sorting the column's index first when needed.
    func indexedKeys(branch: BranchID, table: UInt64, column: Int, lower: Value?, lowerInclusive: Bool,
                     upper: Value?, upperInclusive: Bool) -> [RowKey] {
        // Only a read lock: the caller may already hold one (a subquery
        // evaluated inside a scan), so taking the write lock here could
        // deadlock. Building and sorting the index is serialized by its own
        // mutex; commits change indexes under the write lock, which excludes
        // every reader.
        lock.reading {
            guard let data = branchData(branch).tables[table] else { return [] }
            return indexMaintenance.withLock { _ in
                let index = data.valueIndexes[column] ?? ValueIndex(chains: data.chains, column: column)
                data.valueIndexes[column] = index
                if index.needsSorting { index.sort() }
                return index.keys(lower: lower, lowerInclusive: lowerInclusive, upper: upper, upperInclusive: upperInclusive)
            }
        }
    }

    static func nowMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }
}

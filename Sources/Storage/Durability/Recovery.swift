import Core
#if canImport(Glibc)
import Glibc
#endif

/// What opening a data directory found.
public struct RecoveryReport: Sendable {
    public var records: Int
    public var lastSCN: SCN
    /// Bytes cut from a torn or corrupt log tail (0 when the log was clean).
    public var truncatedBytes: UInt64
    public var validLength: UInt64
    public var milliseconds: Double
    /// Whole, checksummed records found after the damage (not replayed:
    /// records after a bad one cannot be trusted to follow it in order).
    public var recordsAfterDamage: Int = 0
    /// Where the cut bytes were kept (nil when nothing was cut).
    public var preservedTail: String?
}

extension MemoryStore {
    /// Opens (creating if needed) a durable store in `directory`: takes the
    /// directory's lock, replays the write-ahead log, cuts a torn tail, and
    /// logs every later change before it is acknowledged.
    public static func open(directory: String, sync: SyncMode) throws(StorageError) -> (MemoryStore, RecoveryReport) {
        let started = nowMicros()
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw StorageError("58030", "cannot create the data directory \(directory): \(WriteAheadLog.errnoText())")
        }
        let lockFD = Glibc.open(directory + "/LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if lockFD < 0 { throw StorageError("58030", "cannot open \(directory)/LOCK: \(WriteAheadLog.errnoText())") }
        if flock(lockFD, LOCK_EX | LOCK_NB) != 0 {
            close(lockFD)
            throw StorageError("55006", "the data directory \(directory) is in use by another heliosd process (its LOCK is held)")
        }
        let store = MemoryStore()
        store.lockFileDescriptor = lockFD
        store.dataDirectory = directory
        // A log from before generations existed is generation 0.
        if access(directory + "/wal.log", F_OK) == 0 && access(walPath(directory, 0), F_OK) != 0 {
            rename(directory + "/wal.log", walPath(directory, 0))
        }
        var checkpoints: [Int] = [], logs: [Int] = []
        for name in Files.list(directory) {
            if name.hasSuffix(".tmp") { Files.removeTree(directory + "/" + name); continue }   // an unfinished checkpoint
            if let g = Files.generation(name, prefix: "checkpoint-") { checkpoints.append(g) }
            if let g = Files.generation(name, prefix: "wal-", suffix: ".log") { logs.append(g) }
        }
        let base = checkpoints.max()
        if let base {
            try store.restore(try loadCheckpoint(directory, base))
            store.restoreVectorIndexes(checkpoint: checkpointPath(directory, base))
        }
        let replay = logs.filter { $0 >= (base ?? 0) }.sorted()
        let current = max(replay.last ?? 0, base ?? 0)
        var records = 0
        var validLength: UInt64 = 0, fileLength: UInt64 = 0
        var recordsAfterDamage = 0, preservedTail: String?
        store.vectorNodesAtCheckpoint = store.vectorNodeCount
        store.replaying = true
        for generation in replay {
            let path = walPath(directory, generation)
            let read = try WriteAheadLog.read(path: path)
            if generation != current && read.validLength != read.fileLength {
                throw StorageError("XX001", "write-ahead log \(path) is corrupt at byte \(read.validLength), before the newest log")
            }
            for (n, bytes) in read.records.enumerated() {
                let record: LogRecord
                do { record = try LogRecord.decode(bytes) } catch {
                    throw StorageError("XX001", "write-ahead log record \(n + 1) of \(path) is unreadable: \(error)")
                }
                try store.replay(record)
            }
            records += read.records.count
            if generation == current {
                validLength = read.validLength; fileLength = read.fileLength
                if !read.tail.isEmpty {
                    // The cut bytes are kept beside the log, never destroyed:
                    // a damaged record mid-log leaves good ones after it.
                    let (frames, length) = read.scanTail()
                    recordsAfterDamage = frames
                    let kept = "\(path).damaged-at-\(read.validLength)"
                    try Files.write(kept, Array(read.tail.prefix(length)))
                    preservedTail = kept
                }
            }
        }
        store.replaying = false
        store.linkDeferredVectorNodes()
        store.log = try WriteAheadLog(path: walPath(directory, current), mode: sync, validLength: validLength)
        store.logGeneration = current
        store.checkpointedGeneration = base
        store.reconcileAncestorVectorIndexes(restoringFrom: base.map { checkpointPath(directory, $0) })
        let report = RecoveryReport(records: records, lastSCN: store.lastSCN, truncatedBytes: fileLength - validLength,
                                    validLength: validLength, milliseconds: Double(nowMicros() - started) / 1000,
                                    recordsAfterDamage: recordsAfterDamage, preservedTail: preservedTail)
        return (store, report)
    }

    /// Applies one logged change during recovery (no conflict checks: the
    /// log holds only what was committed, in order).
    func replay(_ record: LogRecord) throws(StorageError) {
        switch record {
        case let .commit(branch, scn, transaction, micros, writes):
            guard let data = branches[branch] else { throw StorageError("XX001", "log commit \(scn) names unknown branch \(branch)") }
            apply(writes, to: data, scn: scn)
            lastSCN = scn
            commitLog.append(CommitRecord(scn: scn, transactionID: transaction, branch: branch, timestampMicros: micros))
            data.commitCount += 1
            data.lastModifiedMicros = micros
            raiseCounters(transaction: transaction, writes: writes)
        case let .branchCreated(id, name, parent, fork, micros):
            guard let parentData = branches[parent] else { throw StorageError("XX001", "log creates branch \(name) of unknown parent \(parent)") }
            let data = BranchData(id: id, name: name, parent: parentData, forkSCN: fork, createdMicros: micros)
            branches[id] = data
            branchIDs[name] = id
            nextBranchID = max(nextBranchID, id.rawValue + 1)
        case let .branchDropped(id):
            if let data = branches[id] { branchIDs[data.name] = nil }
            branches[id] = nil
        case let .branchStatus(id, status):
            branches[id]?.status = status
        case let .collected(horizon):
            _ = collect(through: horizon)
        }
    }

    /// Keeps id allocators above everything the log used.
    private func raiseCounters(transaction: TransactionID, writes: WriteSet) {
        raiseTransactionID(above: transaction.rawValue)
        for schema in writes.catalog.values { if let schema { raiseTableID(above: schema.id) } }
        for table in writes.tables.values {
            for key in table.order { if case .integer(let id)? = key.values.first, key.values.count == 1 { raiseRowID(above: id) } }
        }
    }
}

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
        let path = directory + "/wal.log"
        let (records, validLength, fileLength) = try WriteAheadLog.read(path: path)
        let store = MemoryStore()
        store.lockFileDescriptor = lockFD
        do {
            for (n, bytes) in records.enumerated() {
                let record: LogRecord
                do { record = try LogRecord.decode(bytes) } catch {
                    throw StorageError("XX001", "write-ahead log record \(n + 1) of \(path) is unreadable: \(error)")
                }
                try store.replay(record)
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError("XX001", "\(error)")
        }
        store.log = try WriteAheadLog(path: path, mode: sync, validLength: validLength)
        let report = RecoveryReport(records: records.count, lastSCN: store.lastSCN, truncatedBytes: fileLength - validLength,
                                    validLength: validLength, milliseconds: Double(nowMicros() - started) / 1000)
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

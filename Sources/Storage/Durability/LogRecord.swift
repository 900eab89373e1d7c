import Core

/// The logical records of the write-ahead log. Each is one state change of
/// the store, replayed in order on recovery:
///
///     commit          branch, SCN, transaction, time, catalog changes, row changes
///     branchCreated   id, name, parent, fork SCN, time
///     branchDropped   id
///     branchStatus    id, status ("merged")
///     collected       horizon SCN (history before it is gone)
///
/// Encoding: a format byte (1), a kind byte, then the fields with the Core
/// binary codec. Later kinds of state (vector indexes, materialized views)
/// add kinds; an unknown kind stops recovery with an error naming it.
enum LogRecord {
    case commit(branch: BranchID, scn: SCN, transaction: TransactionID, micros: Int64, writes: WriteSet)
    case branchCreated(id: BranchID, name: String, parent: BranchID, fork: SCN, micros: Int64)
    case branchDropped(id: BranchID)
    case branchStatus(id: BranchID, status: String)
    case collected(horizon: SCN)

    static let format: UInt8 = 1

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 256)
        w.u8(Self.format)
        switch self {
        case let .commit(branch, scn, transaction, micros, writes):
            w.u8(1)
            w.u64(branch.rawValue); w.u64(scn.rawValue); w.u64(transaction.rawValue); w.i64(micros)
            let catalog = writes.catalog.sorted { $0.key < $1.key }
            w.varint(UInt64(catalog.count))
            for (name, schema) in catalog {
                w.string(name)
                if let schema { w.bool(true); w.tableSchema(schema) } else { w.bool(false) }
            }
            w.varint(UInt64(writes.tables.count))
            for (tableID, table) in writes.tables.sorted(by: { $0.key < $1.key }) {
                w.u64(tableID)
                w.string(table.tableName)
                w.varint(UInt64(table.order.count))
                for key in table.order {
                    w.rowKey(key)
                    if case .some(.some(let row)) = table.changes[key] { w.bool(true); w.row(row) } else { w.bool(false) }
                }
            }
        case let .branchCreated(id, name, parent, fork, micros):
            w.u8(2); w.u64(id.rawValue); w.string(name); w.u64(parent.rawValue); w.u64(fork.rawValue); w.i64(micros)
        case let .branchDropped(id):
            w.u8(3); w.u64(id.rawValue)
        case let .branchStatus(id, status):
            w.u8(4); w.u64(id.rawValue); w.string(status)
        case let .collected(horizon):
            w.u8(5); w.u64(horizon.rawValue)
        }
        return w.bytes
    }

    static func decode(_ bytes: ArraySlice<UInt8>) throws -> LogRecord {
        var r = ByteReader(bytes)
        let format = try r.u8()
        guard format == Self.format else { throw StorageError("XX001", "write-ahead log record of unknown format \(format)") }
        switch try r.u8() {
        case 1:
            let branch = BranchID(rawValue: try r.u64()), scn = SCN(try r.u64())
            let transaction = TransactionID(rawValue: try r.u64()), micros = try r.i64()
            var writes = WriteSet()
            for _ in 0..<(try r.count()) {
                let name = try r.string()
                writes.catalog[name] = .some(try r.bool() ? try r.tableSchema() : nil)
            }
            for _ in 0..<(try r.count()) {
                let tableID = try r.u64()
                var table = TableWrites(tableName: try r.string())
                for _ in 0..<(try r.count()) {
                    let key = try r.rowKey()
                    table.set(key, try r.bool() ? try r.row() : nil)
                }
                writes.tables[tableID] = table
            }
            return .commit(branch: branch, scn: scn, transaction: transaction, micros: micros, writes: writes)
        case 2:
            return .branchCreated(id: BranchID(rawValue: try r.u64()), name: try r.string(), parent: BranchID(rawValue: try r.u64()),
                                  fork: SCN(try r.u64()), micros: try r.i64())
        case 3:
            return .branchDropped(id: BranchID(rawValue: try r.u64()))
        case 4:
            return .branchStatus(id: BranchID(rawValue: try r.u64()), status: try r.string())
        case 5:
            return .collected(horizon: SCN(try r.u64()))
        case let kind:
            throw StorageError("XX001", "write-ahead log record of unknown kind \(kind)")
        }
    }
}

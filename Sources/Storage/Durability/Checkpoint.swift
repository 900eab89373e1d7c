import Core
#if canImport(Glibc)
import Glibc
#endif

// Checkpoints: the whole store written to files, so recovery replays only
// the log written since.
//
// Generation G of a data directory is `checkpoint-G/` plus `wal-G.log`:
// the checkpoint holds the state of every record logged before generation
// G, and the log holds what came after. Taking checkpoint G+1: under the
// store's lock the state is captured (arrays are copy-on-write, so this
// copies references only) and new records switch to `wal-(G+1).log`;
// outside the lock the captured state is written to `checkpoint-(G+1).tmp`,
// fsync'd, renamed, and the older generation is deleted.
//
// Files: `manifest` (branches, catalogs, commit log, counters, the list of
// segments with their checksums) and one segment per table per branch,
// columnar: keys, version counts, version SCNs, presence, row widths, then
// the values column by column. Format 3 compresses each column with the
// column codecs (`SegmentColumn`: FSST text, ALP doubles, packed integers);
// formats 1 (plain values) and 2 (an earlier layout of the columns) are
// still read. Every file starts with a
// magic and a format version and ends with a CRC32C of what precedes it.

/// The captured state of one table of one branch.
struct TableImage {
    var branch: BranchID
    var table: UInt64
    var keys: [RowKey]
    var history: ContiguousArray<[Version]>
}

/// The captured state of a store.
struct StoreImage {
    struct Branch {
        var id: BranchID, name: String, parent: BranchID?, fork: SCN, created: Int64
        var status: String, commitCount: Int, lastModified: Int64?
        var catalog: [String: [(scn: SCN, schema: TableSchema?)]]
    }
    var branches: [Branch]
    var tables: [TableImage]
    var commitLog: [CommitRecord]
    var lastSCN: SCN
    var collectedThrough: SCN
    var nextBranchID: UInt64
    var nextTransactionID: UInt64
    var nextTableID: UInt64
    var nextRowID: Int64
}

enum CheckpointFiles {
    static let manifestMagic: [UInt8] = Array("HLXMANIF".utf8)
    static let segmentMagic: [UInt8] = Array("HLXSEGMT".utf8)
    /// The format written; `readableFormats` are read (1: plain columns;
    /// 2: `SegmentColumn` with one null-flags chunk per column, written by
    /// builds of 2026-11-29; 3: `SegmentColumn` with pieces that carry
    /// their own null flags).
    static let format: UInt8 = 3
    static let readableFormats: ClosedRange<UInt8> = 1...3

    static func sealed(_ magic: [UInt8], _ body: (inout ByteWriter) -> Void) -> [UInt8] {
        var w = ByteWriter(capacity: 1 << 16)
        w.raw(magic)
        w.u8(format)
        body(&w)
        let crc = CRC32C.checksum(w.bytes)
        w.u32(crc)
        return w.bytes
    }

    /// The body of a sealed file, after checking magic, format and checksum.
    static func opened(_ bytes: [UInt8], _ magic: [UInt8], name: String) throws(StorageError) -> ArraySlice<UInt8> {
        try openedWithFormat(bytes, magic, name: name).body
    }

    static func openedWithFormat(_ bytes: [UInt8], _ magic: [UInt8], name: String) throws(StorageError)
        -> (format: UInt8, body: ArraySlice<UInt8>) {
        guard bytes.count >= magic.count + 5, Array(bytes.prefix(magic.count)) == magic else {
            throw StorageError("XX001", "checkpoint file \(name) is not a Helios \(magic == manifestMagic ? "manifest" : "segment")")
        }
        guard readableFormats.contains(bytes[magic.count]) else {
            throw StorageError("XX001", "checkpoint file \(name) has unknown format \(bytes[magic.count])")
        }
        let end = bytes.count - 4
        let stored = UInt32(bytes[end]) | UInt32(bytes[end + 1]) << 8 | UInt32(bytes[end + 2]) << 16 | UInt32(bytes[end + 3]) << 24
        guard CRC32C.checksum(bytes[0..<end]) == stored else {
            throw StorageError("XX001", "checkpoint file \(name) is corrupt (checksum mismatch)")
        }
        return (bytes[magic.count], bytes[(magic.count + 1)..<end])
    }

    static func segment(_ image: TableImage) -> [UInt8] {
        sealed(segmentMagic) { w in
            w.u64(image.branch.rawValue); w.u64(image.table)
            w.count(image.keys.count)
            for key in image.keys { w.rowKey(key) }
            var rows: [Row] = []
            for versions in image.history { w.count(versions.count) }
            for versions in image.history { for v in versions { w.varint(v.scn.rawValue) } }
            for versions in image.history {
                for v in versions {
                    w.bool(v.row != nil)
                    if let row = v.row { rows.append(row) }
                }
            }
            for row in rows { w.count(row.count) }
            let width = rows.map(\.count).max() ?? 0
            w.count(width)
            // Column by column: the values of every row that has the column.
            for column in 0..<width {
                SegmentColumn.write(rows.compactMap { column < $0.count ? $0[column] : nil }, into: &w)
            }
        }
    }

    static func readSegment(_ bytes: [UInt8], name: String) throws(StorageError) -> TableImage {
        let (format, body) = try openedWithFormat(bytes, segmentMagic, name: name)
        do {
            var r = ByteReader(body)
            let branch = BranchID(rawValue: try r.u64()), table = try r.u64()
            let n = try r.count()
            var keys: [RowKey] = []
            keys.reserveCapacity(n)
            for _ in 0..<n { keys.append(try r.rowKey()) }
            var counts: [Int] = []
            for _ in 0..<n { counts.append(try r.count()) }
            var scns: [SCN] = []
            for count in counts { for _ in 0..<count { scns.append(SCN(try r.varint())) } }
            var present: [Bool] = []
            for _ in scns { present.append(try r.bool()) }
            let rowCount = present.filter { $0 }.count
            var widths: [Int] = []
            for _ in 0..<rowCount { widths.append(try r.count()) }
            let width = try r.count()
            var rows = widths.map { Row(repeating: .null, count: $0) }
            for column in 0..<width {
                let holders = rows.indices.filter { column < widths[$0] }
                if format == 1 {
                    for i in holders { rows[i][column] = try r.value() }
                } else {
                    let values = format == 2 ? try SegmentColumn.readFormat2(count: holders.count, from: &r)
                                             : try SegmentColumn.read(count: holders.count, from: &r)
                    for (i, value) in zip(holders, values) { rows[i][column] = value }
                }
            }
            try r.expectEnd()
            var history = ContiguousArray<[Version]>()
            history.reserveCapacity(n)
            var v = 0, nextRow = 0
            for count in counts {
                var versions: [Version] = []
                versions.reserveCapacity(count)
                for _ in 0..<count {
                    var row: Row?
                    if present[v] { row = rows[nextRow]; nextRow += 1 }
                    versions.append((scns[v], row))
                    v += 1
                }
                history.append(versions)
            }
            return TableImage(branch: branch, table: table, keys: keys, history: history)
        } catch {
            throw StorageError("XX001", "checkpoint segment \(name) is unreadable: \(error)")
        }
    }

    static func manifest(_ image: StoreImage, segments: [(name: String, crc: UInt32)]) -> [UInt8] {
        sealed(manifestMagic) { w in
            w.u64(image.lastSCN.rawValue); w.u64(image.collectedThrough.rawValue)
            w.u64(image.nextBranchID); w.u64(image.nextTransactionID); w.u64(image.nextTableID); w.i64(image.nextRowID)
            w.count(image.commitLog.count)
            for c in image.commitLog {
                w.u64(c.scn.rawValue); w.u64(c.transactionID.rawValue); w.u64(c.branch.rawValue); w.i64(c.timestampMicros)
            }
            w.count(image.branches.count)
            for b in image.branches {
                w.u64(b.id.rawValue); w.string(b.name); w.u64(b.parent?.rawValue ?? 0); w.u64(b.fork.rawValue)
                w.i64(b.created); w.string(b.status); w.varint(UInt64(b.commitCount))
                w.bool(b.lastModified != nil); w.i64(b.lastModified ?? 0)
                w.count(b.catalog.count)
                for (name, entries) in b.catalog.sorted(by: { $0.key < $1.key }) {
                    w.string(name)
                    w.count(entries.count)
                    for entry in entries {
                        w.u64(entry.scn.rawValue)
                        if let schema = entry.schema { w.bool(true); w.tableSchema(schema) } else { w.bool(false) }
                    }
                }
            }
            w.count(segments.count)
            for s in segments { w.string(s.name); w.u32(s.crc) }
        }
    }

    static func readManifest(_ bytes: [UInt8], name: String) throws(StorageError)
        -> (image: StoreImage, segments: [(name: String, crc: UInt32)]) {
        let body = try opened(bytes, manifestMagic, name: name)
        do {
            var r = ByteReader(body)
            var image = StoreImage(branches: [], tables: [], commitLog: [], lastSCN: SCN(try r.u64()),
                                   collectedThrough: SCN(try r.u64()), nextBranchID: try r.u64(),
                                   nextTransactionID: try r.u64(), nextTableID: try r.u64(), nextRowID: try r.i64())
            for _ in 0..<(try r.count()) {
                image.commitLog.append(CommitRecord(scn: SCN(try r.u64()), transactionID: TransactionID(rawValue: try r.u64()),
                                                    branch: BranchID(rawValue: try r.u64()), timestampMicros: try r.i64()))
            }
            for _ in 0..<(try r.count()) {
                let id = BranchID(rawValue: try r.u64()), branchName = try r.string(), parent = try r.u64()
                let fork = SCN(try r.u64()), created = try r.i64(), status = try r.string(), commits = try r.varint()
                let hasModified = try r.bool(), modified = try r.i64()
                var catalog: [String: [(scn: SCN, schema: TableSchema?)]] = [:]
                for _ in 0..<(try r.count()) {
                    let table = try r.string()
                    var entries: [(scn: SCN, schema: TableSchema?)] = []
                    for _ in 0..<(try r.count()) {
                        let scn = SCN(try r.u64())
                        entries.append((scn, try r.bool() ? try r.tableSchema() : nil))
                    }
                    catalog[table] = entries
                }
                image.branches.append(.init(id: id, name: branchName, parent: parent == 0 ? nil : BranchID(rawValue: parent),
                                            fork: fork, created: created, status: status, commitCount: Int(clamping: commits),
                                            lastModified: hasModified ? modified : nil, catalog: catalog))
            }
            var segments: [(name: String, crc: UInt32)] = []
            for _ in 0..<(try r.count()) { segments.append((try r.string(), try r.u32())) }
            try r.expectEnd()
            return (image, segments)
        } catch {
            throw StorageError("XX001", "checkpoint manifest \(name) is unreadable: \(error)")
        }
    }
}

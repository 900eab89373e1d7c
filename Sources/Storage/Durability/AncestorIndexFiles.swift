import Core
import Vector

// Ancestor graphs in a checkpoint (see `AncestorVectorIndexes`): one sealed
// file, `ancestor-vector-indexes`, beside `vector-indexes`, holding each
// ready graph with its key (ancestor branch, table, index definition, cap
// SCN) and its node bookkeeping. A graph covers versions at or below its
// cap, which later commits do not change, so one saved at any checkpoint
// still fits after the log is replayed. After a restart those a branch
// still needs are installed; the rest are built in the background. A
// missing or unreadable file only costs time.

enum AncestorIndexFiles {
    static let magic: [UInt8] = Array("HLXANCIX".utf8)
    static let fileName = "ancestor-vector-indexes"

    struct Entry {
        var key: AncestorVectorIndexes.Key
        var bytes: [UInt8]
    }

    static func file(_ entries: [Entry]) -> [UInt8] {
        CheckpointFiles.sealed(magic) { w in
            w.count(entries.count)
            for entry in entries {
                w.u64(entry.key.ancestor.rawValue)
                w.u64(entry.key.table)
                w.u64(entry.key.cap.rawValue)
                w.indexSchema(entry.key.index)
                w.bytes(entry.bytes)
            }
        }
    }

    static func entries(_ bytes: [UInt8], name: String) throws(StorageError) -> [Entry] {
        var r = ByteReader(try CheckpointFiles.opened(bytes, magic, name: name))
        do throws(CodecError) {
            return try r.array { (r) throws(CodecError) -> Entry in
                let ancestor = BranchID(rawValue: try r.u64()), table = try r.u64(), cap = SCN(rawValue: try r.u64())
                let key = AncestorVectorIndexes.Key(ancestor: ancestor, table: table, index: try r.indexSchema(), cap: cap)
                return Entry(key: key, bytes: try r.bytes())
            }
        } catch {
            throw StorageError("XX001", "checkpoint file \(name) is unreadable: \(error)")
        }
    }
}

extension MemoryStore {
    /// Installs the graphs the checkpoint at `path` saved that are among
    /// `needed` (worked out after the log's replay, so the branches and
    /// indexes are the final ones). Returns how many were installed.
    @discardableResult
    func restoreAncestorVectorIndexes(checkpoint path: String, needed targets: [(AncestorVectorIndexes.Key, TableData)]) -> Int {
        let file = path + "/" + AncestorIndexFiles.fileName
        guard let bytes = try? Files.read(file), let entries = try? AncestorIndexFiles.entries(bytes, name: file) else { return 0 }
        let needed = Dictionary(targets, uniquingKeysWith: { first, _ in first })
        var installed = 0
        for entry in entries {
            guard let table = needed[entry.key], let index = VectorIndexData(schema: entry.key.index, table: table),
                  index.restore(entry.bytes, slots: table.chains.count) else { continue }
            if ancestorVectorIndexes.install(entry.key, index, table: table) { installed += 1 }
        }
        return installed
    }
}

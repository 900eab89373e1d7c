import Core
import Vector

// HNSW indexes in a checkpoint: one sealed file, `vector-indexes`, beside
// the table segments, holding every branch's graphs with their node
// bookkeeping (chain slot and SCN interval per node). Graphs are captured
// under the store's lock with the rest of the image, so they match the
// checkpoint's SCN; the log replayed after it extends them. A missing or
// unreadable file only costs time: the indexes are rebuilt from the rows.

enum VectorIndexFiles {
    static let magic: [UInt8] = Array("HLXVECIX".utf8)
    static let fileName = "vector-indexes"

    struct Entry {
        var branch: BranchID
        var table: UInt64
        var bytes: [UInt8]
    }

    static func file(_ entries: [Entry]) -> [UInt8] {
        CheckpointFiles.sealed(magic) { w in
            w.count(entries.count)
            for entry in entries {
                w.u64(entry.branch.rawValue)
                w.u64(entry.table)
                w.bytes(entry.bytes)
            }
        }
    }

    static func entries(_ bytes: [UInt8], name: String) throws(StorageError) -> [Entry] {
        var r = ByteReader(try CheckpointFiles.opened(bytes, magic, name: name))
        do throws(CodecError) {
            return try r.array { (r) throws(CodecError) -> Entry in
                Entry(branch: BranchID(rawValue: try r.u64()), table: try r.u64(), bytes: try r.bytes())
            }
        } catch {
            throw StorageError("XX001", "checkpoint file \(name) is unreadable: \(error)")
        }
    }
}

extension VectorIndexData {
    /// The index as bytes: its name, node bookkeeping and graph.
    func serialized() -> [UInt8] {
        var w = ByteWriter(capacity: count * 24 + 64)
        w.string(schema.name)
        w.count(count)
        nodeSlots.withUnsafeBytes { w.raw($0) }
        nodeStart.withUnsafeBytes { w.raw($0) }
        nodeEnd.withUnsafeBytes { w.raw($0) }
        if let graph { w.bool(true); w.bytes(graph.serialized()) } else { w.bool(false) }
        return w.bytes
    }

    /// The name an index's bytes start with.
    static func name(in bytes: [UInt8]) -> String? {
        var r = ByteReader(bytes)
        return try? r.string()
    }

    /// Restores `bytes` into this (empty) index; false when they do not fit.
    func restore(_ bytes: [UInt8], slots: Int) -> Bool {
        var r = ByteReader(bytes)
        do {
            guard try r.string() == schema.name else { return false }
            let n = try r.count()
            let slotBytes = try r.raw(count: n * 4), startBytes = try r.raw(count: n * 8), endBytes = try r.raw(count: n * 8)
            var graph: HNSWGraph?
            if try r.bool() { graph = try HNSWGraph.deserialize(try r.bytes()) }
            try r.expectEnd()
            guard (graph?.count ?? 0) == n, graph.map({ $0.metric == metric }) ?? true else { return false }
            let nodeSlots = slotBytes.withUnsafeBytes { ContiguousArray($0.bindMemory(to: Int32.self)) }
            guard nodeSlots.allSatisfy({ $0 >= 0 && Int($0) < slots }) else { return false }
            restoreNodes(slots: nodeSlots, start: startBytes.withUnsafeBytes { ContiguousArray($0.bindMemory(to: UInt64.self)) },
                         end: endBytes.withUnsafeBytes { ContiguousArray($0.bindMemory(to: UInt64.self)) }, graph: graph)
            return true
        } catch {
            return false
        }
    }
}

extension MemoryStore {
    /// Every branch's HNSW indexes as checkpoint entries. Caller holds the lock.
    func captureVectorIndexes() -> [VectorIndexFiles.Entry] {
        var entries: [VectorIndexFiles.Entry] = []
        for data in branches.values.sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
            for (id, table) in data.tables.sorted(by: { $0.key < $1.key }) {
                for index in table.vectorIndexes {
                    entries.append(.init(branch: data.id, table: id, bytes: index.serialized()))
                }
            }
        }
        return entries
    }

    /// Loads the indexes a checkpoint saved, then builds any that are
    /// missing or did not fit. Returns how many were loaded.
    @discardableResult
    func restoreVectorIndexes(checkpoint path: String) -> Int {
        var loaded = 0
        let file = path + "/" + VectorIndexFiles.fileName
        if let bytes = try? Files.read(file), let entries = try? VectorIndexFiles.entries(bytes, name: file) {
            for entry in entries {
                guard let data = branches[entry.branch], let table = data.tables[entry.table],
                      let name = VectorIndexData.name(in: entry.bytes),
                      let schema = data.tableNames(at: lastSCN).lazy.compactMap({ data.schema(named: $0, at: self.lastSCN) })
                          .first(where: { $0.id == entry.table }),
                      let indexSchema = schema.indexes.first(where: { $0.name == name }),
                      let index = VectorIndexData(schema: indexSchema, table: table),
                      index.restore(entry.bytes, slots: table.chains.count) else { continue }
                table.vectorIndexes.append(index)
                loaded += 1
            }
        }
        rebuildVectorIndexes()
        return loaded
    }
}

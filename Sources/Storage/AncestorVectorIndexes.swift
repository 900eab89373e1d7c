import Core
import Vector
#if canImport(Glibc)
import Glibc
#endif

/// HNSW graphs over the rows a branch inherits, for the branch's indexes
/// that its ancestors do not have.
///
/// A branch reads each ancestor as of a fixed SCN (its fork point, or the
/// nearer fork up the chain), and the graph of an index lives with the
/// rows it covers (`VectorIndexData`). An index created *on a branch* thus
/// has a graph over the branch's own rows only; without these graphs the
/// rows it inherits would be scanned exactly on every search.
///
/// An ancestor graph holds the ancestor's vector versions that start at or
/// below the layer's cap (the newest SCN the branch can read that ancestor
/// at); versions that ended after the cap count as open. The versions at or
/// below a fixed SCN never change (a later commit gets a higher SCN), so the
/// graph needs no upkeep: one built at the cap serves every reader of the
/// layer, AS OF included, through the same SCN intervals as any graph.
/// Branches reading one ancestor through the same fork share one graph.
///
/// Built when an index is created on a branch (the DDL waits for it, as for
/// any index build). They are not checkpointed: after a restart they are
/// built again in the background, one at a time, and a search that finds
/// one missing starts its build; until a graph is ready, searches scan
/// those rows exactly.
final class AncestorVectorIndexes: @unchecked Sendable {
    /// An ancestor's table read at `cap`, indexed as `index` says.
    struct Key: Hashable {
        let ancestor: BranchID
        let table: UInt64
        let index: IndexSchema
        let cap: SCN
    }

    private enum Entry {
        case building
        /// The graph, and the table it indexes (kept alive: the index refers to it unowned).
        case ready(VectorIndexData, TableData)
    }

    /// Ancestor layers with fewer row keys are scanned exactly (about as
    /// cheap as a graph search there).
    static let minimumRows = 1_000

    private let entries = Locked<[Key: Entry]>([:])
    /// Whether a background build runs (one at a time).
    private let buildingInBackground = Locked(false)

    /// Graphs held or being built, and those ready.
    var count: Int { entries.withLock { $0.count } }
    var readyCount: Int { entries.withLock { $0.values.filter { if case .ready = $0 { true } else { false } }.count } }

    /// The ready graph for `key` over `table`; nil while none is (an entry
    /// built for a table since dropped and created again is discarded).
    func ready(_ key: Key, table: TableData) -> VectorIndexData? {
        entries.withLock { entries in
            guard case .ready(let index, let indexed)? = entries[key] else { return nil }
            if indexed !== table { entries[key] = nil; return nil }
            return index
        }
    }

    /// Builds the graph for `key` unless one is ready or being built.
    /// Waits for the build; the store's lock must not be held.
    func build(_ key: Key, table: TableData, store: MemoryStore) {
        let claimed = entries.withLock { entries -> Bool in
            if case .ready(_, let indexed)? = entries[key], indexed === table { return false }
            if case .building? = entries[key] { return false }
            entries[key] = .building
            return true
        }
        guard claimed else { return }
        guard let index = VectorIndexData(schema: key.index, table: table) else {
            entries.withLock { $0[key] = nil }
            return
        }
        let versions = store.lock.reading { index.versions(of: table, through: key.cap) }
        index.build(from: versions, threads: 2, detached: true)
        index.readVectorsFromTable()
        entries.withLock { $0[key] = .ready(index, table) }
    }

    /// Starts building the graphs for `targets`, one after another on a
    /// thread of its own, unless another background build runs (those
    /// ready or being built are skipped). May be called with the store's
    /// read lock held.
    func buildInBackground(_ targets: [(Key, TableData)], store: MemoryStore) {
        guard !targets.isEmpty else { return }
        let started = buildingInBackground.withLock { busy -> Bool in
            if busy { return false }
            busy = true
            return true
        }
        guard started else { return }
        // The tables are read under the store's lock, which `build` takes.
        struct Job: @unchecked Sendable { let targets: [(Key, TableData)]; let store: MemoryStore }
        let job = Job(targets: targets, store: store)
        let thread = NativeThread.start { [self] in
            for (key, table) in job.targets { build(key, table: table, store: job.store) }
            buildingInBackground.withLock { $0 = false }
        }
        if let thread { pthread_detach(thread) } else { buildingInBackground.withLock { $0 = false } }
    }

    /// Forgets the graphs no branch needs any more (a dropped branch or
    /// index, an ancestor that has an index of its own now).
    func prune(keeping needed: Set<Key>) {
        entries.withLock { entries in
            for key in entries.keys where !needed.contains(key) {
                if case .building? = entries[key] { continue }  // its builder installs it; pruned next time
                entries[key] = nil
            }
        }
    }
}

extension MemoryStore {
    /// The ancestor graphs that `schema`'s HNSW indexes need on `branch`:
    /// one per ancestor layer that holds at least `minimumRows` keys of the
    /// table and no index of its own for the column and metric. Caller
    /// holds the lock.
    func ancestorIndexTargets(branch: BranchID, schema: TableSchema) -> [(AncestorVectorIndexes.Key, TableData)] {
        guard let data = branches[branch], data.hasParent else { return [] }
        let hnsw = schema.indexes.filter { $0.method == "hnsw" && $0.columns.count == 1 }
        if hnsw.isEmpty { return [] }
        var targets: [(AncestorVectorIndexes.Key, TableData)] = []
        for layer in data.layers(at: SCN(rawValue: .max)).dropFirst() {
            guard let table = layer.branch.tables[schema.id], table.chains.count >= AncestorVectorIndexes.minimumRows else { continue }
            for index in hnsw {
                let metric = VectorMetric(indexOptions: index.options)
                if table.vectorIndexes.contains(where: { $0.column == index.columns[0] && $0.metric == metric }) { continue }
                targets.append((AncestorVectorIndexes.Key(ancestor: layer.branch.id, table: schema.id, index: index, cap: layer.scn), table))
            }
        }
        return targets
    }

    /// After a commit that changed the catalog (called without the lock):
    /// builds the ancestor graphs for the HNSW indexes it created or changed
    /// on `branch` (waiting for them), forgets those no branch needs any
    /// more, and starts building in the background those other branches
    /// need now (an ancestor dropped an index of its own).
    func buildAncestorVectorIndexes(for writes: WriteSet, branch: BranchID, at scn: SCN) {
        // Only catalog changes that touch an HNSW index (new, changed or
        // dropped, with its table or alone) can change which graphs are needed.
        let touchesHNSW = lock.reading { () -> Bool in
            guard let data = branches[branch] else { return false }
            let before = SCN(rawValue: scn.rawValue - 1)
            return writes.catalog.contains { name, schema in
                (schema?.indexes ?? []).contains { $0.method == "hnsw" }
                    || (data.schema(named: name, at: before)?.indexes ?? []).contains { $0.method == "hnsw" }
            }
        }
        guard touchesHNSW else { return }
        for case let (_, schema?) in writes.catalog where schema.indexes.contains(where: { $0.method == "hnsw" }) {
            for (key, table) in lock.reading({ ancestorIndexTargets(branch: branch, schema: schema) }) {
                ancestorVectorIndexes.build(key, table: table, store: self)
            }
        }
        pruneAncestorVectorIndexes()
        warmAncestorVectorIndexes()
    }

    /// Every ancestor graph the branches' indexes need. Caller holds the lock.
    func allAncestorIndexTargets() -> [(AncestorVectorIndexes.Key, TableData)] {
        var targets: [(AncestorVectorIndexes.Key, TableData)] = []
        var seen = Set<AncestorVectorIndexes.Key>()
        for data in branches.values where data.hasParent {
            for name in data.tableNames(at: lastSCN) {
                guard let schema = data.schema(named: name, at: lastSCN) else { continue }
                for target in ancestorIndexTargets(branch: data.id, schema: schema) where seen.insert(target.0).inserted {
                    targets.append(target)
                }
            }
        }
        return targets
    }

    /// Forgets the ancestor graphs that no branch's indexes need.
    func pruneAncestorVectorIndexes() {
        if ancestorVectorIndexes.count == 0 { return }
        let needed = lock.reading { Set(allAncestorIndexTargets().map(\.0)) }
        ancestorVectorIndexes.prune(keeping: needed)
    }

    /// Builds in the background the ancestor graphs not ready yet (after a
    /// restart, a merge, an ancestor's DROP INDEX); until each is ready,
    /// searches scan those rows exactly.
    func warmAncestorVectorIndexes() {
        let missing = lock.reading { allAncestorIndexTargets().filter { ancestorVectorIndexes.ready($0.0, table: $0.1) == nil } }
        ancestorVectorIndexes.buildInBackground(missing, store: self)
    }
}

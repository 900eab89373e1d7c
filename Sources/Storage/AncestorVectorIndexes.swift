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
/// any index build); saved with checkpoints (`AncestorIndexFiles`). Those
/// missing after a restart, a merge or an ancestor's DROP INDEX are built in
/// the background, one at a time, as is one a search finds missing; until
/// a graph is ready, searches scan those rows exactly.
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

        /// Whether it stands for a graph over `table`, ready or to come
        /// (one over a table since dropped and created again does not).
        func covers(_ table: TableData) -> Bool {
            switch self {
            case .ready(_, let indexed): indexed === table
            case .building: true
            }
        }
    }

    /// Ancestor layers with fewer row keys are scanned exactly (about as
    /// cheap as a graph search there).
    static let minimumRows = 1_000

    private let entries = Locked<[Key: Entry]>([:])
    /// Graphs waiting for the background builder, and whether it runs.
    private let queue = Locked<(pending: [(Key, TableData)], running: Bool)>(([], false))

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

    /// The ready graphs, for a checkpoint.
    func readyGraphs() -> [(Key, VectorIndexData)] {
        entries.withLock { entries in
            entries.compactMap { key, entry in if case .ready(let index, _) = entry { (key, index) } else { nil } }
        }
    }

    /// Installs a graph restored from a checkpoint unless one is there.
    func install(_ key: Key, _ index: VectorIndexData, table: TableData) -> Bool {
        entries.withLock { entries in
            if entries[key] != nil { return false }
            entries[key] = .ready(index, table)
            return true
        }
    }

    /// Whether `key` has a graph ready over `table` or being built.
    private func present(_ key: Key, table: TableData) -> Bool {
        entries.withLock { $0[key]?.covers(table) ?? false }
    }

    /// Builds the graph for `key` unless one is ready or being built.
    /// Waits for the build; `lock` (the store's) must not be held.
    func build(_ key: Key, table: TableData, lock: ReadWriteLock) {
        let claimed = entries.withLock { entries -> Bool in
            if entries[key]?.covers(table) == true { return false }
            entries[key] = .building
            return true
        }
        guard claimed else { return }
        guard let index = VectorIndexData(schema: key.index, table: table) else {
            entries.withLock { $0[key] = nil }
            return
        }
        let versions = lock.reading { index.versions(of: table, through: key.cap) }
        index.build(from: versions, threads: 2, detached: true)
        index.readVectorsFromTable()
        entries.withLock { $0[key] = .ready(index, table) }
    }

    /// Queues the graphs for `targets` not ready or being built, for one
    /// background thread that builds them one after another (started
    /// unless it runs). May be called with the store's read lock held. The
    /// thread holds the store's lock object, not the store, so a store let
    /// go of closes (and frees its data directory) while a build finishes.
    func buildInBackground(_ targets: [(Key, TableData)], lock: ReadWriteLock) {
        let wanted = targets.filter { !present($0.0, table: $0.1) }
        if wanted.isEmpty { return }
        let start = queue.withLock { queue -> Bool in
            for target in wanted where !queue.pending.contains(where: { $0.0 == target.0 }) { queue.pending.append(target) }
            if queue.running { return false }
            queue.running = true
            return true
        }
        guard start else { return }
        struct Job: @unchecked Sendable { let lock: ReadWriteLock }
        let job = Job(lock: lock)
        let thread = NativeThread.start { [self] in
            while let (key, table) = queue.withLock({ queue -> (Key, TableData)? in
                if queue.pending.isEmpty { queue.running = false; return nil }
                return queue.pending.removeFirst()
            }) {
                build(key, table: table, lock: job.lock)
            }
        }
        if thread == nil { queue.withLock { $0 = ([], false) } } else { pthread_detach(thread!) }
    }

    /// Whether the ancestor's rows hold the reader's column `column` at the
    /// same position (a branch that dropped or moved columns rewrote its
    /// rows, which hide the ancestor's: a graph over them would serve nothing).
    static func sameColumn(_ column: Int, of table: TableSchema, in ancestor: BranchData, at scn: SCN) -> Bool {
        guard let theirs = ancestor.schema(named: table.name, at: scn), theirs.id == table.id,
              column < theirs.columns.count, column < table.columns.count else { return false }
        return theirs.columns[column].name == table.columns[column].name && theirs.columns[column].type == table.columns[column].type
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
        for layer in data.layerCaps.dropFirst() {
            guard let table = layer.branch.tables[schema.id], table.chains.count >= AncestorVectorIndexes.minimumRows else { continue }
            for index in hnsw where AncestorVectorIndexes.sameColumn(index.columns[0], of: schema, in: layer.branch, at: layer.scn) {
                let metric = VectorMetric(indexOptions: index.options)
                if table.vectorIndexes.contains(where: { $0.column == index.columns[0] && $0.metric == metric }) { continue }
                targets.append((AncestorVectorIndexes.Key(ancestor: layer.branch.id, table: schema.id, index: index, cap: layer.scn), table))
            }
        }
        return targets
    }

    /// After a commit that changed the catalog (called without the lock):
    /// builds the ancestor graphs for the HNSW indexes it created or changed
    /// on `branch` (waiting for them), then reconciles the rest (see
    /// `reconcileAncestorVectorIndexes`).
    func buildAncestorVectorIndexes(for writes: WriteSet, branch: BranchID, at scn: SCN) {
        let touchesHNSW = lock.reading {
            branches[branch].map { data in writes.touchesHNSW { data.schema(named: $0, at: SCN(rawValue: scn.rawValue - 1)) } } ?? false
        }
        guard touchesHNSW else { return }
        for case let (_, schema?) in writes.catalog where schema.indexes.contains(where: { $0.method == "hnsw" }) {
            for (key, table) in lock.reading({ ancestorIndexTargets(branch: branch, schema: schema) }) {
                ancestorVectorIndexes.build(key, table: table, lock: lock)
            }
        }
        reconcileAncestorVectorIndexes()
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

    /// Forgets the ancestor graphs that no branch's indexes need (after a
    /// branch is dropped; nothing to do while none is held).
    func pruneAncestorVectorIndexes() {
        if ancestorVectorIndexes.count == 0 { return }
        let needed = lock.reading { Set(allAncestorIndexTargets().map(\.0)) }
        ancestorVectorIndexes.prune(keeping: needed)
    }

    /// Matches the ancestor graphs to what the branches need now (after a
    /// catalog change, a merge or a restart): forgets those no branch needs,
    /// installs those `checkpoint` saved, and builds the rest in the
    /// background; until each is ready, searches scan those rows exactly.
    func reconcileAncestorVectorIndexes(restoringFrom checkpoint: String? = nil) {
        let targets = lock.reading { allAncestorIndexTargets() }
        if ancestorVectorIndexes.count > 0 { ancestorVectorIndexes.prune(keeping: Set(targets.map(\.0))) }
        if let checkpoint { restoreAncestorVectorIndexes(checkpoint: checkpoint, needed: targets) }
        ancestorVectorIndexes.buildInBackground(targets, lock: lock)
    }
}

extension WriteSet {
    /// Whether these catalog writes create, change or drop an HNSW index
    /// (`before`: a written table's schema before them).
    func touchesHNSW(before: (String) -> TableSchema?) -> Bool {
        catalog.contains { name, schema in
            ((schema?.indexes ?? []) + (before(name)?.indexes ?? [])).contains { $0.method == "hnsw" }
        }
    }
}

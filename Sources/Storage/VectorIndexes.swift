import Core
import Vector

/// One HNSW index over the versions one branch holds of one table column.
///
/// Each graph node is a *vector version*: the vector a key held from the
/// commit that set it (`start`) until the commit that changed the vector or
/// deleted the row (`end`, open while current). A reader at SCN s accepts a
/// node when start ≤ s < end, so one graph serves the present, every AS OF
/// point still retained, and (through the branch layers, see `BranchData`)
/// every branch. Updates that leave the vector alone add no node.
final class VectorIndexData {
    let schema: IndexSchema
    let column: Int
    let metric: VectorMetric
    let options: VectorIndexOptions
    /// Created with the first vector (its length fixes the dimensions).
    private(set) var graph: HNSWGraph?
    /// Per node: the chain slot (row key) and the versions' SCN interval.
    private(set) var nodeSlots: ContiguousArray<Int32> = []
    private(set) var nodeStart: ContiguousArray<UInt64> = []
    private(set) var nodeEnd: ContiguousArray<UInt64> = []
    /// Nodes whose version has ended, and the newest start SCN: while no
    /// node has ended, a reader at or past `newestStart` sees every node.
    private(set) var endedNodes = 0
    private(set) var newestStart: UInt64 = 0
    /// The node holding each slot's current vector, if any.
    private var currentNode: [Int32: UInt32] = [:]
    /// Vectors of nodes numbered during log replay but not linked yet.
    private var deferredVectors: [[Float]] = []
    /// The table whose versions the nodes are (quantized graphs read full vectors there).
    private unowned(unsafe) let table: TableData

    static let open = UInt64.max

    init?(schema: IndexSchema, table: TableData) {
        self.table = table
        guard schema.method == "hnsw", schema.columns.count == 1,
              let options = try? VectorIndexOptions(schema.options, dimensions: 0) else { return nil }
        self.schema = schema
        column = schema.columns[0]
        metric = VectorMetric(indexOptions: schema.options)
        self.options = options
    }

    var count: Int { nodeSlots.count }

    /// The table whose versions the nodes are.
    var indexedTable: TableData { table }

    private func makeGraph(dimensions: Int) -> HNSWGraph {
        let compression = VectorCompression(quantization: options.quantization,
                                            subquantizers: options.subquantizers(dimensions: dimensions),
                                            centroids: options.pqCentroids)
        let graph = HNSWGraph(dimensions: dimensions, metric: metric, parameters: options.parameters, compression: compression)
        attach(graph)
        return graph
    }

    private func attach(_ graph: HNSWGraph) {
        self.graph = graph
        if !graph.ownsVectors { graph.fullVector = { [unowned self] node in self.storedVector(node) } }
    }

    /// Node `node`'s vector from the version that set it (or, once that
    /// version was collected, the oldest one kept).
    func storedVector(_ node: UInt32) -> [Float]? {
        guard Int(node) < nodeSlots.count else { return nil }
        let versions = table.history[Int(nodeSlots[Int(node)])]
        let start = nodeStart[Int(node)]
        var low = 0, high = versions.count
        while low < high {
            let mid = (low + high) >> 1
            if versions[mid].scn.rawValue <= start { low = mid + 1 } else { high = mid }
        }
        guard !versions.isEmpty else { return nil }
        return Self.vector(in: versions[max(low - 1, 0)].row, column: column)
    }

    static func vector(in row: Row?, column: Int) -> [Float]? {
        guard let row, column < row.count, case .vector(let v) = row[column], !v.isEmpty else { return nil }
        return v
    }

    /// Records a new version of `slot` committed at `scn` (nil row = delete)
    /// replacing `previous` (the slot's prior version on this branch).
    /// `deferring` (log replay) numbers the node but leaves its linking to
    /// `linkDeferred`, which builds the nodes gathered so far in one
    /// parallel pass.
    func record(slot: Int, scn: SCN, row: Row?, previous: Row?, deferring: Bool = false) {
        let key = Int32(slot)
        let vector = Self.vector(in: row, column: column)
        if let current = currentNode[key] {
            if let vector, vector == Self.vector(in: previous, column: column) { return }
            nodeEnd[Int(current)] = scn.rawValue
            endedNodes += 1
            currentNode[key] = nil
        }
        guard let vector else { return }
        let graph = graph ?? makeGraph(dimensions: vector.count)
        guard vector.count == graph.dimensions else { return }
        if deferring {
            deferredVectors.append(vector)
            append(node: UInt32(nodeSlots.count), slot: key, start: scn.rawValue, end: Self.open)
            return
        }
        linkDeferred()
        let node = graph.add(vector)
        append(node: node, slot: key, start: scn.rawValue, end: Self.open)
    }

    /// Links the nodes `record(…, deferring: true)` numbered, in one
    /// two-thread build (node numbers follow the order they were recorded in).
    func linkDeferred() {
        guard !deferredVectors.isEmpty, let graph else { return }
        graph.build(deferredVectors, threads: 2)
        deferredVectors = []
        precondition(graph.count == nodeSlots.count, "deferred vector nodes out of step with the graph")
    }

    private func append(node: UInt32, slot: Int32, start: UInt64, end: UInt64) {
        precondition(Int(node) == nodeSlots.count)
        nodeSlots.append(slot)
        nodeStart.append(start)
        nodeEnd.append(end)
        newestStart = max(newestStart, start)
        if end != Self.open { endedNodes += 1 }
        if end == Self.open { currentNode[slot] = node }
    }

    /// Installs restored nodes (see VectorIndexFiles.swift); the index is empty.
    func restoreNodes(slots: ContiguousArray<Int32>, start: ContiguousArray<UInt64>, end: ContiguousArray<UInt64>,
                      graph: HNSWGraph?) {
        nodeSlots = slots; nodeStart = start; nodeEnd = end
        endedNodes = end.lazy.filter { $0 != Self.open }.count
        newestStart = start.max() ?? 0
        if let graph { attach(graph) }
        for (node, slot) in slots.enumerated() where end[node] == Self.open { currentNode[slot] = UInt32(node) }
    }

    /// The vector versions a table holds: what a build reads.
    struct Versions {
        var vectors: [[Float]] = []
        var meta: [(slot: Int32, start: UInt64, end: UInt64)] = []
    }

    /// Builds the graph over every version `table` holds, on `threads` threads.
    func populate(from table: TableData, threads: Int) {
        build(from: versions(of: table), threads: threads, detached: false)
    }

    /// Every vector version of the indexed column in `table` that starts at
    /// or below `cap`, those ending after it counted as open (an ancestor
    /// layer read at `cap` or below, see `AncestorVectorIndexes`). The
    /// caller holds the store's lock, read or write.
    func versions(of table: TableData, through cap: SCN = SCN(rawValue: .max)) -> Versions {
        var vectors: [[Float]] = []
        var meta: [(slot: Int32, start: UInt64, end: UInt64)] = []
        for (slot, versions) in table.history.enumerated() {
            var open: (vector: [Float], start: UInt64)?
            for version in versions {
                // Past the cap, what is open stays open.
                if version.scn > cap { break }
                let vector = Self.vector(in: version.row, column: column)
                if let current = open {
                    if let vector, vector == current.vector { continue }
                    vectors.append(current.vector)
                    meta.append((Int32(slot), current.start, version.scn.rawValue))
                    open = nil
                }
                if let vector { open = (vector, version.scn.rawValue) }
            }
            if let current = open {
                vectors.append(current.vector)
                meta.append((Int32(slot), current.start, Self.open))
            }
        }
        return Versions(vectors: vectors, meta: meta)
    }

    /// After a detached build that no commit installs (an ancestor graph):
    /// reads full vectors from the table again.
    func readVectorsFromTable() { if let graph { attach(graph) } }

    /// Adds `versions` to the graph, on `threads` threads. `detached`: the
    /// store's lock is not held (a build ahead of its commit), so a
    /// quantized graph reads full vectors from `versions`, not the table,
    /// until `attachToTable` (the index must be new: nodes from 0).
    func build(from versions: Versions, threads: Int, detached: Bool) {
        let (vectors, meta) = (versions.vectors, versions.meta)
        guard let first = vectors.first else { return }
        let graph = graph ?? makeGraph(dimensions: first.count)
        let usable = vectors.indices.filter { vectors[$0].count == graph.dimensions }
        let base = UInt32(graph.count)
        // Bookkeeping first: the graph may ask for these nodes' vectors.
        for (offset, i) in usable.enumerated() {
            append(node: base + UInt32(offset), slot: meta[i].slot, start: meta[i].start, end: meta[i].end)
        }
        let batch = usable.map { vectors[$0] }
        if detached && !graph.ownsVectors {
            precondition(base == 0)
            graph.fullVector = { node in Int(node) < batch.count ? batch[Int(node)] : nil }
        }
        graph.build(batch, threads: threads)
    }

    /// After a detached build, under the write lock: records the versions
    /// the table gained after `scn` (the build's snapshot) and reads full
    /// vectors from the table again.
    func attachToTable(catchingUpAfter scn: SCN) {
        for (slot, versions) in table.history.enumerated() {
            guard let last = versions.last, last.scn > scn else { continue }
            var i = versions.count - 1
            while i > 0 && versions[i - 1].scn > scn { i -= 1 }
            for j in i..<versions.count {
                record(slot: slot, scn: versions[j].scn, row: versions[j].row, previous: j > 0 ? versions[j - 1].row : nil)
            }
        }
        if let graph { attach(graph) }
    }

    /// Whether node `node` was the key's vector at `scn`.
    @inline(__always)
    func isLive(_ node: UInt32, at scn: SCN) -> Bool {
        nodeStart[Int(node)] <= scn.rawValue && scn.rawValue < nodeEnd[Int(node)]
    }

    @inline(__always)
    func slot(of node: UInt32) -> Int { Int(nodeSlots[Int(node)]) }

    /// Whether a reader at `scn` sees every node (nothing ended, nothing newer).
    func allLive(at scn: SCN) -> Bool { endedNodes == 0 && newestStart <= scn.rawValue }

    /// Base addresses of the nodes' start and end SCNs, valid until the
    /// next commit changes the index (callers hold the store's read lock).
    func intervalPointers() -> (UnsafePointer<UInt64>, UnsafePointer<UInt64>) {
        if nodeStart.isEmpty { return (Self.noIntervals, Self.noIntervals) }
        return (nodeStart.withUnsafeBufferPointer { $0.baseAddress! }, nodeEnd.withUnsafeBufferPointer { $0.baseAddress! })
    }

    nonisolated(unsafe) private static let noIntervals: UnsafePointer<UInt64> = {
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    /// Resident bytes: the graph plus the per-node version bookkeeping.
    var memoryBytes: Int {
        (graph?.memoryBytes ?? 0) + nodeSlots.capacity * 4 + (nodeStart.capacity + nodeEnd.capacity) * 8
            + currentNode.capacity * 16
    }
}

extension TableData {
    /// Makes this table's HNSW indexes match `schema` (nil: the table is
    /// gone): drops graphs of removed or changed indexes and builds new ones
    /// over the versions already here, or takes one built ahead of the
    /// commit (`prebuilt`). Caller holds the write lock.
    func reconcileVectorIndexes(with schema: TableSchema?, prebuilt: [PrebuiltVectorIndex] = []) {
        let wanted = (schema?.indexes ?? []).filter { $0.method == "hnsw" }
        vectorIndexes = vectorIndexes.filter { existing in wanted.contains(existing.schema) }
        for index in wanted where !vectorIndexes.contains(where: { $0.schema == index }) {
            if let ready = prebuilt.first(where: { $0.table === self && $0.index.schema == index }) {
                ready.index.attachToTable(catchingUpAfter: ready.snapshot)
                vectorIndexes.append(ready.index)
                continue
            }
            guard let data = VectorIndexData(schema: index, table: self) else { continue }
            data.populate(from: self, threads: 2)
            vectorIndexes.append(data)
        }
    }
}

/// An HNSW index a commit creates, built before the commit takes the write
/// lock: a build over many rows takes seconds, and readers and other
/// writers go on meanwhile. The commit installs it after recording the
/// versions its table gained since `snapshot`.
struct PrebuiltVectorIndex {
    let table: TableData
    let index: VectorIndexData
    let snapshot: SCN
}

extension MemoryStore {
    /// Nodes in every vector index of every branch. Caller holds a lock.
    var vectorNodeCount: Int {
        branches.values.reduce(0) { sum, data in
            data.tables.values.reduce(sum) { sum, table in table.vectorIndexes.reduce(sum) { $0 + $1.count } }
        }
    }

    /// Vector index nodes added since the newest checkpoint: replaying them
    /// after a crash costs a graph insertion each, far more than their log
    /// bytes suggest, so they make a checkpoint due on their own.
    public var vectorNodesSinceCheckpoint: Int {
        lock.reading { max(0, vectorNodeCount - vectorNodesAtCheckpoint) }
    }

    /// Links the nodes log replay numbered (see `VectorIndexData.record`).
    func linkDeferredVectorNodes() {
        for data in branches.values {
            for table in data.tables.values { for index in table.vectorIndexes { index.linkDeferred() } }
        }
    }

    /// Tables with fewer vector versions are indexed under the write lock (it is quick).
    static let prebuildThreshold = 2_000

    /// Builds, outside the write lock, the HNSW indexes `writes` adds to
    /// tables of `branch` that already hold many versions. A snapshot of
    /// the versions is read under the read lock; the build runs unlocked.
    func prebuildVectorIndexes(for writes: WriteSet, branch: BranchID) -> [PrebuiltVectorIndex] {
        var prebuilt: [PrebuiltVectorIndex] = []
        for case let (_, schema?) in writes.catalog {
            let hnsw = schema.indexes.filter { $0.method == "hnsw" }
            if hnsw.isEmpty { continue }
            let found = lock.reading { () -> (TableData, [(VectorIndexData, VectorIndexData.Versions)], SCN)? in
                guard let table = branches[branch]?.tables[schema.id], table.history.count >= Self.prebuildThreshold else { return nil }
                let new = hnsw.filter { index in !table.vectorIndexes.contains { $0.schema == index } }
                let indexes = new.compactMap { VectorIndexData(schema: $0, table: table) }.map { ($0, $0.versions(of: table)) }
                return indexes.isEmpty ? nil : (table, indexes, lastSCN)
            }
            guard let (table, indexes, snapshot) = found else { continue }
            for (index, versions) in indexes {
                index.build(from: versions, threads: 2, detached: true)
                prebuilt.append(PrebuiltVectorIndex(table: table, index: index, snapshot: snapshot))
            }
        }
        if !prebuilt.isEmpty { afterPrebuild?() }
        return prebuilt
    }
}

extension MemoryStore {
    /// Builds the HNSW indexes of every branch's tables (after a checkpoint
    /// is loaded; later commits keep them up to date). Caller holds the
    /// write lock or has the store to itself.
    func rebuildVectorIndexes() {
        for data in branches.values {
            for name in data.tableNames(at: lastSCN) {
                guard let schema = data.schema(named: name, at: lastSCN), let table = data.tables[schema.id] else { continue }
                table.reconcileVectorIndexes(with: schema)
            }
        }
    }
}

import Core
import Vector

/// Below this share of matching rows a filtered search always scans the
/// matching rows exactly instead of walking the graph.
let minimumGraphSelectivity = 0.001

extension MemoryTransaction {
    /// Searches each layer of the branch (own versions, then each ancestor
    /// at its fork point) and this transaction's pending rows, hiding keys
    /// a nearer layer has a version of, and merges the results.
    func vectorSearch(_ table: TableSchema, _ request: VectorSearchRequest) -> VectorSearchResult {
        store.lock.reading {
            let (scn, pending) = readPoint(table)
            let layers = data.layers(at: scn)
            var found: [(distance: Double, row: Row)] = []
            // (k may be any SQL LIMIT: reserve for a search's usual few.)
            found.reserveCapacity(min(request.k, 1024) * layers.count + min(pending?.changes.count ?? 0, 1024))
            var stats = VectorSearchStats()
            var indexName: String?
            // The strategy is "index" when any layer's graph answered (a
            // branch's few own rows may be scanned exactly while the rows
            // it inherits are found in the parent's graph).
            var searchedGraph = false
            // Each layer's cap (the newest SCN this branch reads it at), for ancestor graphs.
            var caps: [SCN]?
            let query = request.query
            func consider(_ row: Row, distance: Double? = nil) {
                if let distance { found.append((distance, row)); return }
                guard case .vector(let v) = row[request.column], v.count == query.count else { return }
                found.append((request.metric.distance(v, query), row))
            }
            if let pending {
                for (_, row) in pending.changes {
                    if let row, request.filter?(row) ?? true { consider(row) }
                }
            }
            for (depth, layer) in layers.enumerated() {
                guard let own = layer.branch.tables[table.id] else { continue }
                let nearer = NearerLayers(layers, before: depth, table: table.id)
                let shadow: ((RowKey) -> Bool)? = pending == nil && nearer.isEmpty ? nil : { key in
                    pending?.changes[key] != nil || nearer.claim(key)
                }
                // The index the planner chose (several may cover the column and metric).
                let covering = own.vectorIndexes.lazy.filter { $0.column == request.column && $0.metric == request.metric }
                var index = covering.first { $0.schema.name == request.indexName } ?? covering.first
                if index == nil && depth > 0 {
                    if caps == nil { caps = data.layerCaps.map(\.scn) }
                    index = ancestorIndex(table, own, ancestor: layer.branch, cap: caps![depth], request)
                }
                if let index, let graph = index.graph, graph.count > 0,
                   let (hits, layerStats) = searchGraph(index, graph, own, at: layer.scn, shadow: shadow, request) {
                    indexName = index.schema.name
                    stats.add(layerStats)
                    if layerStats.strategy == "index" { searchedGraph = true }
                    for hit in hits { consider(hit.row, distance: hit.distance) }
                } else {
                    var examined = 0
                    own.forEachRow(at: layer.scn, skip: shadow) { _, row in
                        examined += 1
                        if request.filter?(row) ?? true { consider(row) }
                    }
                    stats.candidatesExamined += examined
                }
            }
            stats.strategy = searchedGraph ? "index" : "exact"
            // NaN distances sort last, as in SQL (and must: `<` with NaN is no order).
            found.sort { !$0.distance.isNaN && ($1.distance.isNaN || $0.distance < $1.distance) }
            let best = found.prefix(request.k)
            return VectorSearchResult(rows: best.map(\.row), distances: best.map(\.distance), stats: stats,
                                      indexName: indexName)
        }
    }

    /// The reader's index for the request, over an ancestor layer that has
    /// none of its own (see `AncestorVectorIndexes`), when its graph is
    /// ready; otherwise its build starts and the layer is scanned meanwhile.
    private func ancestorIndex(_ table: TableSchema, _ own: TableData, ancestor: BranchData, cap: SCN,
                               _ request: VectorSearchRequest) -> VectorIndexData? {
        guard own.chains.count >= AncestorVectorIndexes.minimumRows else { return nil }
        let covering = table.indexes.filter {
            $0.method == "hnsw" && $0.columns == [request.column] && VectorMetric(indexOptions: $0.options) == request.metric
        }
        guard let schema = covering.first(where: { $0.name == request.indexName }) ?? covering.first else { return nil }
        let key = AncestorVectorIndexes.Key(ancestor: ancestor.id, table: table.id, index: schema, cap: cap)
        if let ready = store.ancestorVectorIndexes.ready(key, table: own) { return ready }
        if AncestorVectorIndexes.sameColumn(request.column, of: table, in: ancestor, at: cap) {
            store.ancestorVectorIndexes.buildInBackground([(key, own)], lock: store.lock)
        }
        return nil
    }

    /// The graph search of one layer; nil when an exact scan suits better
    /// (a filter matching too few rows for the graph to find them cheaply).
    /// Each row comes with its distance when the graph's is the one the SQL
    /// operator gives (float vectors under L2 or inner product: the same
    /// `Distances` function over the same floats, so the same bits);
    /// otherwise the caller computes it.
    private func searchGraph(_ index: VectorIndexData, _ graph: HNSWGraph, _ table: TableData, at scn: SCN,
                             shadow: ((RowKey) -> Bool)?, _ request: VectorSearchRequest)
        -> (hits: [(row: Row, distance: Double?)], stats: VectorSearchStats)? {
        let rowOf = { (node: UInt32) -> Row? in
            VersionChain.visibleRow(table.history[index.slot(of: node)], at: scn)
        }
        // The liveness test runs for most nodes a search touches: read the
        // SCN intervals through raw pointers (the read lock keeps them still).
        let (starts, ends) = index.intervalPointers()
        let at = scn.rawValue
        let visible = { (node: UInt32) -> Bool in
            guard starts[Int(node)] <= at && at < ends[Int(node)] else { return false }
            if let shadow, shadow(table.chains[index.slot(of: node)].key) { return false }
            return true
        }
        let ef = max(request.efSearch ?? index.options.efSearch, request.k)
        // Nothing to hide (no ended versions, no newer ones, no nearer
        // layer): search without a filter, as a plain graph would.
        var accept: ((UInt32) -> Bool)? = shadow == nil && index.allLive(at: scn) ? nil : visible
        if let filter = request.filter {
            // Estimate the filter's selectivity on a sample of visible nodes.
            let count = graph.count
            let step = max(1, count / 512)
            var sampled = 0, passed = 0
            var node = 0
            while node < count {
                if visible(UInt32(node)), let row = rowOf(UInt32(node)) {
                    sampled += 1
                    if filter(row) { passed += 1 }
                }
                node += step
            }
            // The graph examines roughly a few × ef / selectivity nodes to
            // collect ef matches; an exact scan costs one filter test per
            // row. Below selectivity 8·ef/N the scan is the cheaper one. (A
            // walk does not get cheaper in proportion below ef 40: it
            // still examines a neighbourhood, 0.53× ef 40's nodes at ef 10,
            // so ef counts as at least 40; minilm's 1% filter at ef 10 ran
            // the walk at 358 QPS where the scan gives 1,250.)
            let threshold = max(minimumGraphSelectivity, 8 * Double(max(ef, 40)) / Double(max(count, 1)))
            if sampled > 0 && Double(passed) / Double(sampled) < threshold { return nil }
            accept = { node in visible(node) && (rowOf(node).map(filter) ?? false) }
        }
        var (neighbors, stats) = graph.search(request.query, k: request.k, ef: ef,
                                              rerankDepth: index.options.rerankDepth, accept: accept)
        // Hidden versions (deleted rows, other snapshots) are not the
        // caller's filter: only a filter's exhaustion is reported.
        if request.filter == nil { stats.filterExhausted = false }
        // Fewer than k: either the layer has fewer than k rows (a scan reads
        // them all just as well) or the graph could not reach them all (a
        // filter's matches, or nodes the pruning left without links to
        // them): scan instead, so LIMIT k gets k rows whenever k exist.
        if neighbors.count < request.k { return nil }
        // (The sum only keeps the loads from being optimized away.)
        if Self.touchRows(of: neighbors.map(\.node), index, table) == Int.min { return nil }
        let exact = graph.compression.quantization == .none && graph.metric != .cosine && graph.metric == request.metric
        // (A graph distance that is not finite may stand for NaN: the caller computes it again.)
        return (neighbors.compactMap { n in rowOf(n.node).map { ($0, exact && n.distance.isFinite ? n.distance : nil) } }, stats)
    }
}

extension MemoryTransaction {
    /// The result rows lie at random places in a large table, so each is a
    /// chain of cache misses (version list, row, the objects its values
    /// point to: a jsonb document's members, a vector's floats). Reading
    /// them one row after another queues those misses, and the reference
    /// counting of the first read of each object (a locked instruction)
    /// orders them. These passes go one level down the chain at a time over
    /// every row, with plain loads only, so each level's misses overlap.
    static func touchRows(of nodes: [UInt32], _ index: VectorIndexData, _ table: TableData) -> Int {
        var sink = 0
        table.history.withUnsafeBufferPointer { history in
            /// Each node's newest row, borrowed.
            func forEachNewestRow(_ body: (UnsafeBufferPointer<Value>) -> Void) {
                for node in nodes {
                    let slot = index.slot(of: node)
                    guard slot < history.count else { continue }
                    history[slot].withUnsafeBufferPointer { versions in
                        guard let last = versions.indices.last else { return }
                        versions[last].row?.withUnsafeBufferPointer(body)
                    }
                }
            }
            forEachNewestRow { sink &+= $0.count }
            forEachNewestRow { values in for value in values { sink &+= payloadSize(value) } }
        }
        return sink
    }

    /// A load from the object a value points to (its element count), if
    /// any; for a jsonb object also from the first and last bytes of its
    /// members, which the answer reads next.
    @inline(__always)
    private static func payloadSize(_ value: Value) -> Int {
        switch value {
        case .json(.object(let members)):
            members.withUnsafeBytes { $0.isEmpty ? 0 : Int($0[0]) &+ Int($0[$0.count - 1]) }
        case .json(.array(let items)): items.count
        case .vector(let floats): floats.count
        case .bytes(let bytes): bytes.count
        default: 0
        }
    }
}

/// Size and shape of one HNSW index as a transaction sees it.
public struct VectorIndexStatistics: Sendable, Equatable {
    public var indexName: String
    public var tableName: String
    /// Vectors visible to the reader (current row versions with a vector).
    public var numVectors: Int
    /// Graph nodes, old versions included.
    public var nodes: Int
    public var dimensions: Int
    public var quantization: String
    public var memoryBytes: Int
    /// recall@10 of the graph against exact search on a sample of the
    /// index's own vectors as queries (when asked for).
    public var recallAt10: Double?
    /// For a quantized index whose quantizer has not trained yet (on the
    /// reader's branch), the vector count at which it trains; until then
    /// searches scan exactly.
    public var untrainedUntil: Int?
}

extension MemoryTransaction {
    func vectorIndexStatistics(_ table: TableSchema, index name: String) -> VectorIndexStatistics? {
        vectorIndexStatistics(table, index: name, measureRecall: false)
    }

    func vectorIndexStatistics(_ table: TableSchema, index name: String, measureRecall: Bool) -> VectorIndexStatistics? {
        guard let schema = table.indexes.first(where: { $0.name == name && $0.method == "hnsw" }) else { return nil }
        return store.lock.reading {
            let (scn, _) = readPoint(table)
            var stats = VectorIndexStatistics(indexName: name, tableName: table.name, numVectors: 0, nodes: 0,
                                              dimensions: 0, quantization: "none", memoryBytes: 0)
            // The declared dimensions, also before the first vector arrives.
            if let column = schema.columns.first, column < table.columns.count,
               case .vector(let dimensions) = table.columns[column].type { stats.dimensions = dimensions }
            let layers = data.layers(at: scn)
            let caps = data.layerCaps.map(\.scn)
            var counted = Set<RowKey>()
            // A quantizer trained in any layer's graph searches that layer
            // on codes: the index does not scan exactly as a whole.
            var anyLayerTrained = false
            for (depth, layer) in layers.enumerated() {
                guard let own = layer.branch.tables[table.id] else { continue }
                let nearer = NearerLayers(layers, before: depth, table: table.id)
                let ancestorKey = AncestorVectorIndexes.Key(ancestor: layer.branch.id, table: table.id, index: schema, cap: caps[depth])
                guard let index = own.vectorIndexes.first(where: { $0.schema.name == name })
                        ?? (depth > 0 ? store.ancestorVectorIndexes.ready(ancestorKey, table: own) : nil) else {
                    // Rows this layer holds that no graph of the index covers
                    // yet (scanned by searches): still the index's vectors.
                    if let column = schema.columns.first {
                        own.forEachRow(at: layer.scn, skip: { nearer.claim($0) }) { key, row in
                            guard column < row.count, case .vector(let v) = row[column], !v.isEmpty,
                                  let key, counted.insert(key).inserted else { return }
                            stats.numVectors += 1
                        }
                    }
                    continue
                }
                stats.quantization = index.options.quantization.rawValue
                if index.graph?.codebook != nil { anyLayerTrained = true }
                if depth == 0, index.options.quantization != .none, index.graph?.codebook == nil {
                    stats.untrainedUntil = index.graph?.compression.trainingThreshold
                        ?? VectorCompression(quantization: index.options.quantization,
                                             centroids: index.options.pqCentroids).trainingThreshold
                }
                stats.memoryBytes += index.memoryBytes
                stats.nodes += index.count
                if stats.dimensions == 0, let graph = index.graph { stats.dimensions = graph.dimensions }
                // A key a nearer layer has any version of (a deletion, an
                // update to NULL) is that layer's, whatever this one holds.
                for node in 0..<UInt32(index.count) where index.isLive(node, at: layer.scn) {
                    let key = own.chains[index.slot(of: node)].key
                    if !nearer.claim(key) && counted.insert(key).inserted { stats.numVectors += 1 }
                }
                if measureRecall, stats.recallAt10 == nil, let graph = index.graph {
                    stats.recallAt10 = Self.sampledRecall(index, graph, at: layer.scn)
                }
            }
            if anyLayerTrained { stats.untrainedUntil = nil }
            return stats
        }
    }
}

extension MemoryTransaction {
    /// recall@10 of graph search vs exhaustive search, over up to 32 of the
    /// index's live vectors used as queries (spread over the node range).
    /// A hit is a result no farther than the exact 10th: among equally
    /// distant rows (duplicates) any one is a right answer.
    static func sampledRecall(_ index: VectorIndexData, _ graph: HNSWGraph, at scn: SCN) -> Double? {
        let live = (0..<UInt32(index.count)).filter { index.isLive($0, at: scn) }
        guard !live.isEmpty else { return nil }
        let queries = stride(from: 0, to: live.count, by: max(1, live.count / 32)).prefix(32).map { live[$0] }
        var hits = 0, wanted = 0
        let accept = { (node: UInt32) in index.isLive(node, at: scn) }
        for node in queries {
            guard let query = graph.storedVector(node) else { continue }
            let exact = graph.exhaustiveSearch(query, k: 10, accept: accept).neighbors
            guard let tenth = exact.last?.distance else { continue }
            let exactNodes = Set(exact.map(\.node))
            let found = graph.search(query, k: 10, ef: max(index.options.efSearch, 10), accept: accept).neighbors
            hits += found.filter { exactNodes.contains($0.node) || $0.distance <= tenth }.count
            wanted += exact.count
        }
        return wanted == 0 ? nil : Double(hits) / Double(wanted)
    }
}

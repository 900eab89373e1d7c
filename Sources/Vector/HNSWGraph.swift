import Core
import CVectorKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Construction and search parameters of an HNSW graph (pgvector's
/// defaults: m 16, ef_construction 64, ef_search 40).
public struct HNSWParameters: Sendable, Equatable {
    /// Neighbours per node on the upper layers (twice as many on layer 0).
    public var m: Int
    public var efConstruction: Int
    public var efSearch: Int
    /// Seeds the level draw, so a build is reproducible.
    public var seed: UInt64

    public init(m: Int = 16, efConstruction: Int = 64, efSearch: Int = 40, seed: UInt64 = 0x48454C494F53) {
        self.m = m; self.efConstruction = efConstruction; self.efSearch = efSearch; self.seed = seed
    }
}

/// A hierarchical navigable small-world graph (Malkov & Yashunin, 2016)
/// over vectors numbered 0, 1, 2… in insertion order.
///
/// Level-0 links sit in one flat array, `2m + 1` words per node (a count,
/// then the neighbour ids), as hnswlib lays them out; upper-level links are
/// allocated only for the few nodes that reach those levels. Vectors are
/// either copied into a contiguous arena (unquantized indexes, the fastest
/// layout) or, for quantized indexes, not held at all: searches read codes,
/// and the full vectors needed to build and re-rank come from the owner's
/// `fullVector` source (a table's stored rows). Cosine arenas keep unit
/// vectors, so cosine distance is 1 − dot.
///
/// A quantized graph also keeps codes (see HNSWGraph+Quantization.swift).
///
/// Nodes are never removed: the caller's `accept` filter hides stale ones
/// (deleted rows, old versions), which still route searches, as in hnswlib.
///
/// Thread safety: searches may run concurrently with each other; `add`
/// must not run concurrently with anything (the caller's write lock);
/// `build` inserts on several threads with per-node locks of its own.
public final class HNSWGraph: @unchecked Sendable {
    static let none = UInt32.max

    public let dimensions: Int
    public let metric: VectorMetric
    public let parameters: HNSWParameters
    /// True when vectors are copied into the arena; false when referenced.
    public let ownsVectors: Bool
    public let compression: VectorCompression
    /// The trained quantizer (nil before training or when unquantized).
    public internal(set) var codebook: VectorCodebook?
    /// `codebook.codeSize` bytes per node once trained.
    var codes: UnsafeMutablePointer<UInt8>?
    /// How many vectors the codebook was trained on.
    var trainedOn = 0
    public private(set) var count = 0
    private(set) var capacity = 0

    let maxM0: Int
    let level0Stride: Int
    let upperStride: Int
    private let levelMultiplier: Double

    private(set) var links0: UnsafeMutablePointer<UInt32>
    /// Links above level 0, for the few nodes that have them.
    private(set) var upperLinks: [UInt32: UnsafeMutablePointer<UInt32>] = [:]
    private(set) var levels: UnsafeMutablePointer<UInt8>
    private(set) var arena: UnsafeMutablePointer<Float>?
    /// Where a quantized graph reads node `n`'s full vector (nil when the
    /// owner no longer has it). Set by the owner before the first insertion.
    public var fullVector: ((UInt32) -> [Float]?)?
    /// Vectors being inserted, by node number from `batchStart`, until
    /// the owner's source can serve them.
    private var batch: [[Float]] = []
    private var batchStart = 0
    private(set) var upperLinkWords = 0

    private(set) var entryPoint = HNSWGraph.none
    private(set) var maxLevel = -1

    let visitedPool = VisitedPool()
    /// Per-node locks, present only while `build` inserts on several threads.
    private var nodeLocks: UnsafeMutablePointer<UInt8>?
    private let entryLock = ThreadLock()

    public init(dimensions: Int, metric: VectorMetric, parameters: HNSWParameters = HNSWParameters(),
                compression: VectorCompression = .none, ownsVectors: Bool? = nil) {
        precondition(dimensions > 0 && parameters.m >= 2)
        self.dimensions = dimensions; self.metric = metric; self.parameters = parameters
        self.compression = compression
        self.ownsVectors = ownsVectors ?? (compression.quantization == .none)
        maxM0 = parameters.m * 2
        level0Stride = maxM0 + 1
        upperStride = parameters.m + 1
        levelMultiplier = 1 / log(Double(parameters.m))
        links0 = .allocate(capacity: 0)
        levels = .allocate(capacity: 0)
        reserve(1024)
    }

    deinit {
        for links in upperLinks.values { links.deallocate() }
        links0.deallocate(); levels.deallocate()
        arena?.deallocate(); codes?.deallocate()
    }

    // MARK: Storage

    /// Grows every per-node array to hold `wanted` nodes (not thread-safe).
    public func reserve(_ wanted: Int) {
        guard wanted > capacity else { return }
        let newCapacity = max(wanted, capacity * 2)
        func grow<T>(_ old: UnsafeMutablePointer<T>, _ stride: Int, fill: T) -> UnsafeMutablePointer<T> {
            let new = UnsafeMutablePointer<T>.allocate(capacity: newCapacity * stride)
            new.moveInitialize(from: old, count: count * stride)
            (new + count * stride).initialize(repeating: fill, count: (newCapacity - count) * stride)
            old.deallocate()
            return new
        }
        links0 = grow(links0, level0Stride, fill: 0)
        levels = grow(levels, 1, fill: 0)
        if ownsVectors {
            let old: UnsafeMutablePointer<Float> = arena ?? .allocate(capacity: 0)
            arena = grow(old, dimensions, fill: 0)
        }
        if let codebook, let old = codes { codes = grow(old, codebook.codeSize, fill: 0) }
        capacity = newCapacity
    }

    /// The arena vector of `node` (a unit vector for cosine); arena graphs only.
    @inline(__always)
    public func vector(_ node: UInt32) -> UnsafePointer<Float> {
        UnsafePointer(arena.unsafelyUnwrapped + Int(node) * dimensions)
    }

    /// The full vector of `node` as inserted (arena: as stored).
    public func storedVector(_ node: UInt32) -> [Float]? {
        if arena != nil { return Array(UnsafeBufferPointer(start: vector(node), count: dimensions)) }
        let i = Int(node) - batchStart
        if i >= 0 && i < batch.count { return batch[i] }
        return fullVector?(node)
    }

    /// Calls `body` with node `node`'s full vector; nil when it is gone.
    @inline(__always)
    func withVector<T>(_ node: UInt32, _ body: (UnsafePointer<Float>) -> T) -> T? {
        if arena != nil { return body(vector(node)) }
        guard let v = storedVector(node), v.count == dimensions else { return nil }
        return v.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// Exact internal distance from a prepared query (see `prepare`) to
    /// `node`: squared L2, 1 − cosine, or −dot. Monotone in the SQL distance.
    /// A node whose vector is gone is infinitely far.
    @inline(__always)
    func exactDistance(_ query: UnsafePointer<Float>, _ node: UInt32) -> Float {
        let d = arena != nil ? distance(query, vector(node)) : withVector(node) { distance(query, $0) } ?? .infinity
        // NaN (a zero vector under cosine, ∞ − ∞ in a dot product) would
        // break every comparison the heaps make: it counts as farthest.
        return d.isNaN ? .infinity : d
    }

    @inline(__always)
    private func distance(_ query: UnsafePointer<Float>, _ v: UnsafePointer<Float>) -> Float {
        switch metric {
        case .l2: return Distances.squaredL2(query, v, dimensions)
        case .innerProduct: return -Distances.dot(query, v, dimensions)
        case .cosine:
            if ownsVectors {
                let dot = Distances.dot(query, v, dimensions)
                // A zero vector has no direction (SQL's distance is NaN,
                // which sorts last): it is infinitely far. Only an exactly
                // zero dot product can mean one.
                if dot == 0 && (isZero(v) || isZero(query)) { return .infinity }
                return 1 - dot
            }
            // Referenced vectors keep their length: divide it out.
            let (dot, _, norm) = Distances.dotAndNorms(query, v, dimensions)
            return norm > 0 && !(dot == 0 && isZero(query)) ? 1 - dot / norm.squareRoot() : .infinity
        }
    }

    private func isZero(_ v: UnsafePointer<Float>) -> Bool {
        for i in 0..<dimensions where v[i] != 0 { return false }
        return true
    }

    /// Exact internal distance between two nodes.
    @inline(__always)
    func pairDistance(_ a: UInt32, _ b: UInt32) -> Float {
        if arena != nil { return exactDistance(vector(a), b) }
        guard let va = storedVector(a), let vb = storedVector(b), va.count == dimensions, vb.count == dimensions else {
            return .infinity
        }
        return va.withUnsafeBufferPointer { pa in
            vb.withUnsafeBufferPointer { pb in
                if metric == .cosine {
                    let (dot, na, nb) = Distances.dotAndNorms(pa.baseAddress!, pb.baseAddress!, dimensions)
                    let denominator = (na * nb).squareRoot()
                    return denominator > 0 ? 1 - dot / denominator : .infinity
                }
                return distance(pa.baseAddress!, pb.baseAddress!)
            }
        }
    }

    /// The query as distances expect it: unit length for cosine.
    public func prepare(_ query: [Float]) -> [Float] {
        precondition(query.count == dimensions)
        guard metric == .cosine else { return query }
        var unit = query
        unit.withUnsafeMutableBufferPointer { Distances.normalize($0.baseAddress!, dimensions) }
        return unit
    }

    /// The SQL operator's distance from an internal one.
    @inline(__always)
    public func sqlDistance(_ graphDistance: Float) -> Double {
        metric == .l2 ? Double(max(graphDistance, 0)).squareRoot() : Double(graphDistance)
    }

    struct ExactDistance: NodeDistance {
        let graph: HNSWGraph
        let query: UnsafePointer<Float>
        @inline(__always)
        func callAsFunction(_ node: UInt32) -> Float { graph.exactDistance(query, node) }
        @inline(__always)
        func prefetch(_ node: UInt32) {
            guard graph.arena != nil else { return }
            let v = UnsafeRawPointer(graph.vector(node))
            Distances.prefetch(v)
            Distances.prefetch(v + 64)
            Distances.prefetch(v + 128)
            Distances.prefetch(v + 192)
        }
    }

    /// Stores `vector` as node `count` (no links yet); a quantized graph
    /// only encodes it (once trained).
    private func append(_ vector: [Float]) -> UInt32 {
        precondition(vector.count == dimensions, "Vector dimension mismatch")
        reserve(count + 1)
        let node = UInt32(count)
        if let arena {
            let slot = arena + Int(node) * dimensions
            vector.withUnsafeBufferPointer { slot.update(from: $0.baseAddress!, count: dimensions) }
            if metric == .cosine { Distances.normalize(slot, dimensions) }
        }
        let level = randomLevel(node)
        levels[Int(node)] = UInt8(level)
        links0[Int(node) * level0Stride] = 0
        if level > 0 {
            let words = level * upperStride
            let upper = UnsafeMutablePointer<UInt32>.allocate(capacity: words)
            upper.initialize(repeating: 0, count: words)
            upperLinks[node] = upper
            upperLinkWords += words
        }
        count += 1
        encodeNode(node)
        return node
    }

    /// A level drawn from the exponential distribution, deterministic per node.
    private func randomLevel(_ node: UInt32) -> Int {
        var x = parameters.seed &+ UInt64(node) &* 0x9E3779B97F4A7C15
        x = (x ^ (x >> 30)) &* 0xBF58476D1CE4E5B9
        x = (x ^ (x >> 27)) &* 0x94D049BB133111EB
        x ^= x >> 31
        let uniform = (Double(x >> 11) + 0.5) / Double(1 << 53)
        return min(Int(-log(uniform) * levelMultiplier), 15)
    }

    // MARK: Links

    @inline(__always)
    func linkList(_ node: UInt32, level: Int) -> UnsafeMutablePointer<UInt32> {
        level == 0 ? links0 + Int(node) * level0Stride : upperLinks[node].unsafelyUnwrapped + (level - 1) * upperStride
    }

    /// Copies the links of `node` on `level` (under its lock while building).
    /// Copies the links of `node` on `level` into `out` (room for maxM0)
    /// and returns how many (under the node's lock while building).
    @inline(__always)
    func readLinks(of node: UInt32, level: Int, locking: Bool, into out: UnsafeMutablePointer<UInt32>) -> Int {
        if locking, let nodeLocks { helios_spin_lock(nodeLocks + Int(node)) }
        let list = linkList(node, level: level)
        let n = Int(list[0])
        for i in 0..<n { out[i] = list[1 + i] }
        if locking, let nodeLocks { helios_spin_unlock(nodeLocks + Int(node)) }
        return n
    }

    /// Malkov & Yashunin's algorithm 4 (as hnswlib's getNeighborsByHeuristic2):
    /// keep a candidate only if it is closer to the base than to every
    /// neighbour kept so far, so links spread in all directions. Exact
    /// copies of the base pass that test however many there are, and a few
    /// hundred copies of one vector would fill each other's lists and drop
    /// every link out of the cluster (whatever was inserted after them
    /// becomes unreachable, and searches that enter the cluster stay in
    /// it): at most `maximumCopyLinks` are kept. A copy is at distance 0
    /// under L2 and cosine; under inner product (where 0 means orthogonal)
    /// it is at the base's own distance, -|base|², and equal to it.
    ///
    /// Under inner product the test favours long vectors (close, by that
    /// measure, to everything), so short ones lost their in-links: on small
    /// integers 38% of the nodes were unreachable and recall@10 stayed
    /// below 0.9 at any ef; through SQL, 5,000 uniform vectors gave 0.80 at
    /// ef 40 where pgvector gives 0.998. There the list is filled up with
    /// the pruned candidates, nearest first (the paper's
    /// keepPrunedConnections, as pgvector does): 0.996 on those vectors,
    /// 0.987 against 0.981 on the minilm embeddings. L2 and cosine keep
    /// hnswlib's sparser lists, which search faster at the same recall.
    private func selectNeighbors(_ candidates: [Neighbor], of base: UInt32, limit: Int) -> [Neighbor] {
        if candidates.count <= limit { return candidates }
        var kept: [Neighbor] = []
        kept.reserveCapacity(limit)
        var pruned: [Neighbor] = []
        let keepPruned = metric == .innerProduct
        var copies = 0
        let copyDistance = metric == .innerProduct ? pairDistance(base, base) : 0
        for candidate in candidates {
            if candidate.distance == copyDistance && (metric != .innerProduct || sameVector(base, candidate.node)) {
                guard copies < Self.maximumCopyLinks else { continue }
                copies += 1
            }
            var good = true
            for other in kept where pairDistance(candidate.node, other.node) < candidate.distance {
                good = false
                break
            }
            if good {
                kept.append(candidate)
                if kept.count >= limit { break }
            } else if keepPruned {
                pruned.append(candidate)
            }
        }
        if keepPruned { kept += pruned.prefix(limit - kept.count) }
        return kept
    }

    /// How many exact copies of a node its link list keeps (see `selectNeighbors`).
    static let maximumCopyLinks = 3

    /// Whether two nodes hold the same vector, element for element.
    private func sameVector(_ a: UInt32, _ b: UInt32) -> Bool {
        if arena != nil { return memcmp(vector(a), vector(b), dimensions * MemoryLayout<Float>.stride) == 0 }
        guard let va = storedVector(a), let vb = storedVector(b) else { return false }
        return va == vb
    }

    /// Links `node` to its selected neighbours on `level` and back.
    /// Returns the closest selected neighbour (the next level's entry).
    private func connect(_ node: UInt32, to found: NeighborHeap, level: Int, locking: Bool) -> Neighbor {
        let selected = selectNeighbors(found.sorted(), of: node, limit: parameters.m)
        let limit = level == 0 ? maxM0 : parameters.m
        do {
            if locking, let nodeLocks { helios_spin_lock(nodeLocks + Int(node)) }
            let list = linkList(node, level: level)
            list[0] = UInt32(selected.count)
            for (i, neighbor) in selected.enumerated() { list[1 + i] = neighbor.node }
            if locking, let nodeLocks { helios_spin_unlock(nodeLocks + Int(node)) }
        }
        for neighbor in selected {
            if locking, let nodeLocks { helios_spin_lock(nodeLocks + Int(neighbor.node)) }
            let list = linkList(neighbor.node, level: level)
            let n = Int(list[0])
            if n < limit {
                list[1 + n] = node
                list[0] = UInt32(n + 1)
            } else {
                // Full: re-select among the old links and the new node.
                var candidates = [Neighbor(distance: neighbor.distance, node: node)]
                for i in 0..<n { candidates.append(Neighbor(distance: pairDistance(neighbor.node, list[1 + i]), node: list[1 + i])) }
                candidates.sort { $0.distance < $1.distance }
                let kept = selectNeighbors(candidates, of: neighbor.node, limit: limit)
                list[0] = UInt32(kept.count)
                for (i, k) in kept.enumerated() { list[1 + i] = k.node }
            }
            if locking, let nodeLocks { helios_spin_unlock(nodeLocks + Int(neighbor.node)) }
        }
        return selected.first ?? Neighbor(distance: .infinity, node: node)
    }

    // MARK: Insertion

    /// Inserts `vector` and returns its node number. Not thread-safe.
    @discardableResult
    public func add(_ vector: [Float]) -> UInt32 {
        if arena == nil { (batch, batchStart) = ([vector], count) }
        defer { batch = [] }
        let node = append(vector)
        link(node, locking: false)
        trainIfDue()
        return node
    }

    /// Inserts many vectors using `threads` threads (node numbers follow
    /// the array). The graph must not be read meanwhile.
    public func build(_ vectors: [[Float]], threads: Int) {
        guard !vectors.isEmpty else { return }
        reserve(count + vectors.count)
        let first = count
        if arena == nil { (batch, batchStart) = (vectors, first) }
        defer { batch = [] }
        for vector in vectors { _ = append(vector) }
        let workers = max(1, min(threads, vectors.count / 256))
        defer { trainIfDue() }
        if workers == 1 {
            for node in first..<count { link(UInt32(node), locking: false) }
            repairReachability()
            return
        }
        let locks = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        locks.initialize(repeating: 0, count: count)
        nodeLocks = locks
        defer {
            locks.deallocate()
            nodeLocks = nil
        }
        // The first node alone, so every worker finds an entry point.
        link(UInt32(first), locking: false)
        let next = AtomicCounter(first + 1)
        let end = count
        DispatchWorkers.run(count: workers) { _ in
            while true {
                let node = next.take()
                if node >= end { break }
                self.link(UInt32(node), locking: true)
            }
        }
        repairReachability()  // (HNSWGraph+Repair.swift)
    }

    /// Calls `body` with distances to the node's own vector as a prepared
    /// query (a unit-length copy for cosine when the graph does not hold
    /// the vectors itself).
    func withOwnQuery<T>(_ node: UInt32, _ body: (ExactDistance) -> T) -> T {
        guard arena == nil else { return body(ExactDistance(graph: self, query: vector(node))) }
        return unitCopy(node).withUnsafeBufferPointer { body(ExactDistance(graph: self, query: $0.baseAddress!)) }
    }

    /// Links an appended node into every level up to its own.
    private func link(_ node: UInt32, locking: Bool) {
        withOwnQuery(node) { link(node, distance: $0, locking: locking) }
    }

    private func link(_ node: UInt32, distance: ExactDistance, locking: Bool) {
        let level = Int(levels[Int(node)])
        // A node above the current top holds the entry lock for its whole
        // insertion (as hnswlib does), so the top cannot move meanwhile.
        var holdsEntryLock = false
        var (entry, top) = (entryPoint, maxLevel)
        if locking {
            entryLock.lock()
            (entry, top) = (entryPoint, maxLevel)
            if level > top { holdsEntryLock = true } else { entryLock.unlock() }
        }
        defer { if holdsEntryLock { entryLock.unlock() } }
        if entry == HNSWGraph.none {
            entryPoint = node
            maxLevel = level
            return
        }
        var examined = 0
        var current = Neighbor(distance: distance(entry), node: entry)
        if top > level {
            for l in stride(from: top, to: level, by: -1) {
                current = greedyClosest(from: current, level: l, distance: distance, locking: locking, examined: &examined)
            }
        }
        let visited = visitedPool.take(count: capacity)
        defer { visitedPool.give(visited) }
        for l in stride(from: min(level, top), through: 0, by: -1) {
            if l != min(level, top) { visited.reset(count: capacity) }
            let found = searchLayer(entry: current, level: l, ef: parameters.efConstruction, distance: distance,
                                    accept: nil, locking: locking, visited: visited, examined: &examined)
            current = connect(node, to: found, level: l, locking: locking)
        }
        if level > top {
            entryPoint = node
            maxLevel = level
        }
    }


    // MARK: Size

    /// Resident bytes of the whole index: graph, codes and codebooks.
    public var memoryBytes: Int {
        graphBytes + (codebook.map { $0.bytes + capacity * $0.codeSize } ?? 0)
    }

    /// Installs decoded state (see HNSWGraph+Persistence.swift); the graph is empty.
    func restore(count n: Int, levels levelBytes: [UInt8], links: [UInt8], upper: [(UInt32, [UInt8])], vectors: [[Float]],
                 entry: UInt32, maxLevel top: Int, codebook trained: VectorCodebook?, codes codeBytes: [UInt8], trainedOn: Int) {
        precondition(count == 0)
        reserve(n)
        for (node, vector) in vectors.enumerated() {
            if let arena {
                vector.withUnsafeBufferPointer { (arena + node * dimensions).update(from: $0.baseAddress!, count: dimensions) }
            }
        }
        levelBytes.withUnsafeBufferPointer { levels.update(from: $0.baseAddress!, count: n) }
        links.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(links0).copyMemory(from: raw.baseAddress!, byteCount: n * level0Stride * 4)
        }
        for (node, words) in upper {
            let list = UnsafeMutablePointer<UInt32>.allocate(capacity: words.count / 4)
            words.withUnsafeBytes { UnsafeMutableRawPointer(list).copyMemory(from: $0.baseAddress!, byteCount: words.count) }
            upperLinks[node] = list
            upperLinkWords += words.count / 4
        }
        count = n
        entryPoint = entry
        maxLevel = top
        if let trained {
            installCodebook(trained)
            codeBytes.withUnsafeBufferPointer { codes!.update(from: $0.baseAddress!, count: codeBytes.count) }
        }
        self.trainedOn = trainedOn
    }

    /// Sets the codebook and allocates room for every node's code.
    func installCodebook(_ trained: VectorCodebook) {
        codes?.deallocate()
        codebook = trained
        let size = trained.codeSize * max(capacity, 1)
        codes = .allocate(capacity: size)
        codes!.initialize(repeating: 0, count: size)
    }

    /// Resident bytes of the graph: links, levels and the vector arena
    /// (a quantized graph's full vectors belong to its owner).
    public var graphBytes: Int {
        var bytes = capacity * (level0Stride * 4 + 1) + upperLinkWords * 4 + upperLinks.count * 24
        if ownsVectors { bytes += capacity * dimensions * 4 }
        return bytes
    }
}

/// Runs `body(worker)` on `count` threads and waits for all of them.
enum DispatchWorkers {
    static func run(count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        var threads: [pthread_t] = []
        for worker in 1..<max(1, count) {
            if let thread = NativeThread.start({ body(worker) }) { threads.append(thread) } else { body(worker) }
        }
        body(0)
        for thread in threads { pthread_join(thread, nil) }
    }
}

/// A shared counter handing out consecutive numbers to worker threads.
final class AtomicCounter: Sendable {
    private let value: Atomic<Int>
    init(_ start: Int) { value = Atomic(start) }
    func take() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
}

/// A plain mutex that can be held across calls (unlike `Mutex.withLock`).
final class ThreadLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil) }
    deinit { pthread_mutex_destroy(mutex); mutex.deallocate() }
    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
}

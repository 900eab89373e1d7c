import Core

// The search half of HNSW: candidate heaps, per-search visited marks and
// the layer search of Malkov & Yashunin (algorithm 2), extended the way
// hnswlib extends it for filters: nodes the caller does not accept still
// route the search but never enter the results, and the search keeps
// widening until it holds `ef` accepted nodes or runs out of graph.

/// A node and its distance to the query; ordered by distance.
struct Neighbor {
    var distance: Float
    var node: UInt32
}

/// A binary heap of neighbours: the closest on top when `closestFirst`,
/// the farthest otherwise. A class over a raw buffer: pushes and pops are
/// the inner loop of every search, so no copy-on-write checks.
final class NeighborHeap {
    private var storage: UnsafeMutablePointer<Neighbor>
    private var capacity: Int
    private(set) var count = 0
    let closestFirst: Bool

    init(closestFirst: Bool, capacity: Int = 16) {
        self.closestFirst = closestFirst
        self.capacity = max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    var isEmpty: Bool { count == 0 }
    var top: Neighbor { storage[0] }

    @inline(__always)
    private func above(_ a: Float, _ b: Float) -> Bool { closestFirst ? a < b : a > b }

    func push(_ item: Neighbor) {
        if count == capacity {
            let grown = UnsafeMutablePointer<Neighbor>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: storage, count: count)
            storage.deallocate()
            storage = grown
            capacity *= 2
        }
        var child = count
        count += 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard above(item.distance, storage[parent].distance) else { break }
            storage[child] = storage[parent]
            child = parent
        }
        storage[child] = item
    }

    @discardableResult
    func pop() -> Neighbor {
        let top = storage[0]
        count -= 1
        guard count > 0 else { return top }
        let last = storage[count]
        var parent = 0
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            var best = left
            if left + 1 < count && above(storage[left + 1].distance, storage[left].distance) { best = left + 1 }
            guard above(storage[best].distance, last.distance) else { break }
            storage[parent] = storage[best]
            parent = best
        }
        storage[parent] = last
        return top
    }

    /// The items, closest first.
    func sorted() -> [Neighbor] {
        UnsafeBufferPointer(start: storage, count: count).sorted { $0.distance < $1.distance }
    }
}

/// Marks of the nodes one search has visited: one bit per node, pooled so
/// concurrent searches each get their own. A search sets a few thousand
/// bits at random places, so the marks are read from memory about as often
/// as the vectors are; as bits they take 12.5 KB for 100k nodes, against
/// 200 KB as 16-bit generation tags, and so stay in the core's cache
/// between searches even when the HTTP stack and other threads run on the
/// same core in between. The words a search dirtied are listed and only
/// they are cleared for the next search.
final class VisitedMarks: @unchecked Sendable {
    private(set) var bits: UnsafeMutablePointer<UInt64>
    private var dirty: UnsafeMutablePointer<UInt32>
    private var dirtyCount = 0
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1024)
        (bits, dirty) = Self.allocate(words: (self.capacity + 63) / 64)
    }

    deinit { bits.deallocate(); dirty.deallocate() }

    private var words: Int { (capacity + 63) / 64 }

    /// Cleared bits and room for a dirty-word list, for `words` words.
    private static func allocate(words: Int) -> (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt32>) {
        let bits = UnsafeMutablePointer<UInt64>.allocate(capacity: words)
        bits.initialize(repeating: 0, count: words)
        return (bits, .allocate(capacity: words))
    }

    /// Starts a new search over `count` nodes.
    func reset(count: Int) {
        if count > capacity {
            bits.deallocate(); dirty.deallocate()
            capacity = max(count, capacity * 2)
            (bits, dirty) = Self.allocate(words: words)
            dirtyCount = 0
            return
        }
        if dirtyCount * 8 > words {
            bits.update(repeating: 0, count: words)
        } else {
            for i in 0..<dirtyCount { bits[Int(dirty[i])] = 0 }
        }
        dirtyCount = 0
    }

    @inline(__always)
    func prefetch(_ node: UInt32) { Distances.prefetch(bits + Int(node >> 6)) }

    /// Marks `node`; false when it was already marked in this search.
    @inline(__always)
    func visit(_ node: UInt32) -> Bool {
        let index = Int(node >> 6), bit = UInt64(1) << UInt64(node & 63)
        let word = bits[index]
        if word & bit != 0 { return false }
        if word == 0 { dirty[dirtyCount] = UInt32(index); dirtyCount += 1 }
        bits[index] = word | bit
        return true
    }
}

final class VisitedPool: Sendable {
    private let free = Locked<[VisitedMarks]>([])

    func take(count: Int) -> VisitedMarks {
        let marks = free.withLock { $0.popLast() } ?? VisitedMarks(capacity: count)
        marks.reset(count: count)
        return marks
    }

    func give(_ marks: VisitedMarks) { free.withLock { $0.append(marks) } }
}

/// Distance from one fixed query to graph nodes; specialised per kind
/// (exact over floats, asymmetric over codes) so the layer search has no
/// dynamic dispatch in its inner loop.
protocol NodeDistance {
    func callAsFunction(_ node: UInt32) -> Float
    /// Starts loading what `callAsFunction(node)` will read.
    func prefetch(_ node: UInt32)
}

/// What a search did, for EXPLAIN and the REST answers.
public struct VectorSearchStats: Sendable, Equatable {
    /// "index" (graph search) or "exact" (every vector compared).
    public var strategy: String = "index"
    /// Distances computed (graph nodes or vectors examined).
    public var candidatesExamined: Int = 0
    /// True when the best candidates were re-ranked with exact distances.
    public var reranked: Bool = false
    /// True when the search ran out of graph before finding `ef` accepted nodes.
    public var filterExhausted: Bool = false
    public var efSearch: Int = 0

    public init() {}

    public mutating func add(_ other: VectorSearchStats) {
        candidatesExamined += other.candidatesExamined
        reranked = reranked || other.reranked
        filterExhausted = filterExhausted || other.filterExhausted
        if other.strategy == "exact" { strategy = "exact" }
        efSearch = max(efSearch, other.efSearch)
    }
}

extension HNSWGraph {
    /// Greedy walk on one upper layer toward the query (no filter).
    func greedyClosest<D: NodeDistance>(from start: Neighbor, level: Int, distance: D, locking: Bool,
                                        examined: inout Int) -> Neighbor {
        var current = start
        var changed = true
        let scratch = UnsafeMutablePointer<UInt32>.allocate(capacity: maxM0)
        defer { scratch.deallocate() }
        while changed {
            changed = false
            let n = readLinks(of: current.node, level: level, locking: locking, into: scratch)
            for i in 0..<n {
                let neighbor = scratch[i]
                let d = distance(neighbor)
                examined += 1
                if d < current.distance {
                    current = Neighbor(distance: d, node: neighbor)
                    changed = true
                }
            }
        }
        return current
    }

    /// Algorithm 2 on `level`: the `ef` closest accepted nodes reachable
    /// from `entry`, as a farthest-first heap.
    func searchLayer<D: NodeDistance>(entry: Neighbor, level: Int, ef: Int, distance: D,
                                      accept: ((UInt32) -> Bool)?, locking: Bool, visited: VisitedMarks,
                                      examined: inout Int) -> NeighborHeap {
        let results = NeighborHeap(closestFirst: false, capacity: ef + 1)
        let candidates = NeighborHeap(closestFirst: true, capacity: ef * 2)
        _ = visited.visit(entry.node)
        var bound = Float.infinity
        if accept?(entry.node) ?? true {
            results.push(entry)
            bound = entry.distance
        }
        candidates.push(entry)
        let scratch = UnsafeMutablePointer<UInt32>.allocate(capacity: maxM0)
        defer { scratch.deallocate() }
        let batch = UnsafeMutablePointer<UInt32>.allocate(capacity: maxM0 + 1)
        defer { batch.deallocate() }
        while !candidates.isEmpty {
            let current = candidates.top
            if current.distance > bound && results.count >= ef { break }
            candidates.pop()
            if level == 0 && !locking {
                // The hot path: read level-0 links in place.
                let list = links0 + Int(current.node) * level0Stride
                let n = Int(list[0])
                // Collect the unvisited neighbours and start loading all
                // their vectors before computing any distance: a vector
                // read from memory costs far more than the distance itself.
                // Visited marks miss the cache as often as vectors do: ask for them first.
                for i in 1...max(n, 1) where i <= n { visited.prefetch(list[i]) }
                var fresh = 0
                for i in 1...max(n, 1) where i <= n {
                    let neighbor = list[i]
                    if visited.visit(neighbor) {
                        batch[fresh] = neighbor
                        fresh += 1
                        distance.prefetch(neighbor)
                    }
                }
                for j in 0..<fresh {
                    consider(batch[j], distance: distance, ef: ef, accept: accept, results: results,
                             candidates: candidates, bound: &bound, examined: &examined)
                }
            } else {
                let n = readLinks(of: current.node, level: level, locking: locking, into: scratch)
                for i in 0..<n { visited.prefetch(scratch[i]) }
                var fresh = 0
                for i in 0..<n where visited.visit(scratch[i]) {
                    let neighbor = scratch[i]
                    batch[fresh] = neighbor
                    fresh += 1
                    distance.prefetch(neighbor)
                }
                for j in 0..<fresh {
                    consider(batch[j], distance: distance, ef: ef, accept: accept, results: results,
                             candidates: candidates, bound: &bound, examined: &examined)
                }
            }
        }
        return results
    }

    @inline(__always)
    private func consider<D: NodeDistance>(_ neighbor: UInt32, distance: D, ef: Int, accept: ((UInt32) -> Bool)?,
                                           results: NeighborHeap, candidates: NeighborHeap,
                                           bound: inout Float, examined: inout Int) {
        let d = distance(neighbor)
        examined += 1
        guard results.count < ef || d < bound else { return }
        candidates.push(Neighbor(distance: d, node: neighbor))
        if accept?(neighbor) ?? true {
            results.push(Neighbor(distance: d, node: neighbor))
            if results.count > ef { results.pop() }
            bound = results.top.distance
        }
    }

    /// Descends from the entry point to level 0 and searches it.
    func searchGraph<D: NodeDistance>(distance: D, ef: Int, accept: ((UInt32) -> Bool)?,
                                      examined: inout Int) -> NeighborHeap {
        guard entryPoint != HNSWGraph.none else { return NeighborHeap(closestFirst: false) }
        var current = Neighbor(distance: distance(entryPoint), node: entryPoint)
        examined += 1
        if maxLevel > 0 {
            for level in stride(from: maxLevel, through: 1, by: -1) {
                current = greedyClosest(from: current, level: level, distance: distance, locking: false, examined: &examined)
            }
        }
        let visited = visitedPool.take(count: count)
        defer { visitedPool.give(visited) }
        return searchLayer(entry: current, level: 0, ef: ef, distance: distance, accept: accept, locking: false,
                           visited: visited, examined: &examined)
    }
}

extension HNSWGraph {
    /// The `k` nearest accepted nodes, nearest first, with SQL distances.
    /// `ef` is raised to at least `k`.
    public func search(_ query: [Float], k: Int, ef: Int, rerankDepth: Int? = nil, accept: ((UInt32) -> Bool)? = nil)
        -> (neighbors: [(node: UInt32, distance: Double)], stats: VectorSearchStats) {
        var stats = VectorSearchStats()
        let ef = max(ef, k)
        stats.efSearch = ef
        let prepared = prepare(query)
        if compression.quantization != .none {
            let found = prepared.withUnsafeBufferPointer { q in
                quantizedSearch(q.baseAddress!, k: k, ef: ef, rerankDepth: rerankDepth, accept: accept, stats: &stats)
            }
            if stats.strategy == "exact" { stats.efSearch = 0 }  // (untrained: every node compared, no ef)
            return (found.prefix(k).map { ($0.node, sqlDistance($0.distance)) }, stats)
        }
        let heap = prepared.withUnsafeBufferPointer { q in
            searchGraph(distance: ExactDistance(graph: self, query: q.baseAddress!), ef: ef, accept: accept,
                        examined: &stats.candidatesExamined)
        }
        stats.filterExhausted = accept != nil && heap.count < ef
        let best = heap.sorted().prefix(k)
        return (best.map { ($0.node, sqlDistance($0.distance)) }, stats)
    }

    /// Every accepted node compared with the query: the exact `k` nearest.
    public func exhaustiveSearch(_ query: [Float], k: Int, accept: ((UInt32) -> Bool)? = nil)
        -> (neighbors: [(node: UInt32, distance: Double)], stats: VectorSearchStats) {
        var stats = VectorSearchStats()
        let prepared = prepare(query)
        let found = prepared.withUnsafeBufferPointer { exhaustive($0.baseAddress!, k: k, accept: accept, stats: &stats) }
        return (found.map { ($0.node, sqlDistance($0.distance)) }, stats)
    }

    /// The `k` accepted nodes nearest a prepared query, every node compared.
    func exhaustive(_ prepared: UnsafePointer<Float>, k: Int, accept: ((UInt32) -> Bool)?,
                    stats: inout VectorSearchStats) -> [Neighbor] {
        stats.strategy = "exact"
        let heap = NeighborHeap(closestFirst: false, capacity: k + 1)
        for node in 0..<UInt32(count) {
            if let accept, !accept(node) { continue }
            let d = exactDistance(prepared, node)
            stats.candidatesExamined += 1
            if heap.count < k { heap.push(Neighbor(distance: d, node: node)) }
            else if d < heap.top.distance { heap.pop(); heap.push(Neighbor(distance: d, node: node)) }
        }
        return heap.sorted()
    }
}

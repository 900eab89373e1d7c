import XCTest
@testable import Vector

final class HNSWGraphTests: XCTestCase {
    /// Seeded clustered data, so recall is reproducible.
    static func clustered(count: Int, dimensions: Int, seed: UInt64) -> [[Float]] {
        var state = seed
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        let centers = (0..<16).map { _ in (0..<dimensions).map { _ in next() * 4 } }
        return (0..<count).map { i in centers[i % 16].map { $0 + next() } }
    }

    private func recallAt10(_ graph: HNSWGraph, _ data: [[Float]], queries: [[Float]], ef: Int,
                            accept: ((UInt32) -> Bool)? = nil) -> Double {
        var hits = 0, wanted = 0
        for q in queries {
            let exact = Set(graph.exhaustiveSearch(q, k: 10, accept: accept).neighbors.map(\.node))
            let found = graph.search(q, k: 10, ef: ef, accept: accept).neighbors
            XCTAssertEqual(found.count, min(10, exact.count))
            hits += found.filter { exact.contains($0.node) }.count
            wanted += exact.count
        }
        return Double(hits) / Double(wanted)
    }

    func testRecallAgainstBruteForceForEveryMetric() {
        // Inner product is not a metric; like embeddings, its data here has
        // similar norms (HNSW serves maximum inner product poorly otherwise).
        func unitish(_ v: [Float]) -> [Float] {
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
        let data = Self.clustered(count: 2000, dimensions: 16, seed: 7)
        let queries = Self.clustered(count: 30, dimensions: 16, seed: 99)
        for metric in VectorMetric.allCases {
            let graph = HNSWGraph(dimensions: 16, metric: metric, parameters: HNSWParameters(m: 12, efConstruction: 80))
            for v in data { graph.add(metric == .innerProduct ? unitish(v) : v) }
            XCTAssertEqual(graph.count, 2000)
            // Inner product's fuller link lists (see selectNeighbors) walk
            // these tight clusters, far from the queries, more slowly: 0.89
            // at ef 64 (pgvector's index, with its defaults, 0.82-0.87 on
            // the same vectors); a wider search gets there.
            let recall = recallAt10(graph, data, queries: queries, ef: metric == .innerProduct ? 400 : 64)
            XCTAssertGreaterThanOrEqual(recall, 0.95, "\(metric)")
        }
    }

    /// Hundreds of copies of one vector, then distinct vectors: the copies
    /// keep links out of their cluster, so what came after stays reachable
    /// (with every copy filling every list, searches starting among the
    /// copies never left them), and the copies still find each other.
    func testManyExactCopiesDoNotCutOffLaterVectors() {
        let graph = HNSWGraph(dimensions: 2, metric: .l2, parameters: HNSWParameters(m: 16, efConstruction: 100))
        for _ in 0..<300 { graph.add([1, 1]) }
        for _ in 0..<300 { graph.add([5, 5]) }
        for x in 601...3600 { graph.add([Float(x), 0]) }
        for target in [700, 1500, 3000] {
            let found = graph.search([Float(target), 0], k: 3, ef: 40).neighbors.map { Int($0.node) + 1 }
            XCTAssertEqual(Set(found), [target - 1, target, target + 1], "near \(target)")
        }
        let copies = graph.search([5, 5], k: 300, ef: 400).neighbors
        XCTAssertGreaterThanOrEqual(copies.filter { $0.distance == 0 }.count, 270)
    }

    /// Inner product on data of mixed norms (uniform in the unit cube): a
    /// bulk build (CREATE INDEX over existing rows, log replay) searches as
    /// well as the graph built one insertion at a time.
    func testInnerProductBuildMatchesInsertionQuality() {
        var state: UInt64 = 12345
        func next() -> Float { state = state &* 6364136223846793005 &+ 1442695040888963407; return Float(state >> 40) / Float(1 << 24) }
        let data = (0..<3000).map { _ in (0..<16).map { _ in next() } }
        let queries = (0..<40).map { _ in (0..<16).map { _ in next() } }
        var recalls: [Double] = []
        for threads in [0, 1, 2] {
            let graph = HNSWGraph(dimensions: 16, metric: .innerProduct, parameters: HNSWParameters(m: 16, efConstruction: 64))
            if threads == 0 { for v in data { graph.add(v) } } else { graph.build(data, threads: threads) }
            recalls.append(recallAt10(graph, data, queries: queries, ef: 40))
        }
        // (The reachability repair gave 0.39-0.43; hnswlib's sparse lists 0.92-0.96.)
        XCTAssertGreaterThanOrEqual(recalls.min() ?? 0, 0.95, "added, built on 1 and on 2 threads: \(recalls)")
    }

    /// Inner product over small integers with a block of 200 identical
    /// vectors (a pgvector reviewer's table): a hit is a result no farther
    /// than the exact 10th (ties abound). Through SQL this gave recall
    /// 0.66-0.79 at any ef_search (pgvector 0.95): short vectors had lost
    /// every in-link.
    func testInnerProductWithManyCopiesAndTies() {
        var state: UInt64 = 2024
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        var data = (0..<1500).map { _ in (0..<8).map { _ in Float(next() % 4) } }
        data += Array(repeating: [3, 3, 3, 3, 0, 0, 0, 0], count: 200)
        data += (0..<300).map { _ in (0..<8).map { _ in Float(Int(next() % 20001) - 10000) / 10000 } }
        let queries = (0..<40).map { _ in (0..<8).map { _ in Float(Int(next() % 401) - 100) / 100 } }
        for threads in [0, 2] {
            let graph = HNSWGraph(dimensions: 8, metric: .innerProduct, parameters: HNSWParameters(m: 16, efConstruction: 64))
            if threads == 0 { for v in data { graph.add(v) } } else { graph.build(data, threads: threads) }
            var hits = 0
            for q in queries {
                let tenth = graph.exhaustiveSearch(q, k: 10).neighbors.last!.distance
                hits += graph.search(q, k: 10, ef: 40).neighbors.filter { $0.distance <= tenth }.count
            }
            // (0.99-1.0 here; 0.83-0.86 before short vectors kept their in-links.)
            XCTAssertGreaterThanOrEqual(Double(hits) / Double(10 * queries.count), 0.95, "threads \(threads)")
        }
    }

    func testParallelBuildMatchesSequentialQuality() {
        let data = Self.clustered(count: 3000, dimensions: 16, seed: 3)
        let queries = Self.clustered(count: 30, dimensions: 16, seed: 5)
        let graph = HNSWGraph(dimensions: 16, metric: .l2, parameters: HNSWParameters(m: 16, efConstruction: 80))
        graph.build(data, threads: 2)
        XCTAssertEqual(graph.count, 3000)
        XCTAssertGreaterThanOrEqual(recallAt10(graph, data, queries: queries, ef: 64), 0.95)
        // Every level-0 link names an existing node, and no node links to itself.
        for node in 0..<UInt32(graph.count) {
            let list = graph.linkList(node, level: 0)
            XCTAssertLessThanOrEqual(Int(list[0]), graph.maxM0)
            for i in 0..<Int(list[0]) {
                XCTAssertLessThan(Int(list[1 + i]), graph.count)
                XCTAssertNotEqual(list[1 + i], node)
            }
        }
    }

    func testDistancesAreTheSQLOperatorsAndResultsAreSorted() {
        let graph = HNSWGraph(dimensions: 3, metric: .l2)
        graph.add([0, 0, 0]); graph.add([3, 4, 0]); graph.add([1, 0, 0])
        let found = graph.search([0, 0, 0], k: 3, ef: 10).neighbors
        XCTAssertEqual(found.map(\.node), [0, 2, 1])
        XCTAssertEqual(found.map(\.distance), [0, 1, 5])
        let cosine = HNSWGraph(dimensions: 2, metric: .cosine)
        cosine.add([2, 0]); cosine.add([0, 5])
        let c = cosine.search([1, 0], k: 2, ef: 10).neighbors
        XCTAssertEqual(c[0].distance, 0, accuracy: 1e-6)
        XCTAssertEqual(c[1].distance, 1, accuracy: 1e-6)
        let ip = HNSWGraph(dimensions: 2, metric: .innerProduct)
        ip.add([1, 1]); ip.add([3, 3])
        XCTAssertEqual(ip.search([1, 2], k: 1, ef: 10).neighbors.first?.distance, -9)
    }

    func testFilteredSearchReturnsKWhenKMatchesExistEvenWhenRare() {
        let data = Self.clustered(count: 3000, dimensions: 16, seed: 11)
        let graph = HNSWGraph(dimensions: 16, metric: .l2, parameters: HNSWParameters(m: 16, efConstruction: 60))
        graph.build(data, threads: 2)
        let accept: (UInt32) -> Bool = { $0 % 100 == 7 }   // 1% of nodes
        let queries = Self.clustered(count: 10, dimensions: 16, seed: 12)
        for q in queries {
            let (found, _) = graph.search(q, k: 10, ef: 40, accept: accept)
            XCTAssertEqual(found.count, 10)
            XCTAssertTrue(found.allSatisfy { accept($0.node) })
        }
        XCTAssertGreaterThanOrEqual(recallAt10(graph, data, queries: queries, ef: 40, accept: accept), 0.9)
        // Fewer matches than k: all of them, and the search says it ran out.
        let (few, stats) = graph.search(queries[0], k: 10, ef: 40, accept: { $0 < 3 })
        XCTAssertEqual(Set(few.map(\.node)), [0, 1, 2])
        XCTAssertTrue(stats.filterExhausted)
    }

    func testGraphsReadingTheOwnersVectorsSearchLikeArenaOnes() {
        let data = Self.clustered(count: 1000, dimensions: 16, seed: 21)
        let queries = Self.clustered(count: 20, dimensions: 16, seed: 22)
        for metric in [VectorMetric.l2, .cosine] {
            let graph = HNSWGraph(dimensions: 16, metric: metric, ownsVectors: false)
            graph.fullVector = { data[Int($0)] }
            for v in data { graph.add(v) }
            XCTAssertGreaterThanOrEqual(recallAt10(graph, data, queries: queries, ef: 64), 0.95)
        }
    }

    /// Nodes a walk from the entry point reaches on the bottom layer.
    func reachableCount(_ graph: HNSWGraph) -> Int {
        var seen = [Bool](repeating: false, count: graph.count)
        var stack: [UInt32] = [graph.entryPoint]
        seen[Int(graph.entryPoint)] = true
        var reached = 0
        while let node = stack.popLast() {
            reached += 1
            let list = graph.linkList(node, level: 0)
            for i in 0..<Int(list[0]) where !seen[Int(list[1 + i])] {
                seen[Int(list[1 + i])] = true
                stack.append(list[1 + i])
            }
        }
        return reached
    }

    /// The two-thread build can leave a node with no in-link (a neighbour
    /// that had not seen it pushed it out of every list); the repair pass
    /// links it, so every node is reachable and its own vector finds it.
    func testBuildLeavesEveryNodeReachable() {
        var state: UInt64 = 1
        func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        for (m, efConstruction, count) in [(4, 8, 3000), (16, 64, 3000)] {
            let data = (0..<count).map { _ in (0..<16).map { _ in uniform() } }
            let graph = HNSWGraph(dimensions: 16, metric: .l2, parameters: HNSWParameters(m: m, efConstruction: efConstruction))
            graph.build(data, threads: 2)
            XCTAssertEqual(reachableCount(graph), count, "m=\(m)")
            if m == 16 {
                // (A walk can still stop in a local minimum now and then; how
                // often varies with the two build threads' timing: 7 of
                // 3,000 once under a loaded full test run, fewer alone.)
                let missed = data.indices.filter { graph.search(data[$0], k: 1, ef: 64).neighbors.first?.node != UInt32($0) }
                XCTAssertLessThanOrEqual(missed.count, count / 300, "\(missed)")
            }
        }
    }
}

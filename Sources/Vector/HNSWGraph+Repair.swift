// Reachability repair of the bottom layer.
//
// Heuristic neighbour selection re-selects a full link list when a new
// node joins it, and may drop an older node from it. Inserted one at a
// time, a node dropped that way is almost always still linked from the
// node that pushed it out, which found it during its own search. Inserted
// concurrently (the two-thread build), the node that pushes it out may not
// have seen it yet, and a node can lose every in-link: no walk from the
// entry point reaches it, so no query, not even its own vector, finds it.
// After a build this pass walks the bottom layer from the entry point and
// links each node it did not reach from the nearest node it did reach,
// replacing that node's farthest link to a node with other in-links when
// its list is full. Nothing else about the graph changes.

extension HNSWGraph {
    /// Links every bottom-layer node no walk from the entry point reaches;
    /// returns how many were linked. Needs the nodes' vectors (run it
    /// while a build's batch is at hand) and no concurrent writer.
    @discardableResult
    func repairReachability() -> Int {
        // Under inner product most nodes are nobody's nearest (the short
        // vectors): unreached by the metric's nature, not by a race, and
        // linking them in displaces the links searches need (recall@10
        // fell from 0.96 to 0.35 on uniform data). hnswlib leaves them too.
        guard count > 1, entryPoint != HNSWGraph.none, metric != .innerProduct else { return 0 }
        var inLinks = [Int32](repeating: 0, count: count)
        for node in 0..<count {
            let list = linkList(UInt32(node), level: 0)
            for i in 0..<Int(list[0]) { inLinks[Int(list[1 + i])] += 1 }
        }
        var linked = 0
        // A replaced link can cut off what only it led to (its target's
        // other in-links may come from nodes not reached either), so walk
        // again after each pass; a pass or two settles it.
        for _ in 0..<4 {
            var reached = [Bool](repeating: false, count: count)
            spread(from: entryPoint, &reached)
            guard reached.contains(false) else { break }
            for node in 0..<UInt32(count) where !reached[Int(node)] {
                // The nearest reached nodes: a search only ever walks those.
                for candidate in nearestReached(to: node)
                    where candidate.node != node && link(node, from: candidate.node, inLinks: &inLinks) {
                    linked += 1
                    spread(from: node, &reached)
                    break
                }
            }
        }
        return linked
    }

    /// Marks what a walk from `start` reaches that is not marked yet.
    private func spread(from start: UInt32, _ reached: inout [Bool]) {
        guard !reached[Int(start)] else { return }
        reached[Int(start)] = true
        var stack: [UInt32] = [start]
        while let node = stack.popLast() {
            let list = linkList(node, level: 0)
            for i in 0..<Int(list[0]) where !reached[Int(list[1 + i])] {
                reached[Int(list[1 + i])] = true
                stack.append(list[1 + i])
            }
        }
    }

    /// A search for the node's own vector, nearest first.
    private func nearestReached(to node: UInt32) -> [Neighbor] {
        withOwnQuery(node) { distance in
            var examined = 0
            return searchGraph(distance: distance, ef: parameters.efConstruction, accept: nil, examined: &examined).sorted()
        }
    }

    /// Adds `source → node` on the bottom layer: appended when the list has
    /// room, else in place of the farthest link whose target keeps another
    /// in-link. False when every link is some node's only way in.
    private func link(_ node: UInt32, from source: UInt32, inLinks: inout [Int32]) -> Bool {
        let list = linkList(source, level: 0)
        let n = Int(list[0])
        if n < maxM0 {
            list[1 + n] = node
            list[0] = UInt32(n + 1)
            inLinks[Int(node)] += 1
            return true
        }
        var farthest: (index: Int, distance: Float)?
        for i in 0..<n where inLinks[Int(list[1 + i])] > 1 {
            let distance = pairDistance(source, list[1 + i])
            if distance > (farthest?.distance ?? -.infinity) { farthest = (i, distance) }
        }
        guard let farthest else { return false }
        inLinks[Int(list[1 + farthest.index])] -= 1
        list[1 + farthest.index] = node
        inLinks[Int(node)] += 1
        return true
    }
}

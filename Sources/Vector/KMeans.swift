import Core
// k-means clustering for codebook training, and the seeded random number
// generator that makes it repeatable.
//
// Seeding is k-means++ (Arthur & Vassilvitskii 2007): the first centroid is a
// uniformly chosen point, each further one a point drawn with probability
// proportional to its squared distance from the nearest centroid chosen so
// far (D² sampling). Lloyd iterations then alternate assignment (each point
// to its nearest centroid, ties to the lowest index) and update (each
// centroid to the mean of its points, summed in Double). A centroid left
// without points is re-seeded by splitting the largest cluster, as FAISS's
// Clustering does: it takes a copy of that cluster's centroid, and the two
// copies are nudged apart in opposite directions so the next assignment
// divides the cluster between them (the last round does not split, so
// every centroid returned that has points is their mean). Iteration stops
// early once an assignment repeats the previous one (a fixed point).
// Assignment, the O(n·k·d) part, uses `CentroidBlocks`, which measures 16
// centroids per step; the seeding uses `Distances.squaredL2`.
//
// Everything random comes from `SeededGenerator`, whose helpers do not
// depend on the standard library's (unspecified) `random(in:using:)`
// algorithms, so a seed gives the same centroids on every platform and
// Swift version for the same input.

/// xoshiro256** (Blackman & Vigna 2018), its state filled by SplitMix64 from
/// a 64-bit seed. Fast, statistically sound, not cryptographic.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var x = SplitMix64(seed: seed)
        s0 = x.next()
        s1 = x.next()
        s2 = x.next()
        s3 = x.next()
    }

    /// A generator for the `stream`-th independent task under `seed` (one per
    /// subspace of a product quantizer, say): the two are mixed through
    /// SplitMix64 so neighbouring streams are unrelated.
    public init(seed: UInt64, stream: UInt64) {
        var x = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        self.init(seed: x.next())
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform integer in `0..<bound` (Lemire's multiply-and-reject, unbiased).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let n = UInt64(bound)
        var product = next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold { product = next().multipliedFullWidth(by: n) }
        }
        return Int(product.high)
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}

/// k-means with k-means++ seeding over contiguous Float32 vectors.
public enum KMeans {
    /// How the initial centroids are chosen.
    public enum Seeding: Sendable {
        /// D² sampling (Arthur & Vassilvitskii 2007); the default.
        case plusPlus
        /// k distinct points drawn uniformly (Forgy's method, FAISS's default).
        case randomPoints
    }

    /// Relative size of the nudge that separates the two halves of a split cluster.
    static let splitEpsilon: Float = 1.0 / 1024

    /// Trains `k` centroids on `count` points of `dimensions` floats each
    /// (point i at `data + i * dimensions`) and returns them flattened,
    /// k × dimensions. The same input and seed always give the same result.
    ///
    /// `iterations` is the most Lloyd rounds (assign, then update) to run;
    /// 0 returns the seeding alone. Requires 1 ≤ k ≤ count and finite data;
    /// callers check.
    public static func train(data: UnsafePointer<Float>, count: Int, dimensions: Int, clusters k: Int,
                             iterations: Int = 25, seed: UInt64, seeding: Seeding = .plusPlus) -> [Float] {
        precondition(dimensions > 0, "k-means needs at least one dimension")
        precondition(k >= 1 && count >= k, "k-means needs 1 ≤ k ≤ count, got k = \(k), count = \(count)")
        var generator = SeededGenerator(seed: seed)
        var centroids = switch seeding {
        case .plusPlus: seedPlusPlus(data: data, count: count, dimensions: dimensions, k: k, using: &generator)
        case .randomPoints: seedRandomPoints(data: data, count: count, dimensions: dimensions, k: k, using: &generator)
        }
        guard iterations > 0 else { return centroids }

        var assignment = [Int32](repeating: -1, count: count)
        var sizes = [Int](repeating: 0, count: k)
        var sums = [Double](repeating: 0, count: k * dimensions)
        // Each centroid with points becomes their mean; the others stay put.
        func updateMeans() {
            for i in sizes.indices { sizes[i] = 0 }
            for i in sums.indices { sums[i] = 0 }
            for point in 0..<count {
                let cluster = Int(assignment[point])
                sizes[cluster] += 1
                let p = data + point * dimensions, base = cluster * dimensions
                for j in 0..<dimensions { sums[base + j] += Double(p[j]) }
            }
            for cluster in 0..<k where sizes[cluster] > 0 {
                let scale = 1 / Double(sizes[cluster]), base = cluster * dimensions
                for j in 0..<dimensions { centroids[base + j] = Float(sums[base + j] * scale) }
            }
        }
        for iteration in 0..<iterations {
            let blocks = centroids.withUnsafeBufferPointer { c in
                CentroidBlocks(centroids: c.baseAddress!, count: k, dimensions: dimensions)
            }
            let changed = assignment.withUnsafeMutableBufferPointer { a in
                blocks.assign(data: data, count: count, into: a.baseAddress!)
            }
            updateMeans()
            // Unchanged: a fixed point (the means undo any split nudge that
            // won no points). Last round: no split, so every centroid that
            // has points is their mean.
            if !changed || iteration == iterations - 1 { break }
            splitEmptyClusters(centroids: &centroids, sizes: &sizes, dimensions: dimensions)
        }
        return centroids
    }

    /// The index of the centroid nearest to `vector` (lowest index on ties)
    /// and its squared L2 distance.
    @inlinable
    public static func nearest(to vector: UnsafePointer<Float>, centroids: UnsafePointer<Float>, count k: Int,
                               dimensions: Int) -> (index: Int, distance: Float) {
        var best = 0
        var bestDistance = Distances.squaredL2(vector, centroids, dimensions)
        var c = 1
        while c < k {
            let d = Distances.squaredL2(vector, centroids + c * dimensions, dimensions)
            if d < bestDistance { bestDistance = d; best = c }
            c += 1
        }
        return (best, bestDistance)
    }

    /// The k-means objective: the sum over points of the squared distance to
    /// the nearest of `k` centroids (lower is a better clustering).
    public static func inertia(data: UnsafePointer<Float>, count: Int, dimensions: Int,
                               centroids: UnsafePointer<Float>, clusters k: Int) -> Double {
        var total = 0.0
        for point in 0..<count {
            total += Double(nearest(to: data + point * dimensions, centroids: centroids, count: k,
                                    dimensions: dimensions).distance)
        }
        return total
    }

    // MARK: - Seeding

    static func seedPlusPlus(data: UnsafePointer<Float>, count: Int, dimensions: Int, k: Int,
                             using generator: inout SeededGenerator) -> [Float] {
        var centroids = [Float](repeating: 0, count: k * dimensions)
        func copyPoint(_ point: Int, toCentroid c: Int) {
            for j in 0..<dimensions { centroids[c * dimensions + j] = data[point * dimensions + j] }
        }
        copyPoint(generator.nextInt(below: count), toCentroid: 0)
        guard k > 1 else { return centroids }

        // nearestSquared[i]: squared distance from point i to its nearest chosen centroid.
        var nearestSquared = [Float](repeating: 0, count: count)
        centroids.withUnsafeBufferPointer { c in
            for i in 0..<count { nearestSquared[i] = Distances.squaredL2(data + i * dimensions, c.baseAddress!, dimensions) }
        }
        for c in 1..<k {
            var total = 0.0
            for d in nearestSquared { total += Double(d) }
            var chosen: Int
            if total > 0 {
                // The first point whose running weight passes a uniform draw
                // in [0, total); the last point of positive weight when
                // rounding leaves the draw unmatched.
                let target = generator.nextUnit() * total
                var running = 0.0
                chosen = -1
                var lastPositive = 0
                for i in 0..<count where nearestSquared[i] > 0 {
                    lastPositive = i
                    running += Double(nearestSquared[i])
                    if running > target { chosen = i; break }
                }
                if chosen < 0 { chosen = lastPositive }
            } else {
                // Fewer distinct points than clusters: any point will do; the
                // Lloyd rounds split the duplicates' clusters.
                chosen = generator.nextInt(below: count)
            }
            copyPoint(chosen, toCentroid: c)
            centroids.withUnsafeBufferPointer { cs in
                let centroid = cs.baseAddress! + c * dimensions
                for i in 0..<count {
                    let d = Distances.squaredL2(data + i * dimensions, centroid, dimensions)
                    if d < nearestSquared[i] { nearestSquared[i] = d }
                }
            }
        }
        return centroids
    }

    static func seedRandomPoints(data: UnsafePointer<Float>, count: Int, dimensions: Int, k: Int,
                                 using generator: inout SeededGenerator) -> [Float] {
        let chosen = sampleIndices(count: count, choose: k, using: &generator)
        var centroids = [Float](repeating: 0, count: k * dimensions)
        for (c, point) in chosen.enumerated() {
            for j in 0..<dimensions { centroids[c * dimensions + j] = data[point * dimensions + j] }
        }
        return centroids
    }

    /// `choose` distinct indices from `0..<count`, uniformly (a partial
    /// Fisher–Yates shuffle), in the order drawn.
    static func sampleIndices(count: Int, choose: Int, using generator: inout SeededGenerator) -> [Int] {
        precondition(choose <= count)
        var indices = Array(0..<count)
        for i in 0..<choose {
            let j = i + generator.nextInt(below: count - i)
            indices.swapAt(i, j)
        }
        return Array(indices[0..<choose])
    }

    // MARK: - Lloyd steps

    /// Re-seeds every empty cluster by splitting the largest one (lowest
    /// index on ties): the empty centroid becomes a copy of the large one and
    /// the two are moved apart by ±ε per coordinate (ε relative to the
    /// coordinate, or to the centroid's RMS coordinate where that is zero),
    /// alternating sign by coordinate. The points are assumed shared evenly
    /// until the next assignment counts them.
    static func splitEmptyClusters(centroids: inout [Float], sizes: inout [Int], dimensions: Int) {
        for empty in sizes.indices where sizes[empty] == 0 {
            var largest = 0
            for c in sizes.indices where sizes[c] > sizes[largest] { largest = c }
            guard sizes[largest] > 1 else { return }   // nothing left to split
            let from = largest * dimensions, to = empty * dimensions
            var squares: Float = 0
            for j in 0..<dimensions { squares += centroids[from + j] * centroids[from + j] }
            let rms = (squares / Float(dimensions)).squareRoot()
            let floor = rms > 0 ? rms : 1
            for j in 0..<dimensions {
                let value = centroids[from + j]
                let magnitude = value != 0 ? abs(value) : floor
                let nudge = (j % 2 == 0 ? splitEpsilon : -splitEpsilon) * magnitude
                centroids[to + j] = value + nudge
                centroids[from + j] = value - nudge
            }
            sizes[empty] = sizes[largest] / 2
            sizes[largest] -= sizes[empty]
        }
    }
}

/// Centroids transposed for nearest-centroid search 16 at a time: block b
/// holds centroids 16b…16b+15, coordinate j of lane l at
/// `storage[(b * dimensions + j) * 16 + l]`; lanes past the last centroid
/// hold `greatestFiniteMagnitude`, whose squared distance overflows to ∞ and
/// never wins. A vector's distances to a block are then `dimensions`
/// SIMD16 subtract-multiply-adds, which for the short subvectors of product
/// quantization (4 to 16 floats) is several times faster than one
/// `Distances.squaredL2` call per centroid, whose SIMD set-up and
/// horizontal sum dominate at those lengths (k-means training 14.6 s →
/// 1.8 s, encoding 199 → 8 µs per vector, for 96-d, M = 24, K = 256).
struct CentroidBlocks: Sendable, Equatable {
    let count: Int
    let dimensions: Int
    let storage: [Float]

    init(centroids: UnsafePointer<Float>, count: Int, dimensions: Int) {
        self.count = count
        self.dimensions = dimensions
        let blockCount = (count + 15) / 16
        var storage = [Float](repeating: .greatestFiniteMagnitude, count: blockCount * dimensions * 16)
        for c in 0..<count {
            let (block, lane) = c.quotientAndRemainder(dividingBy: 16)
            for j in 0..<dimensions { storage[(block * dimensions + j) * 16 + lane] = centroids[c * dimensions + j] }
        }
        self.storage = storage
    }

    /// Coordinate `j` of centroid `c`.
    @inline(__always)
    func coordinate(_ j: Int, of c: Int) -> Float { storage[((c / 16) * dimensions + j) * 16 + c % 16] }

    /// The centroid nearest to `vector` (lowest index on ties) and its squared distance.
    func nearest(to vector: UnsafePointer<Float>) -> (index: Int, distance: Float) {
        storage.withUnsafeBufferPointer { Self.nearest(to: vector, blocks: $0.baseAddress!, count: count, dimensions: dimensions) }
    }

    /// Assigns each of `count` points to its nearest centroid; returns
    /// whether any assignment differs from what `assignment` held.
    func assign(data: UnsafePointer<Float>, count points: Int, into assignment: UnsafeMutablePointer<Int32>) -> Bool {
        storage.withUnsafeBufferPointer { blocks in
            var changed = false
            for point in 0..<points {
                let cluster = Int32(Self.nearest(to: data + point * dimensions, blocks: blocks.baseAddress!,
                                                 count: count, dimensions: dimensions).index)
                if assignment[point] != cluster { assignment[point] = cluster; changed = true }
            }
            return changed
        }
    }

    /// Writes, for each centroid c, ‖vector − c‖² (or −⟨vector, c⟩ when
    /// `negatedDot`) to `out[c]`, 16 centroids per step.
    static func distances(from vector: UnsafePointer<Float>, blocks: UnsafePointer<Float>, count: Int, dimensions: Int,
                          negatedDot: Bool, into out: UnsafeMutablePointer<Float>) {
        let raw = UnsafeRawPointer(blocks)
        var offset = 0, first = 0
        while first < count {
            var acc = SIMD16<Float>()
            if negatedDot {
                for j in 0..<dimensions {
                    acc += raw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) * SIMD16(repeating: vector[j])
                    offset &+= 64
                }
                acc = -acc
            } else {
                for j in 0..<dimensions {
                    let d = raw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) - SIMD16(repeating: vector[j])
                    acc += d * d
                    offset &+= 64
                }
            }
            if first + 16 <= count {
                UnsafeMutableRawPointer(out + first).storeBytes(of: acc, as: SIMD16<Float>.self)
            } else {
                for lane in 0..<count - first { out[first + lane] = acc[lane] }
            }
            first += 16
        }
    }

    /// Each lane keeps its best distance and centroid index over the blocks
    /// (strict `<`, so the earlier block wins a tie); the 16 lanes are then
    /// reduced once, lowest index among equal distances.
    static func nearest(to vector: UnsafePointer<Float>, blocks: UnsafePointer<Float>, count: Int,
                        dimensions: Int) -> (index: Int, distance: Float) {
        let raw = UnsafeRawPointer(blocks)
        let blockCount = (count + 15) / 16
        var bestDistance = SIMD16<Float>(repeating: .infinity)
        var bestIndex = SIMD16<Int32>(repeating: 0)
        var index = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        var offset = 0
        for _ in 0..<blockCount {
            var acc = SIMD16<Float>()
            for j in 0..<dimensions {
                let d = raw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) - SIMD16(repeating: vector[j])
                acc += d * d
                offset += 64
            }
            let better = acc .< bestDistance
            bestDistance.replace(with: acc, where: better)
            bestIndex.replace(with: index, where: better)
            index &+= 16
        }
        var best = 0, distance = Float.infinity
        for lane in 0..<16 {
            let d = bestDistance[lane], i = Int(bestIndex[lane])
            if d < distance || (d == distance && i < best) { distance = d; best = i }
        }
        return (best, distance)
    }
}

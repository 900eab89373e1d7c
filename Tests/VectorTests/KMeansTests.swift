// Tests of the seeded generator and k-means: recovery of well-separated
// Gaussian clusters, determinism for a seed, k-means++ against random
// seeding, the empty-cluster split, and the blocked nearest-centroid search
// against the plain one. Data are small and seeded, so runs are repeatable.
import Foundation
import XCTest
@testable import Vector

extension SeededGenerator {
    /// A standard normal draw (Box–Muller).
    mutating func nextGaussian() -> Float {
        let u1 = max(nextUnit(), 0x1p-53), u2 = nextUnit()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// `clusters` centres drawn as N(0, spread²) per coordinate, then
    /// `perCluster` points around each as N(0, noise²), interleaved (point i
    /// belongs to cluster i % clusters). Returns the flattened points and centres.
    mutating func clusteredData(clusters: Int, perCluster: Int, dimensions: Int,
                                spread: Float, noise: Float) -> (points: [Float], centres: [Float]) {
        let centres = (0..<clusters * dimensions).map { _ in nextGaussian() * spread }
        var points = [Float]()
        points.reserveCapacity(clusters * perCluster * dimensions)
        for i in 0..<clusters * perCluster {
            let c = i % clusters
            for j in 0..<dimensions { points.append(centres[c * dimensions + j] + nextGaussian() * noise) }
        }
        return (points, centres)
    }
}

func squaredDistance(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
    zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
}

final class KMeansTests: XCTestCase {
    private func train(_ data: [Float], dimensions: Int, k: Int, iterations: Int = 25, seed: UInt64,
                       seeding: KMeans.Seeding = .plusPlus) -> [Float] {
        data.withUnsafeBufferPointer {
            KMeans.train(data: $0.baseAddress!, count: data.count / dimensions, dimensions: dimensions, clusters: k,
                         iterations: iterations, seed: seed, seeding: seeding)
        }
    }

    private func inertia(_ data: [Float], dimensions: Int, centroids: [Float]) -> Double {
        data.withUnsafeBufferPointer { d in
            centroids.withUnsafeBufferPointer { c in
                KMeans.inertia(data: d.baseAddress!, count: data.count / dimensions, dimensions: dimensions,
                               centroids: c.baseAddress!, clusters: centroids.count / dimensions)
            }
        }
    }

    func testSeededGeneratorIsRepeatableAndUniform() {
        var a = SeededGenerator(seed: 99), b = SeededGenerator(seed: 99), c = SeededGenerator(seed: 100)
        let first = (0..<8).map { _ in a.next() }
        XCTAssertEqual(first, (0..<8).map { _ in b.next() })
        XCTAssertNotEqual(first, (0..<8).map { _ in c.next() })
        var stream0 = SeededGenerator(seed: 5, stream: 0), stream1 = SeededGenerator(seed: 5, stream: 1)
        XCTAssertNotEqual(stream0.next(), stream1.next())

        var buckets = [Int](repeating: 0, count: 10)
        for _ in 0..<20_000 {
            let i = a.nextInt(below: 10)
            XCTAssert((0..<10).contains(i))
            buckets[i] += 1
        }
        for count in buckets { XCTAssert((1_700...2_300).contains(count), "bucket count \(count)") }
        var sum = 0.0
        for _ in 0..<10_000 {
            let u = a.nextUnit()
            XCTAssert(u >= 0 && u < 1)
            sum += u
        }
        XCTAssertEqual(sum / 10_000, 0.5, accuracy: 0.02)
        XCTAssertEqual(a.nextInt(below: 1), 0)
    }

    func testRecoversWellSeparatedGaussianClusters() {
        var generator = SeededGenerator(seed: 1)
        let (d, k) = (8, 6)
        let (points, centres) = generator.clusteredData(clusters: k, perCluster: 50, dimensions: d, spread: 20, noise: 1)
        for i in 0..<k {
            for j in 0..<i {
                XCTAssertGreaterThan(squaredDistance(centres[i * d..<(i + 1) * d], centres[j * d..<(j + 1) * d]), 100,
                                     "the seed should give separated centres")
            }
        }
        let centroids = train(points, dimensions: d, k: k, seed: 42)
        XCTAssertEqual(centroids.count, k * d)
        // Each true centre has a centroid within the noise of a 50-point
        // mean (σ·√d/√50 ≈ 0.4), and no two centres share one.
        var matched = Set<Int>()
        for c in 0..<k {
            let distances = (0..<k).map { squaredDistance(centres[c * d..<(c + 1) * d], centroids[$0 * d..<($0 + 1) * d]) }
            let nearest = distances.indices.min { distances[$0] < distances[$1] }!
            XCTAssertLessThan(distances[nearest].squareRoot(), 1.0)
            matched.insert(nearest)
        }
        XCTAssertEqual(matched.count, k)
        // The inertia is about n·d·σ² (the noise alone).
        XCTAssertLessThan(inertia(points, dimensions: d, centroids: centroids), 1.3 * Double(points.count))
    }

    func testSameSeedGivesSameCentroids() {
        var generator = SeededGenerator(seed: 2)
        let data = (0..<600 * 4).map { _ in Float(generator.nextUnit()) }
        let a = train(data, dimensions: 4, k: 20, seed: 7)
        XCTAssertEqual(a, train(data, dimensions: 4, k: 20, seed: 7))
        XCTAssertNotEqual(a, train(data, dimensions: 4, k: 20, seed: 8))
        XCTAssertEqual(train(data, dimensions: 4, k: 20, seed: 7, seeding: .randomPoints),
                       train(data, dimensions: 4, k: 20, seed: 7, seeding: .randomPoints))
        XCTAssert(a.allSatisfy(\.isFinite))
    }

    func testPlusPlusSeedingBeatsRandomPointsOnAverage() {
        var generator = SeededGenerator(seed: 3)
        let (d, k) = (2, 12)
        let (points, _) = generator.clusteredData(clusters: k, perCluster: 25, dimensions: d, spread: 10, noise: 0.3)
        var seeded = (plusPlus: 0.0, random: 0.0), trained = (plusPlus: 0.0, random: 0.0)
        let seeds: [UInt64] = Array(1...12)
        for seed in seeds {
            seeded.plusPlus += inertia(points, dimensions: d, centroids: train(points, dimensions: d, k: k, iterations: 0, seed: seed))
            seeded.random += inertia(points, dimensions: d,
                                     centroids: train(points, dimensions: d, k: k, iterations: 0, seed: seed, seeding: .randomPoints))
            trained.plusPlus += inertia(points, dimensions: d, centroids: train(points, dimensions: d, k: k, seed: seed))
            trained.random += inertia(points, dimensions: d,
                                      centroids: train(points, dimensions: d, k: k, seed: seed, seeding: .randomPoints))
        }
        XCTAssertLessThan(seeded.plusPlus, seeded.random)
        XCTAssertLessThan(trained.plusPlus, trained.random)
        // Lloyd rounds never make a clustering worse.
        XCTAssertLessThanOrEqual(trained.plusPlus, seeded.plusPlus)
        XCTAssertLessThanOrEqual(trained.random, seeded.random)
    }

    func testEmptyClusterIsSplitFromTheLargest() {
        var centroids: [Float] = [9, 9, /* empty */ 1, 0, /* largest */ 3, 4, /* small */ -5, 5]
        var sizes = [3, 0, 10, 2]
        KMeans.splitEmptyClusters(centroids: &centroids, sizes: &sizes, dimensions: 2)
        XCTAssertEqual(sizes, [3, 5, 5, 2])
        XCTAssertEqual(Array(centroids[0..<2]), [9, 9])
        XCTAssertEqual(Array(centroids[6..<8]), [-5, 5])
        // The copy and the original sit symmetrically about (3, 4), apart.
        XCTAssertNotEqual(Array(centroids[2..<4]), Array(centroids[4..<6]))
        XCTAssertEqual(centroids[2] + centroids[4], 6, accuracy: 1e-5)
        XCTAssertEqual(centroids[3] + centroids[5], 8, accuracy: 1e-5)
        XCTAssertEqual(centroids[2], 3 * (1 + KMeans.splitEpsilon), accuracy: 1e-6)

        // A zero coordinate still moves apart.
        var zero: [Float] = [0, 0, 0, 0]
        var zeroSizes = [4, 0]
        KMeans.splitEmptyClusters(centroids: &zero, sizes: &zeroSizes, dimensions: 2)
        XCTAssertNotEqual(Array(zero[0..<2]), Array(zero[2..<4]))
    }

    func testFewerDistinctPointsThanClustersStillTrains() {
        // Three distinct points, each repeated: five clusters cannot all be used.
        var data = [Float]()
        for i in 0..<30 { data += [Float(i % 3) * 10, 1] }
        let centroids = train(data, dimensions: 2, k: 5, seed: 11)
        XCTAssert(centroids.allSatisfy(\.isFinite))
        XCTAssertLessThan(inertia(data, dimensions: 2, centroids: centroids), 1e-6)
        XCTAssertEqual(centroids, train(data, dimensions: 2, k: 5, seed: 11))
    }

    func testBlockedNearestAgreesWithPlainSearch() {
        var generator = SeededGenerator(seed: 4)
        for (k, d) in [(1, 3), (16, 4), (37, 5), (256, 16), (5, 1)] {
            let centroids = (0..<k * d).map { _ in generator.nextGaussian() }
            let blocks = centroids.withUnsafeBufferPointer { CentroidBlocks(centroids: $0.baseAddress!, count: k, dimensions: d) }
            for _ in 0..<50 {
                let v = (0..<d).map { _ in generator.nextGaussian() }
                let plain = v.withUnsafeBufferPointer { p in
                    centroids.withUnsafeBufferPointer { KMeans.nearest(to: p.baseAddress!, centroids: $0.baseAddress!, count: k, dimensions: d) }
                }
                let blocked = v.withUnsafeBufferPointer { blocks.nearest(to: $0.baseAddress!) }
                XCTAssertEqual(blocked.index, plain.index, "k = \(k), d = \(d)")
                XCTAssertEqual(blocked.distance, plain.distance, accuracy: 1e-4 * max(1, plain.distance))
            }
        }
        // Ties go to the lowest index, across lanes and blocks.
        let same = [Float](repeating: 2, count: 40 * 2)
        let blocks = same.withUnsafeBufferPointer { CentroidBlocks(centroids: $0.baseAddress!, count: 40, dimensions: 2) }
        XCTAssertEqual([Float(1), 1].withUnsafeBufferPointer { blocks.nearest(to: $0.baseAddress!) }.index, 0)
        let late = (0..<40 * 2).map { $0 >= 66 ? Float(1) : 2 }   // centroids 33…39 equal (1, 1)
        let lateBlocks = late.withUnsafeBufferPointer { CentroidBlocks(centroids: $0.baseAddress!, count: 40, dimensions: 2) }
        XCTAssertEqual([Float(1), 1].withUnsafeBufferPointer { lateBlocks.nearest(to: $0.baseAddress!) }.index, 33)
    }
}

// Tests of the product quantizer on seeded clustered data: codes in range
// and repeatable, ADC equal to the exact distance to the reconstruction and
// close to the distance to the original, recall of an ADC scan with exact
// re-ranking, the training and shape checks, and serialization (a round
// trip; every truncation and other malformed bytes throw, never trap).
import XCTest
@testable import Vector

/// One quantizer trained once for the tests that only read it: M = 8,
/// K = 256 on 2,000 32-d vectors in 50 Gaussian clusters.
private struct Fixture: Sendable {
    static let dimensions = 32
    let base: [Float]
    let queries: [Float]
    let pq: ProductQuantizer
    let codes: [UInt8]
    var count: Int { base.count / Self.dimensions }
    var queryCount: Int { queries.count / Self.dimensions }

    static let shared = Fixture()

    init() {
        let d = Self.dimensions
        var generator = SeededGenerator(seed: 2011)
        let (base, centres) = generator.clusteredData(clusters: 50, perCluster: 40, dimensions: d, spread: 1, noise: 0.3)
        var queries = [Float]()
        for q in 0..<20 {
            let c = q * 7 % 50
            for j in 0..<d { queries.append(centres[c * d + j] + generator.nextGaussian() * 0.3) }
        }
        let pq = try! ProductQuantizer.train(samples: base, count: base.count / d, dimensions: d,
                                             subquantizers: 8, centroids: 256, seed: 5, iterations: 12)
        var codes = [UInt8]()
        for i in 0..<base.count / d { codes += try! pq.encode(Array(base[i * d..<(i + 1) * d])) }
        (self.base, self.queries, self.pq, self.codes) = (base, queries, pq, codes)
    }

    func vector(_ i: Int) -> [Float] { Array(base[i * Self.dimensions..<(i + 1) * Self.dimensions]) }
    func query(_ i: Int) -> [Float] { Array(queries[i * Self.dimensions..<(i + 1) * Self.dimensions]) }
    func code(_ i: Int) -> [UInt8] { Array(codes[i * pq.codeSize..<(i + 1) * pq.codeSize]) }

    /// ADC distances from a table to every code.
    func scan(_ table: [Float]) -> [Float] {
        table.withUnsafeBufferPointer { t in
            codes.withUnsafeBufferPointer { c in
                (0..<count).map {
                    ProductQuantizer.adcDistance(table: t.baseAddress!, code: c.baseAddress! + $0 * pq.codeSize,
                                                 subquantizers: pq.subquantizers, centroids: pq.centroids)
                }
            }
        }
    }
}

private func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

private func assertThrows(_ expectedMessage: String? = nil, sqlState: String = "22023",
                          file: StaticString = #filePath, line: UInt = #line,
                          _ body: () throws(VectorError) -> Void) {
    do {
        try body()
        XCTFail("expected a VectorError", file: file, line: line)
    } catch {
        XCTAssertEqual(error.sqlState, sqlState, error.message, file: file, line: line)
        if let expectedMessage {
            XCTAssert(error.message.contains(expectedMessage), "\(error.message)", file: file, line: line)
        }
    }
}

final class ProductQuantizerTests: XCTestCase {
    private let fixture = Fixture.shared

    private func smallQuantizer(seed: UInt64 = 1, version: Int = 3) -> (ProductQuantizer, [Float]) {
        var generator = SeededGenerator(seed: 77)
        let samples = (0..<300 * 8).map { _ in generator.nextGaussian() }
        let pq = try! ProductQuantizer.train(samples: samples, count: 300, dimensions: 8, subquantizers: 4,
                                             centroids: 16, seed: seed, version: version)
        return (pq, samples)
    }

    func testShape() {
        let pq = fixture.pq
        XCTAssertEqual(pq.dimensions, 32)
        XCTAssertEqual(pq.subquantizers, 8)
        XCTAssertEqual(pq.centroids, 256)
        XCTAssertEqual(pq.subDimensions, 4)
        XCTAssertEqual(pq.codeSize, 8)
        XCTAssertEqual(pq.tableSize, 8 * 256)
        XCTAssertEqual(pq.codebook.count, 8 * 256 * 4)
        XCTAssertEqual(pq.version, 1)
        XCTAssert(pq.codebook.allSatisfy(\.isFinite))
    }

    func testCodesAreInRangeAndRepeatable() throws {
        let pq = fixture.pq
        XCTAssert(fixture.codes.allSatisfy { Int($0) < pq.centroids })
        // Codes use much of each codebook (k-means left few centroids idle).
        for m in 0..<pq.subquantizers {
            let used = Set((0..<fixture.count).map { fixture.codes[$0 * pq.codeSize + m] })
            XCTAssertGreaterThan(used.count, 200, "subspace \(m)")
        }
        for i in stride(from: 0, to: fixture.count, by: 97) {
            XCTAssertEqual(try pq.encode(fixture.vector(i)), fixture.code(i))
            // A decoded vector encodes to its own code.
            XCTAssertEqual(try pq.encode(try pq.decode(fixture.code(i))), fixture.code(i))
        }
        // The pointer API writes the same code.
        var code = [UInt8](repeating: 0, count: pq.codeSize)
        fixture.vector(5).withUnsafeBufferPointer { v in code.withUnsafeMutableBufferPointer { pq.encode(v.baseAddress!, into: $0.baseAddress!) } }
        XCTAssertEqual(code, fixture.code(5))

        // Same samples and seed: same codebook; another seed: another one.
        let (a, samples) = smallQuantizer(seed: 1)
        XCTAssertEqual(a, smallQuantizer(seed: 1).0)
        XCTAssertNotEqual(a.codebook, smallQuantizer(seed: 2).0.codebook)
        XCTAssertEqual(try a.encode(Array(samples[0..<8])), try smallQuantizer(seed: 1).0.encode(Array(samples[0..<8])))
    }

    func testADCEqualsExactDistanceToTheReconstruction() throws {
        let pq = fixture.pq
        for q in 0..<5 {
            let query = fixture.query(q)
            let unit = query.map { $0 / dot(query, query).squareRoot() }
            for (metric, query) in [(VectorMetric.l2, query), (.innerProduct, query), (.cosine, unit)] {
                let adc = fixture.scan(try pq.distanceTable(query: query, metric: metric))
                for i in stride(from: q, to: fixture.count, by: 53) {
                    let decoded = try pq.decode(fixture.code(i))
                    let exact: Float = switch metric {
                    case .l2: zip(query, decoded).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                    case .innerProduct, .cosine: -dot(query, decoded)
                    }
                    XCTAssertEqual(adc[i], exact, accuracy: 1e-3 * max(1, abs(exact)), "\(metric) vector \(i)")
                }
            }
        }
    }

    func testADCIsCloseToTheExactDistance() throws {
        // Relative error of the ADC estimate of ‖q − x‖² against the true
        // value, over all pairs of 20 queries and 2,000 vectors. Measured
        // with these seeds: mean 0.039; the bound leaves room.
        let pq = fixture.pq
        var total = 0.0, pairs = 0
        for q in 0..<fixture.queryCount {
            let query = fixture.query(q)
            let adc = fixture.scan(try pq.distanceTable(query: query, metric: .l2))
            for i in 0..<fixture.count {
                let exact = VectorMetric.l2.distance(query, fixture.vector(i))
                total += abs(Double(adc[i]) - exact * exact) / (exact * exact)
                pairs += 1
            }
        }
        XCTAssertLessThan(total / Double(pairs), 0.1)
    }

    func testRecallOfADCScanWithExactReRank() throws {
        // Brute force top 10 against: ADC over every code, the best 50
        // re-ranked by exact distance, top 10 of those (and the ADC top 10).
        let pq = fixture.pq
        var found = 0, foundByADCAlone = 0
        for q in 0..<fixture.queryCount {
            let query = fixture.query(q)
            let exact = (0..<fixture.count).map { VectorMetric.l2.distance(query, fixture.vector($0)) }
            let truth = Set((0..<fixture.count).sorted { (exact[$0], $0) < (exact[$1], $1) }.prefix(10))
            let adc = fixture.scan(try pq.distanceTable(query: query, metric: .l2))
            let candidates = (0..<fixture.count).sorted { (adc[$0], $0) < (adc[$1], $1) }.prefix(50)
            let reranked = candidates.sorted { (exact[$0], $0) < (exact[$1], $1) }.prefix(10)
            found += truth.intersection(reranked).count
            foundByADCAlone += truth.intersection(candidates.prefix(10)).count
        }
        let recall = Double(found) / Double(10 * fixture.queryCount)
        let recallByADCAlone = Double(foundByADCAlone) / Double(10 * fixture.queryCount)
        // Measured with these seeds: 1.0 with the re-rank, 0.62 by ADC alone
        // (neighbours within a cluster differ by less than the code error).
        XCTAssertGreaterThanOrEqual(recall, 0.9)
        XCTAssertGreaterThanOrEqual(recallByADCAlone, 0.5)
    }

    func testDistanceTableEntriesAreSubspaceDistancesToEachCentroid() throws {
        // K = 20: one full block of 16 centroids and a partial one.
        var generator = SeededGenerator(seed: 10)
        let samples = (0..<100 * 6).map { _ in generator.nextGaussian() }
        let pq = try ProductQuantizer.train(samples: samples, count: 100, dimensions: 6, subquantizers: 3, centroids: 20, seed: 4)
        let query = (0..<6).map { _ in generator.nextGaussian() }
        let l2 = try pq.distanceTable(query: query, metric: .l2)
        let ip = try pq.distanceTable(query: query, metric: .innerProduct)
        XCTAssertEqual(try pq.distanceTable(query: query, metric: .cosine), ip)
        XCTAssertEqual(l2.count, 60)
        for m in 0..<3 {
            for k in 0..<20 {
                let centroid = Array(pq.codebook[(m * 20 + k) * 2..<(m * 20 + k + 1) * 2])
                let sub = Array(query[m * 2..<m * 2 + 2])
                XCTAssertEqual(l2[m * 20 + k], squaredDistance(sub[...], centroid[...]), accuracy: 1e-5)
                XCTAssertEqual(ip[m * 20 + k], -dot(sub, centroid), accuracy: 1e-5)
            }
        }
    }

    func testUnrolledADCMatchesAPlainSumForEveryLength() {
        var generator = SeededGenerator(seed: 8)
        for M in 1...19 {
            let K = 3
            let table = (0..<M * K).map { _ in generator.nextGaussian() }
            let code = (0..<M).map { _ in UInt8(generator.nextInt(below: K)) }
            let plain = (0..<M).reduce(Float(0)) { $0 + table[$1 * K + Int(code[$1])] }
            let adc = table.withUnsafeBufferPointer { t in
                code.withUnsafeBufferPointer { ProductQuantizer.adcDistance(table: t.baseAddress!, code: $0.baseAddress!, subquantizers: M, centroids: K) }
            }
            XCTAssertEqual(adc, plain, accuracy: 1e-5, "M = \(M)")
        }
    }

    func testTrainingChecksItsArguments() {
        let samples = [Float](repeating: 0.5, count: 100 * 8)
        func train(count: Int = 100, dimensions: Int = 8, M: Int = 4, K: Int = 16, iterations: Int = 5,
                   samples: [Float] = samples) throws(VectorError) {
            _ = try ProductQuantizer.train(samples: samples, count: count, dimensions: dimensions, subquantizers: M,
                                           centroids: K, iterations: iterations)
        }
        assertThrows("training needs at least 256 vectors, got 100") { () throws(VectorError) in try train(K: 256) }
        assertThrows("training needs at least 101 vectors, got 100") { () throws(VectorError) in try train(K: 101) }
        assertThrows("3 subquantizers do not divide 8 dimensions") { () throws(VectorError) in try train(M: 3) }
        assertThrows("subquantizers do not divide") { () throws(VectorError) in try train(M: 0) }
        assertThrows("between 1 and 256, got 257") { () throws(VectorError) in try train(count: 300, K: 257, samples: .init(repeating: 0, count: 2400)) }
        assertThrows("between 1 and 256, got 0") { () throws(VectorError) in try train(K: 0) }
        assertThrows("expected 99 vectors") { () throws(VectorError) in try train(count: 99) }
        assertThrows("finite") { () throws(VectorError) in try train(samples: [.nan] + samples.dropFirst()) }
        assertThrows("iterations") { () throws(VectorError) in try train(iterations: -1) }
        assertThrows("at least one dimension") { () throws(VectorError) in try train(count: 0, dimensions: 0, samples: []) }
        // Exactly K samples, and identical ones, are accepted.
        XCTAssertNoThrow(try train(count: 16, samples: Array(samples[0..<16 * 8])))
        XCTAssertNoThrow(try train())
    }

    func testArrayAPIsCheckLengths() throws {
        let (pq, samples) = smallQuantizer()
        assertThrows("expected 8 dimensions, not 7", sqlState: "22000") { () throws(VectorError) in _ = try pq.encode(Array(samples[0..<7])) }
        assertThrows("expected 8 dimensions, not 9", sqlState: "22000") { () throws(VectorError) in
            _ = try pq.distanceTable(query: Array(samples[0..<9]), metric: .l2)
        }
        assertThrows("3 bytes, expected 4") { () throws(VectorError) in _ = try pq.decode([0, 1, 2]) }
        assertThrows("exceeds the 16 centroids") { () throws(VectorError) in _ = try pq.decode([0, 1, 16, 2]) }
        XCTAssertEqual(try pq.decode([0, 1, 15, 2]).count, 8)
        assertThrows("codebook holds") { () throws(VectorError) in
            _ = try ProductQuantizer(dimensions: 8, subquantizers: 4, centroids: 16, codebook: [1, 2])
        }
        assertThrows("non-finite") { () throws(VectorError) in
            _ = try ProductQuantizer(dimensions: 2, subquantizers: 1, centroids: 1, codebook: [1, .infinity])
        }
    }

    func testSubsamplesLargeTrainingSetsDeterministically() throws {
        var generator = SeededGenerator(seed: 9)
        let samples = (0..<1_000 * 4).map { _ in generator.nextGaussian() }
        // 2 points per centroid × 8 centroids: 16 of the 1,000 vectors.
        let a = try ProductQuantizer.train(samples: samples, count: 1_000, dimensions: 4, subquantizers: 2,
                                           centroids: 8, seed: 3, maxPointsPerCentroid: 2)
        XCTAssertEqual(a, try ProductQuantizer.train(samples: samples, count: 1_000, dimensions: 4, subquantizers: 2,
                                                     centroids: 8, seed: 3, maxPointsPerCentroid: 2))
        let full = try ProductQuantizer.train(samples: samples, count: 1_000, dimensions: 4, subquantizers: 2,
                                              centroids: 8, seed: 3)
        XCTAssertNotEqual(a.codebook, full.codebook)
        // With 16 samples for 8 centroids, every centroid is one of the samples or a mean of a few.
        XCTAssert(a.codebook.allSatisfy(\.isFinite))
        assertThrows("maxPointsPerCentroid") { () throws(VectorError) in
            _ = try ProductQuantizer.train(samples: samples, count: 1_000, dimensions: 4, subquantizers: 2,
                                           centroids: 8, maxPointsPerCentroid: 0)
        }
    }

    func testSerializationRoundTrip() throws {
        let (pq, _) = smallQuantizer(version: 3)
        let bytes = pq.serialized()
        XCTAssertEqual(Array(bytes[0..<3]), [0x50, 0x51, ProductQuantizer.formatVersion])
        let back = try ProductQuantizer(serialized: bytes)
        XCTAssertEqual(back, pq)
        XCTAssertEqual(back.version, 3)
        XCTAssertEqual(back.serialized(), bytes)
        var negative = pq
        negative.version = -12
        XCTAssertEqual(try ProductQuantizer(serialized: negative.serialized()).version, -12)
        XCTAssertEqual(try ProductQuantizer(serialized: fixture.pq.serialized()), fixture.pq)
    }

    func testMalformedBytesThrowNeverTrap() {
        let (pq, _) = smallQuantizer()
        let bytes = pq.serialized()
        for length in 0..<bytes.count {
            assertThrows(sqlState: "XX001") { () throws(VectorError) in _ = try ProductQuantizer(serialized: Array(bytes[0..<length])) }
        }
        assertThrows("not the size", sqlState: "XX001") { () throws(VectorError) in _ = try ProductQuantizer(serialized: bytes + [0]) }
        assertThrows("not a product quantizer", sqlState: "XX001") { () throws(VectorError) in
            _ = try ProductQuantizer(serialized: [0x53] + bytes.dropFirst())
        }
        assertThrows("format 9", sqlState: "XX001") { () throws(VectorError) in
            _ = try ProductQuantizer(serialized: [0x50, 0x51, 9] + bytes.dropFirst(3))
        }
        // Header fields: dimensions 8, M 4, K 16 at bytes 3, 4, 5.
        func patched(_ index: Int, _ value: UInt8) -> [UInt8] { var b = bytes; b[index] = value; return b }
        assertThrows("not the size", sqlState: "XX001") { () throws(VectorError) in _ = try ProductQuantizer(serialized: patched(5, 15)) }
        assertThrows("not the size", sqlState: "XX001") { () throws(VectorError) in _ = try ProductQuantizer(serialized: patched(3, 12)) }
        assertThrows("do not divide", sqlState: "XX001") { () throws(VectorError) in _ = try ProductQuantizer(serialized: patched(4, 3)) }
        assertThrows("between 1 and 256", sqlState: "XX001") { () throws(VectorError) in _ = try ProductQuantizer(serialized: patched(5, 0)) }
        // A huge dimension count (a 9-byte varint) cannot allocate or overflow.
        let huge: [UInt8] = [0x50, 0x51, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1, 0xFF, 0x01, 0]
        assertThrows(sqlState: "XX001") { () throws(VectorError) in _ = try ProductQuantizer(serialized: huge) }
        // A NaN centroid.
        var nan = bytes
        nan.replaceSubrange(bytes.count - 4..<bytes.count, with: [0x00, 0x00, 0xC0, 0x7F])
        assertThrows("non-finite", sqlState: "XX001") { () throws(VectorError) in _ = try ProductQuantizer(serialized: nan) }
        // Random garbage, and random corruptions of a valid form: an error or a valid quantizer, never a trap.
        var generator = SeededGenerator(seed: 12)
        for _ in 0..<300 {
            let garbage = (0..<generator.nextInt(below: 40)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? ProductQuantizer(serialized: [0x50, 0x51, 1] + garbage)
            var corrupt = bytes
            corrupt[generator.nextInt(below: 8)] = UInt8(truncatingIfNeeded: generator.next())
            _ = try? ProductQuantizer(serialized: corrupt)
        }
    }
}

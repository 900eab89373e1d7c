// Tests of the 8-bit scalar quantizer: learned ranges, the round-trip
// error bound, clamping, empty ranges, the asymmetric distances against
// exact ones (with the 16-wide SIMD path and its tail), argument checks and
// serialization.
import XCTest
@testable import Vector

private func expectError(_ fragment: String, sqlState: String = "22023", file: StaticString = #filePath, line: UInt = #line,
                         _ body: () throws(VectorError) -> Void) {
    do {
        try body()
        XCTFail("expected a VectorError", file: file, line: line)
    } catch {
        XCTAssertEqual(error.sqlState, sqlState, error.message, file: file, line: line)
        XCTAssert(error.message.contains(fragment), error.message, file: file, line: line)
    }
}

final class ScalarQuantizerTests: XCTestCase {
    /// 200 vectors of 40 dimensions (two SIMD16 blocks and a tail of 8),
    /// dimension j uniform in [−j, 2j + 1].
    private func data(count: Int = 200, dimensions: Int = 40, seed: UInt64 = 21) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count * dimensions).map { i in
            let j = Float(i % dimensions)
            return -j + Float(generator.nextUnit()) * (3 * j + 1)
        }
    }

    func testLearnsRangesAndRoundTripsWithinHalfAStep() throws {
        let (n, d) = (200, 40)
        let samples = data()
        let sq = try ScalarQuantizer.train(samples: samples, count: n, dimensions: d)
        XCTAssertEqual(sq.dimensions, d)
        XCTAssertEqual(sq.codeSize, d)
        for j in 0..<d {
            let column = stride(from: j, to: samples.count, by: d).map { samples[$0] }
            XCTAssertEqual(sq.minimums[j], column.min())
            XCTAssertEqual(sq.maximums[j], column.max())
            XCTAssertEqual(sq.steps[j], (sq.maximums[j] - sq.minimums[j]) / 255, accuracy: 1e-5 * sq.maximums[j].magnitude + 1e-6)
        }
        for i in 0..<n {
            let vector = Array(samples[i * d..<(i + 1) * d])
            let code = try sq.encode(vector)
            let decoded = try sq.decode(code)
            for j in 0..<d {
                let range = sq.maximums[j] - sq.minimums[j]
                XCTAssertLessThanOrEqual(abs(decoded[j] - vector[j]), range / 255, "vector \(i) dimension \(j)")
                XCTAssertLessThanOrEqual(abs(decoded[j] - vector[j]), sq.steps[j] / 2 * 1.001 + 1e-6)
            }
            XCTAssertEqual(try sq.encode(decoded), code)
        }
    }

    func testClampsOutOfRangeValuesAndHandlesEmptyRanges() throws {
        // Dimension 0 varies over [0, 10]; dimension 1 is always 3.
        let sq = try ScalarQuantizer.train(samples: [0, 3, 10, 3, 5, 3], count: 3, dimensions: 2)
        XCTAssertEqual(sq.steps[1], 0)
        XCTAssertEqual(try sq.encode([-50, 3]), [0, 0])
        XCTAssertEqual(try sq.encode([50, 3]), [255, 0])
        XCTAssertEqual(try sq.decode([255, 0]), [10, 3])
        XCTAssertEqual(try sq.decode([0, 200]), [0, 3])
        XCTAssertEqual(try sq.encode([5.1, 7]), [130, 0])
        XCTAssertEqual(try sq.decode([130, 0])[0], 130 * 10 / 255, accuracy: 1e-5)
        // Non-finite input encodes to some byte, never traps.
        XCTAssertEqual(try sq.encode([.nan, .infinity]).count, 2)
        XCTAssertEqual(try sq.encode([-.infinity, .nan]).count, 2)
        // The widest range allowed decodes without overflow; a wider one is refused.
        let wide = try ScalarQuantizer(minimums: [-8e37], maximums: [8e37])
        XCTAssert(wide.steps[0].isFinite && wide.steps[0] > 0)
        XCTAssertEqual(try wide.decode(try wide.encode([1e30])).first!, 1e30, accuracy: wide.steps[0])
        XCTAssertEqual(try wide.decode([255]).first!, 8e37, accuracy: 1e33)
        expectError("too wide") { () throws(VectorError) in
            _ = try ScalarQuantizer(minimums: [-.greatestFiniteMagnitude], maximums: [.greatestFiniteMagnitude])
        }
    }

    func testAsymmetricDistancesMatchExactOnes() throws {
        for d in [40, 16, 7] {
            let samples = data(dimensions: d)
            let sq = try ScalarQuantizer.train(samples: samples, count: 200, dimensions: d)
            // ‖x − x̂‖ ≤ √(Σ (stepⱼ/2)²), so by the triangle inequality the
            // distance to a code is within that of the distance to x.
            let bound = sq.steps.reduce(0) { $0 + $1 * $1 / 4 }.squareRoot() * 1.001
            let queries = data(count: 10, dimensions: d, seed: 99)
            for q in 0..<10 {
                let query = Array(queries[q * d..<(q + 1) * d])
                let queryNorm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
                for i in stride(from: 0, to: 200, by: 9) {
                    let vector = Array(samples[i * d..<(i + 1) * d])
                    let code = try sq.encode(vector)
                    let decoded = try sq.decode(code)
                    let l2 = try sq.distance(query: query, code: code, metric: .l2)
                    let ip = try sq.distance(query: query, code: code, metric: .innerProduct)
                    XCTAssertEqual(try sq.distance(query: query, code: code, metric: .cosine), ip)
                    // Exact against the reconstruction.
                    let toDecoded = VectorMetric.l2.distance(query, decoded)
                    XCTAssertEqual(Double(l2), toDecoded * toDecoded, accuracy: 1e-4 * max(1, toDecoded * toDecoded))
                    XCTAssertEqual(Double(ip), VectorMetric.innerProduct.distance(query, decoded),
                                   accuracy: 1e-4 * max(1, abs(Double(ip))))
                    // Close to the original.
                    let toVector = VectorMetric.l2.distance(query, vector)
                    XCTAssertEqual(Double(l2).squareRoot(), toVector, accuracy: Double(bound) + 1e-3)
                    XCTAssertEqual(Double(ip), VectorMetric.innerProduct.distance(query, vector),
                                   accuracy: Double(queryNorm * bound) + 1e-3)
                    // The pointer forms agree.
                    query.withUnsafeBufferPointer { qp in
                        code.withUnsafeBufferPointer { cp in
                            XCTAssertEqual(sq.squaredL2(query: qp.baseAddress!, code: cp.baseAddress!), l2)
                            XCTAssertEqual(-sq.dot(query: qp.baseAddress!, code: cp.baseAddress!), ip)
                        }
                    }
                }
            }
        }
    }

    func testChecksArguments() throws {
        expectError("at least 1 vector") { () throws(VectorError) in _ = try ScalarQuantizer.train(samples: [], count: 0, dimensions: 3) }
        expectError("at least one dimension") { () throws(VectorError) in _ = try ScalarQuantizer.train(samples: [], count: 1, dimensions: 0) }
        expectError("expected 2 vectors") { () throws(VectorError) in _ = try ScalarQuantizer.train(samples: [1, 2, 3], count: 2, dimensions: 2) }
        expectError("finite") { () throws(VectorError) in _ = try ScalarQuantizer.train(samples: [1, .nan], count: 1, dimensions: 2) }
        expectError("not a finite interval") { () throws(VectorError) in _ = try ScalarQuantizer(minimums: [2], maximums: [1]) }
        expectError("2 maximums") { () throws(VectorError) in _ = try ScalarQuantizer(minimums: [0], maximums: [1, 2]) }
        let sq = try ScalarQuantizer.train(samples: [0, 1, 2, 3], count: 2, dimensions: 2)
        expectError("expected 2 dimensions, not 3", sqlState: "22000") { () throws(VectorError) in _ = try sq.encode([1, 2, 3]) }
        expectError("1 bytes, expected 2") { () throws(VectorError) in _ = try sq.decode([1]) }
        expectError("expected 2 dimensions, not 1", sqlState: "22000") { () throws(VectorError) in
            _ = try sq.distance(query: [1], code: [0, 0], metric: .l2)
        }
        expectError("3 bytes, expected 2") { () throws(VectorError) in _ = try sq.distance(query: [1, 2], code: [0, 0, 0], metric: .l2) }
    }

    func testSerialization() throws {
        let sq = try ScalarQuantizer.train(samples: data(), count: 200, dimensions: 40)
        let bytes = sq.serialized()
        XCTAssertEqual(Array(bytes[0..<3]), [0x53, 0x51, ScalarQuantizer.formatVersion])
        XCTAssertEqual(bytes.count, 4 + 40 * 8)
        XCTAssertEqual(try ScalarQuantizer(serialized: bytes), sq)
        for length in 0..<bytes.count {
            expectError("corrupt scalar quantizer", sqlState: "XX001") { () throws(VectorError) in
                _ = try ScalarQuantizer(serialized: Array(bytes[0..<length]))
            }
        }
        expectError("not the size", sqlState: "XX001") { () throws(VectorError) in _ = try ScalarQuantizer(serialized: bytes + [1]) }
        expectError("not a scalar quantizer", sqlState: "XX001") { () throws(VectorError) in
            _ = try ScalarQuantizer(serialized: Array(ProductQuantizer.magic) + bytes.dropFirst(2))
        }
        expectError("format 2", sqlState: "XX001") { () throws(VectorError) in _ = try ScalarQuantizer(serialized: [0x53, 0x51, 2] + bytes.dropFirst(3)) }
        expectError("not the size", sqlState: "XX001") { () throws(VectorError) in
            var wrong = bytes
            wrong[3] = 39
            _ = try ScalarQuantizer(serialized: wrong)
        }
        expectError("at least one dimension", sqlState: "XX001") { () throws(VectorError) in _ = try ScalarQuantizer(serialized: [0x53, 0x51, 1, 0]) }
        // Minimum above maximum in dimension 0: 5 > 1.
        var writer = [UInt8]([0x53, 0x51, 1, 1])
        for v: Float in [5, 1] { withUnsafeBytes(of: v.bitPattern.littleEndian) { writer += $0 } }
        expectError("not a finite interval", sqlState: "XX001") { () throws(VectorError) in _ = try ScalarQuantizer(serialized: writer) }
    }
}

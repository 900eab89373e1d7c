import Core
@testable import Compression
import XCTest

final class ALPTests: XCTestCase {
    private func roundTrip(_ values: [Double], file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        let chunk = ColumnCodec.compress(doubles: values)
        let back = try ColumnCodec.decompressDoubles(chunk)
        XCTAssertEqual(back.map(\.bitPattern), values.map(\.bitPattern), file: file, line: line)
        return chunk
    }

    private func roundTrip(_ values: [Float], file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        let chunk = ColumnCodec.compress(floats: values)
        let back = try ColumnCodec.decompressFloats(chunk)
        XCTAssertEqual(back.map(\.bitPattern), values.map(\.bitPattern), file: file, line: line)
        return chunk
    }

    func testDecimalsBecomeSmallIntegers() throws {
        var rng = SplitMix64(seed: 1)
        let prices = (0..<50_000).map { _ in Double(rng.next() % 100_000) / 100 }
        let chunk = try roundTrip(prices)
        XCTAssertEqual(ColumnCodec.describe(chunk), "doubles/alp")
        // 17 bits per value for cents up to 1000.00, against 64.
        XCTAssertLessThan(chunk.count, 50_000 * 18 / 8)
    }

    func testSpecialValuesRoundTripAsExceptions() throws {
        var values: [Double] = (0..<3000).map { Double($0 % 97) / 10 }
        let specials: [Double] = [.nan, -.nan, Double(bitPattern: 0x7FF0_0000_0000_0001), Double(bitPattern: 0xFFF8_0000_DEAD_BEEF),
                                  .infinity, -.infinity, -0.0, 0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude,
                                  .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e300, 1e-300, .pi, 9_007_199_254_740_993]
        for (i, s) in specials.enumerated() { values[i * 150] = s }
        _ = try roundTrip(values)
        _ = try roundTrip(specials)
        _ = try roundTrip([Double]())
        _ = try roundTrip([-0.0] as [Double])
    }

    func testHighPrecisionValuesUseALPRD() throws {
        var rng = SplitMix64(seed: 2)
        let uniform = (0..<20_000).map { _ in Double(rng.next() >> 11) / Double(1 << 53) }
        let chunk = try roundTrip(uniform)
        XCTAssertEqual(ColumnCodec.describe(chunk), "doubles/alp_rd")
        XCTAssertLessThan(chunk.count, 20_000 * 8, "the shared exponent bits are saved")
    }

    func testFloatsIncludingSignalingNaNs() throws {
        var rng = SplitMix64(seed: 3)
        var temperatures = (0..<10_000).map { _ in Float(Int(rng.next() % 600) - 200) / 10 }
        temperatures[5] = Float(bitPattern: 0x7FA0_0001)  // signaling NaN: must not come back quieted
        temperatures[6] = -0.0
        temperatures[7] = .infinity
        let chunk = try roundTrip(temperatures)
        XCTAssertEqual(ColumnCodec.describe(chunk), "floats/alp")
        XCTAssertLessThan(chunk.count, 10_000 * 2)
        let noise = (0..<5000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next() >> 33) | 0x3C00_0000) }
        _ = try roundTrip(noise)
        // Asked to keep only savings of a fifth, random mantissas stay raw.
        let raw = ColumnCodec.compress(floats: noise, rawAbove: 0.8)
        XCTAssertEqual(ColumnCodec.describe(raw), "floats/raw")
        XCTAssertEqual(try ColumnCodec.decompressFloats(raw).map(\.bitPattern), noise.map(\.bitPattern))
        XCTAssertEqual(ColumnCodec.describe(ColumnCodec.compress(floats: temperatures, rawAbove: 0.8)), "floats/alp")
    }

    func testMostlyZeroVectorsStoreOutliersSparsely() throws {
        var values = [Double](repeating: 0, count: 100_000)
        for i in stride(from: 17, to: values.count, by: 2999) { values[i] = -12_345.67 * Double(i % 7 + 1) }
        let chunk = try roundTrip(values)
        XCTAssertLessThan(chunk.count, 2_000)
    }

    func testSeveralRowGroupsAndRaggedVectors() throws {
        var rng = SplitMix64(seed: 4)
        // A decimal row group, then a random one, then a short tail.
        let values = (0..<102_400).map { Double($0 % 1000) / 8 }
            + (0..<102_400).map { _ in Double(bitPattern: rng.next() >> 2) }
            + (0..<777).map { Double($0) * 0.1 }
        _ = try roundTrip(values)
    }
}

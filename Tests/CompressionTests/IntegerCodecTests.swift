import Core
@testable import Compression
import XCTest

final class IntegerCodecTests: XCTestCase {
    private func roundTrip(_ values: [Int64], file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        let chunk = ColumnCodec.compress(integers: values)
        XCTAssertEqual(try ColumnCodec.decompressIntegers(chunk), values, file: file, line: line)
        return chunk
    }

    func testLayoutsAreChosenByShape() throws {
        let ids = (0..<10_000).map { Int64(1_000_000 + 3 * $0) }
        XCTAssertEqual(ColumnCodec.describe(try roundTrip(ids)), "integers/delta")
        let status = (0..<10_000).map { Int64($0 / 2500) }
        XCTAssertEqual(ColumnCodec.describe(try roundTrip(status)), "integers/runs")
        var rng = SplitMix64(seed: 1)
        let codes = (0..<10_000).map { _ in [Int64(-7), 1_000_000_007, 42][Int(rng.next() % 3)] }
        XCTAssertEqual(ColumnCodec.describe(try roundTrip(codes)), "integers/dictionary")
        let small = (0..<10_000).map { _ in Int64(rng.next() % 100) }
        let chunk = try roundTrip(small)
        XCTAssertEqual(ColumnCodec.describe(chunk), "integers/frame")
        XCTAssertLessThan(chunk.count, 10_000 * 7 / 8 + 100)
    }

    func testExtremesRoundTrip() throws {
        _ = try roundTrip([])
        _ = try roundTrip([Int64.min])
        _ = try roundTrip([Int64.min, Int64.max, 0, -1, 1, Int64.max, Int64.min])
        var rng = SplitMix64(seed: 2)
        _ = try roundTrip((0..<5000).map { _ in Int64(bitPattern: rng.next()) })
        _ = try roundTrip((0..<3000).map { $0 % 2 == 0 ? Int64.min : Int64.max })
    }
}

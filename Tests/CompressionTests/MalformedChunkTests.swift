import Core
@testable import Compression
import XCTest

/// Every decoder refuses what it cannot read, with an error, never a trap:
/// every truncation of a valid chunk, and many corruptions of each byte.
final class MalformedChunkTests: XCTestCase {
    private var chunks: [(String, [UInt8])] {
        var rng = SplitMix64(seed: 5)
        let words = ["alpha", "beta", "gamma", "delta", "epsilon"]
        let text = ByteStrings(strings: (0..<300).map { _ in
            (0..<4).map { _ in words[Int(rng.next() % 5)] }.joined(separator: " ")
        })
        let cities = ByteStrings(strings: (0..<300).map { ["x", "yy", "zzz"][$0 % 3] })
        return [
            ("fsst", ColumnCodec.compress(strings: text)),
            ("dictionary", ColumnCodec.compress(strings: cities)),
            ("plain", ColumnCodec.compress(strings: ByteStrings([[1, 2, 3], [255]]))),
            ("alp", ColumnCodec.compress(doubles: (0..<2100).map { Double($0 % 50) / 4 })),
            ("alp_rd", ColumnCodec.compress(doubles: (0..<1100).map { _ in Double(bitPattern: rng.next() >> 2) })),
            ("floats", ColumnCodec.compress(floats: (0..<1100).map { Float($0) / 3 })),
            ("delta", ColumnCodec.compress(integers: (0..<2100).map { Int64($0) * 5 })),
            ("runs", ColumnCodec.compress(integers: (0..<2100).map { Int64($0 / 500) })),
            ("dict ints", ColumnCodec.compress(integers: (0..<2100).map { [Int64(9), -4][$0 % 2] })),
            ("sparse", ColumnCodec.compress(integers: (0..<2100).map { $0 % 700 == 0 ? 1 << 40 : 3 })),
            ("no strings", ColumnCodec.compress(strings: ByteStrings())),
            ("no doubles", ColumnCodec.compress(doubles: [])),
            ("no integers", ColumnCodec.compress(integers: [])),
            ("one float", ColumnCodec.compress(floats: [0.5])),
            ("raw floats", ColumnCodec.compress(floats: (0..<1100).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next() >> 34)) },
                                                rawAbove: 0.8)),
        ]
    }

    private func decode(_ chunk: [UInt8]) throws {
        switch chunk.first {
        case 1: _ = try ColumnCodec.decompressIntegers(chunk)
        case 2: _ = try ColumnCodec.decompressDoubles(chunk)
        case 3: _ = try ColumnCodec.decompressFloats(chunk)
        default: _ = try ColumnCodec.decompressStrings(chunk)
        }
    }

    func testEveryTruncationIsRefused() {
        for (name, chunk) in chunks {
            XCTAssertNoThrow(try decode(chunk), name)
            for length in 0..<chunk.count {
                XCTAssertThrowsError(try decode(Array(chunk[0..<length])), "\(name) cut to \(length) bytes")
            }
            XCTAssertThrowsError(try decode(chunk + [0]), "\(name) with a trailing byte")
        }
    }

    func testCorruptBytesNeverTrap() {
        var rng = SplitMix64(seed: 6)
        for (_, chunk) in chunks {
            for _ in 0..<400 {
                var bad = chunk
                let i = Int(rng.next() % UInt64(bad.count))
                bad[i] = UInt8(truncatingIfNeeded: rng.next())
                _ = try? decode(bad)  // an error or some values; never a crash
            }
        }
    }

    func testWrongKindAndForgedCountsAreRefused() {
        let doubles = ColumnCodec.compress(doubles: [1.5, 2.5])
        XCTAssertThrowsError(try ColumnCodec.decompressFloats(doubles))
        XCTAssertThrowsError(try ColumnCodec.decompressStrings([4, 9]))
        XCTAssertThrowsError(try ColumnCodec.decompressIntegers([1, 7]))
        // A count of 2^40 values in a few bytes: refused, not allocated.
        XCTAssertThrowsError(try ColumnCodec.decompressDoubles([2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0]))
        XCTAssertThrowsError(try ColumnCodec.decompressIntegers([1, 2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 1, 0, 0]))
        XCTAssertThrowsError(try ColumnCodec.decompressStrings([4, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0]))
    }

    func testReviewFindingsStayFixed() {
        // A dictionary nested in a dictionary (the writer nests one plain or
        // FSST chunk): refused, not recursed into until the stack ends.
        var nested: [UInt8] = [4]
        for _ in 0..<50_000 { nested += [2, 1] }
        XCTAssertThrowsError(try ColumnCodec.decompressStrings(nested))
        // Run lengths that wrap around to the count.
        var runs = ChunkWriter()
        runs.u8(1); runs.u8(IntegerCodecs.Layout.runs.rawValue); runs.count(2); runs.count(2)
        [Int64(5), 6].withUnsafeBufferPointer { runs.frameOfReference($0) }
        runs.packed([(1 << 63) + 1, (1 << 63) + 1])
        XCTAssertThrowsError(try ColumnCodec.decompressIntegers(runs.bytes))
        // A count above the chunk limit.
        var big = ChunkWriter()
        big.u8(1); big.u8(IntegerCodecs.Layout.runs.rawValue); big.count(ColumnCodec.maxValues + 1)
        XCTAssertThrowsError(try ColumnCodec.decompressIntegers(big.bytes))
    }
}

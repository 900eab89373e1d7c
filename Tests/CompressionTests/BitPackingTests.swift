import Core
@testable import Compression
import XCTest

final class BitPackingTests: XCTestCase {
    func testRoundTripEveryWidth() {
        var rng = SplitMix64(seed: 7)
        for width in 0...64 {
            for count in [0, 1, 7, 63, 64, 65, 1000] {
                let mask: UInt64 = width == 64 ? .max : (1 << UInt64(width)) - 1
                let values = (0..<count).map { _ in rng.next() & mask }
                var bytes: [UInt8] = []
                BitPacking.pack(values, width: width, into: &bytes)
                XCTAssertEqual(bytes.count, BitPacking.byteCount(count: count, width: width))
                let back = bytes.withUnsafeBytes { BitPacking.unpack($0, count: count, width: width) }
                XCTAssertEqual(back, values, "width \(width), count \(count)")
            }
        }
    }
}

import Core
@testable import Compression
import XCTest

final class CodecFileTests: XCTestCase {
    private func roundTrip(_ input: [UInt8], _ kind: CodecFile.Kind, file: StaticString = #filePath, line: UInt = #line) throws {
        let packed = try CodecFile.compress(input, kind: kind)
        XCTAssertEqual(try CodecFile.decompress(packed, kind: kind), input, file: file, line: line)
    }

    func testLinesRoundTripByteForByte() throws {
        try roundTrip([], .strings)
        try roundTrip(Array("\n".utf8), .strings)
        try roundTrip(Array("\n\n\n".utf8), .strings)
        try roundTrip(Array("one\ntwo\n\nthree\n".utf8), .strings)
        try roundTrip(Array("no final newline".utf8), .strings)
        try roundTrip(Array("a\nb\nlast".utf8), .strings)
        try roundTrip([0, 255, 10, 13, 10, 0], .strings)
    }

    func testRawFloatsRoundTrip() throws {
        let doubles: [Double] = [1.25, -0.0, .nan, 3e-310, 19.99]
        try roundTrip(doubles.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }, .f64)
        let floats: [Float] = [1.5, .infinity, -2.25]
        try roundTrip(floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }, .f32)
        try roundTrip([], .f64)
    }

    func testBadFilesAreRefused() throws {
        XCTAssertThrowsError(try CodecFile.compress([1, 2, 3], kind: .f64), "not whole values")
        XCTAssertThrowsError(try CodecFile.decompress(Array("nope!!".utf8), kind: .strings))
        let packed = try CodecFile.compress(Array("x\ny\n".utf8), kind: .strings)
        XCTAssertThrowsError(try CodecFile.decompress(packed, kind: .f64), "wrong kind")
        for length in 0..<packed.count where length != 6 {
            XCTAssertThrowsError(try CodecFile.decompress(Array(packed[0..<length]), kind: .strings), "cut to \(length)")
        }
        var forged = packed
        forged[6 + 7] = 0x80  // a chunk length past the end
        XCTAssertThrowsError(try CodecFile.decompress(forged, kind: .strings))
    }
}

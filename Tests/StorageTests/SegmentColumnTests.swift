import Compression
import Core
@testable import Storage
import XCTest

/// Checkpoint segments compress each column (`SegmentColumn`): every kind
/// of value comes back as it was, mixed columns fall back to plain values,
/// segments of format 1 (plain) still read, and damage is refused.
final class SegmentColumnTests: XCTestCase {
    private func roundTrip(_ values: [Value], file: StaticString = #filePath, line: UInt = #line) throws -> SegmentColumn.Encoding {
        var w = ByteWriter()
        let (encoding, _) = SegmentColumn.write(values, into: &w)
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try SegmentColumn.read(count: values.count, from: &r), values, file: file, line: line)
        XCTAssertTrue(r.isAtEnd, file: file, line: line)
        return encoding
    }

    func testEveryKindRoundTripsWithNulls() throws {
        XCTAssertEqual(try roundTrip((0..<3000).map { $0 % 10 == 0 ? .null : .integer(Int64($0) * 7) }), .integers)
        XCTAssertEqual(try roundTrip((0..<3000).map { .double(Double($0 % 500) / 100) }), .doubles)
        XCTAssertEqual(try roundTrip(many([.double(.nan), .double(-0.0), .null, .double(.infinity)])), .doubles)
        XCTAssertEqual(try roundTrip((0..<3000).map { $0 % 7 == 0 ? .null : .text("customer #\($0 % 300) — café") }), .text)
        XCTAssertEqual(try roundTrip(many([.boolean(true), .null, .boolean(false)])), .booleans)
        XCTAssertEqual(try roundTrip(many([.date(19_000), .date(-5), .null])), .dates)
        XCTAssertEqual(try roundTrip(many([.timestamp(1_700_000_000_000_000, zoned: true), .null, .timestamp(0, zoned: true)])), .timestamps)
        XCTAssertEqual(try roundTrip(many([.vector([1.5, -2, 0.25]), .null, .vector([]), .vector([3, 4])])), .vectors)
        XCTAssertEqual(try roundTrip(many([.text(""), .text(""), .null])), .text)
        XCTAssertEqual(try roundTrip([.text("a"), .null, .double(1)]), .plain, "a few values stay plain when that is smaller")
    }

    /// The values repeated up to 300 or more (typed encodings pay off past a few).
    private func many(_ values: [Value]) -> [Value] { Array(repeating: values, count: 300 / values.count + 1).flatMap { $0 } }

    func testMixedOrOtherKindsArePlain() throws {
        XCTAssertEqual(try roundTrip([.integer(1), .text("one")]), .plain)
        XCTAssertEqual(try roundTrip([.timestamp(1, zoned: true), .timestamp(2, zoned: false)]), .plain)
        XCTAssertEqual(try roundTrip([.uuid(1, 2), .bytes([0, 255]), .null]), .plain)
        XCTAssertEqual(try roundTrip([]), .plain)
        XCTAssertEqual(try roundTrip([.null, .null]), .plain)
    }

    func testTextAndNumbersShrink() {
        var w = ByteWriter()
        let words = ["shipped", "pending", "returned", "lost in transit"]
        let text: [Value] = (0..<10_000).map { .text("order \($0 % 977) \(words[$0 % 4])") }
        SegmentColumn.write(text, into: &w)
        var plain = ByteWriter()
        for v in text { plain.value(v) }
        XCTAssertLessThan(w.count * 2, plain.count, "text at least halves")
        w = ByteWriter()
        plain = ByteWriter()
        let prices: [Value] = (0..<10_000).map { .double(Double($0 * 37 % 100_000) / 100) }
        SegmentColumn.write(prices, into: &w)
        for v in prices { plain.value(v) }
        XCTAssertLessThan(w.count * 3, plain.count, "two-decimal doubles shrink threefold")
    }

    func testSegmentsOfBothFormatsRead() throws {
        let rows: [Row] = (0..<50).map { [.integer(Int64($0)), .text("name \($0)"), .double(Double($0) / 4)] }
        let image = TableImage(branch: .main, table: 7, keys: rows.map { RowKey([$0[0]]) },
                               history: ContiguousArray(rows.map { [(SCN(5), $0)] }))
        let current = CheckpointFiles.segment(image)
        XCTAssertEqual(current[CheckpointFiles.segmentMagic.count], 3)
        let back = try CheckpointFiles.readSegment(current, name: "t")
        XCTAssertEqual(back.history.map { $0.map(\.row) }, image.history.map { $0.map(\.row) })
        // The same segment as format 1 wrote it: each value plain.
        var w = segmentHeader(format: 1, rows)
        for column in 0..<3 { for row in rows { w.value(row[column]) } }
        w.u32(CRC32C.checksum(w.bytes))
        let old = try CheckpointFiles.readSegment(w.bytes, name: "old")
        XCTAssertEqual(old.history.map { $0.map(\.row) }, image.history.map { $0.map(\.row) })
        // Format 2: one null-flags chunk per column, then pieces of values.
        w = segmentHeader(format: 2, rows)
        let noNulls = ColumnCodec.compress(integers: [Int64](repeating: 0, count: rows.count))
        w.u8(SegmentColumn.Encoding.integers.rawValue); w.bytes(noNulls); w.count(1)
        w.bytes(ColumnCodec.compress(integers: rows.map { if case .integer(let v) = $0[0] { v } else { 0 } }))
        w.u8(SegmentColumn.Encoding.text.rawValue); w.bytes(noNulls); w.count(1)
        w.bytes(ColumnCodec.compress(strings: ByteStrings(strings: rows.map { if case .text(let v) = $0[1] { v } else { "" } })))
        w.u8(SegmentColumn.Encoding.plain.rawValue)
        for row in rows { w.value(row[2]) }
        w.u32(CRC32C.checksum(w.bytes))
        let format2 = try CheckpointFiles.readSegment(w.bytes, name: "format 2")
        XCTAssertEqual(format2.history.map { $0.map(\.row) }, image.history.map { $0.map(\.row) })
    }

    /// A segment as the given format writes it, up to its columns: one
    /// version (SCN 5) per row, keyed by the first value, 3 columns.
    private func segmentHeader(format: UInt8, _ rows: [Row]) -> ByteWriter {
        var w = ByteWriter()
        w.raw(CheckpointFiles.segmentMagic)
        w.u8(format)
        w.u64(BranchID.main.rawValue); w.u64(7)
        w.count(rows.count)
        for row in rows { w.rowKey(RowKey([row[0]])) }
        for _ in rows { w.count(1) }
        for _ in rows { w.varint(5) }
        for _ in rows { w.bool(true) }
        for row in rows { w.count(row.count) }
        w.count(3)
        return w
    }

    func testDamagedColumnsAreRefused() throws {
        var w = ByteWriter()
        let values: [Value] = (0..<500).map { $0 % 9 == 0 ? .null : .text("value \($0 % 40)") }
        SegmentColumn.write(values, into: &w)
        let bytes = w.bytes
        for length in 0..<bytes.count {
            var r = ByteReader(Array(bytes[0..<length]))
            XCTAssertThrowsError(try SegmentColumn.read(count: values.count, from: &r), "cut to \(length)")
        }
        var r = ByteReader(bytes)
        XCTAssertThrowsError(try SegmentColumn.read(count: values.count + 1, from: &r), "a count the nulls do not match")
        var tag = bytes
        tag[0] = 99
        r = ByteReader(tag)
        XCTAssertThrowsError(try SegmentColumn.read(count: values.count, from: &r))
    }

    func testPiecesSplitLongColumnsNullFlagsIncluded() throws {
        let values: [Value] = (0..<1000).map { $0 % 3 == 0 ? .null : .integer(Int64($0)) }
        var w = ByteWriter()
        let (encoding, codecs) = SegmentColumn.write(values, pieceValues: 64, into: &w)
        XCTAssertEqual(encoding, .integers)
        XCTAssertEqual(codecs.count, 16, "a values chunk per piece (its flags chunk is not reported)")
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try SegmentColumn.read(count: values.count, from: &r), values)
        r = ByteReader(w.bytes)
        XCTAssertThrowsError(try SegmentColumn.read(count: values.count - 1, from: &r), "more values than the column holds")
    }

    func testAllNullsAndTinyColumns() throws {
        let nulls = [Value](repeating: .null, count: 5000)
        XCTAssertEqual(try roundTrip(nulls), .integers)
        var w = ByteWriter()
        SegmentColumn.write(nulls, into: &w)
        XCTAssertLessThan(w.count, 40, "a column of NULLs is one run of flags")
        XCTAssertEqual(try roundTrip([.integer(1), .integer(2)]), .plain, "two values are smaller plain")
    }

    func testFloatCodecsOfEveryRowGroupAreReported() {
        var rng = SplitMix64(seed: 3)
        let values: [Value] = (0..<102_400).map { .double(Double($0 % 1000) / 100) }
            + (0..<102_400).map { _ in .double(Double(bitPattern: rng.next() >> 2)) }
        XCTAssertEqual(SegmentColumn.measure(values).codecs.filter { $0.hasPrefix("doubles") }, ["doubles/alp", "doubles/alp_rd"])
    }
}

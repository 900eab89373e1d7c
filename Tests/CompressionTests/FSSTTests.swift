import Core
@testable import Compression
import XCTest

final class FSSTTests: XCTestCase {
    private func roundTrip(_ strings: ByteStrings, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        let chunk = ColumnCodec.compress(strings: strings)
        XCTAssertEqual(try ColumnCodec.decompressStrings(chunk), strings, file: file, line: line)
        return chunk
    }

    private func words(_ n: Int, seed: UInt64) -> ByteStrings {
        var rng = SplitMix64(seed: seed)
        let vocabulary = ["furiously", "regular", "deposits", "sleep", "quickly", "final", "accounts", "ironic",
                          "packages", "haggle", "blithely", "pending", "requests", "among", "the", "carefully"]
        return ByteStrings(strings: (0..<n).map { _ in
            (0..<(3 + Int(rng.next() % 6))).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }
                .joined(separator: " ")
        })
    }

    func testTextCompressesAndRoundTrips() throws {
        let strings = words(5000, seed: 1)
        let chunk = try roundTrip(strings)
        XCTAssertEqual(ColumnCodec.describe(chunk), "strings/fsst")
        XCTAssertLessThan(Double(chunk.count), Double(strings.totalBytes) / 2.5, "repetitive text compresses well")
    }

    func testEdgeValuesRoundTrip() throws {
        _ = try roundTrip(ByteStrings())
        _ = try roundTrip(ByteStrings(strings: [""]))
        _ = try roundTrip(ByteStrings(strings: ["", "", "a", ""]))
        _ = try roundTrip(ByteStrings(strings: Array(repeating: "", count: 300)))
        _ = try roundTrip(ByteStrings(strings: Array(repeating: "same", count: 300)))
        // Every byte value, the escape byte included, and values shorter than a word.
        _ = try roundTrip(ByteStrings([Array(0...255)]))
        _ = try roundTrip(ByteStrings([[255], [0], [255, 255, 0]]))
        _ = try roundTrip(ByteStrings([Array(repeating: 255, count: 300)]))
        _ = try roundTrip(ByteStrings(strings: ["日本語のテキスト", "Grüße", "🙂🙃", String(repeating: "x", count: 100_000)]))
        var rng = SplitMix64(seed: 9)
        let random = ByteStrings((0..<2000).map { _ in (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } })
        let chunk = try roundTrip(random)
        XCTAssertLessThanOrEqual(chunk.count, random.totalBytes + 4 * random.count, "incompressible data stays near its size")
    }

    func testSmallAlphabetUsesLongSymbols() throws {
        var rng = SplitMix64(seed: 3)
        let dna = ByteStrings(strings: (0..<20000).map { _ in
            String((0..<9).map { _ in "acgt".randomElement(using: &rng)! })
        })
        let chunk = try roundTrip(dna)
        // 18 bits of entropy per 9-byte value: 3 codes per value is a ratio of 3.
        XCTAssertGreaterThan(Double(dna.totalBytes) / Double(chunk.count), 2.4)
    }

    func testEachValueEncodesOnItsOwn() {
        let strings = words(500, seed: 2)
        let table = FSSTSymbolTable.build(from: strings)
        let all = StringCodecs.encodeFSST(strings, table: table)
        for i in stride(from: 0, to: strings.count, by: 37) {
            let alone = StringCodecs.encodeFSST(ByteStrings([strings[i]]), table: table)
            XCTAssertEqual(alone[0], all[i])
            let decoded = alone.bytes.withUnsafeBytes {
                try? StringCodecs.decodeFSST($0, lengths: [UInt64(alone.totalBytes)], table: table,
                                             decodedTotal: strings[i].count)
            }
            XCTAssertEqual(decoded?[0], strings[i])
        }
    }

    func testTableSerializationRoundTrips() throws {
        let table = FSSTSymbolTable.build(from: words(1000, seed: 4))
        XCTAssertGreaterThan(table.count, 50)
        var out = ChunkWriter()
        table.write(to: &out)
        let back = try readingAll(out.bytes) { (r) throws(CompressionError) in try FSSTSymbolTable.read(from: &r) }
        XCTAssertEqual(back.symbols, table.symbols)
        XCTAssertEqual(back.lengths, table.lengths)
    }

    func testMalformedTablesAreRefused() {
        func read(_ bytes: [UInt8]) -> CompressionError? {
            do { _ = try readingAll(bytes) { (r) throws(CompressionError) in try FSSTSymbolTable.read(from: &r) }; return nil }
            catch { return error }
        }
        XCTAssertNotNil(read([]))
        XCTAssertNotNil(read([2, 1, 65]), "second symbol missing")
        XCTAssertNotNil(read([1, 0]), "zero-length symbol")
        XCTAssertNotNil(read([1, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9]), "nine-byte symbol")
        XCTAssertNotNil(read([255] + [UInt8](repeating: 0, count: 10)), "255 symbols promised, none given")
        XCTAssertNil(read([1, 2, 65, 66]))
    }

    func testMalformedCodesAreRefused() throws {
        let table = FSSTSymbolTable(symbols: [Array("ab".utf8), Array("c".utf8)])!
        func decode(_ body: [UInt8], lengths: [UInt64], total: Int) -> Result<ByteStrings, CompressionError> {
            body.withUnsafeBytes { raw in
                Result { () throws(CompressionError) in
                    try StringCodecs.decodeFSST(raw, lengths: lengths, table: table, decodedTotal: total)
                }
            }
        }
        XCTAssertEqual(try decode([0, 1, 255, 90], lengths: [4], total: 4).get()[0], Array("abcZ".utf8)[...])
        XCTAssertThrowsError(try decode([2], lengths: [1], total: 8).get(), "code past the table")
        XCTAssertThrowsError(try decode([0, 255], lengths: [2], total: 8).get(), "escape with no byte")
        XCTAssertThrowsError(try decode([0, 0], lengths: [2], total: 3).get(), "more bytes than declared")
        XCTAssertThrowsError(try decode([0], lengths: [1], total: 5).get(), "fewer bytes than declared")
    }

    func testDictionaryLayoutForRepeatedValues() throws {
        let cities = ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Groningen"]
        let strings = ByteStrings(strings: (0..<10000).map { cities[($0 * 7) % cities.count] })
        let chunk = try roundTrip(strings)
        XCTAssertEqual(ColumnCodec.describe(chunk), "strings/dictionary")
        XCTAssertLessThan(chunk.count, 10000 / 2 + 200, "3-bit codes")
    }
}

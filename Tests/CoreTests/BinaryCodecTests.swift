@testable import Core
import XCTest

final class BinaryCodecTests: XCTestCase {
    // MARK: - Fixtures

    private func json(_ text: String) -> JSONDocument {
        try! JSONDocument.parse(text).normalized()
    }

    private var sampleValues: [Value] {
        var big = [UInt8](repeating: 0, count: 100_000)
        for i in big.indices { big[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
        return [
            .null,
            .boolean(true), .boolean(false),
            .integer(0), .integer(1), .integer(-1), .integer(63), .integer(-64), .integer(64),
            .integer(Int64.max), .integer(Int64.min), .integer(Int64.min + 1),
            .double(0), .double(-0.0), .double(.nan), .double(-.nan), .double(.signalingNaN),
            .double(Double(bitPattern: 0x7FF8_0000_DEAD_BEEF)),
            .double(.infinity), .double(-.infinity), .double(.leastNonzeroMagnitude),
            .double(.greatestFiniteMagnitude), .double(3.141592653589793), .double(-1e-300),
            .text(""), .text("hello"), .text("a\u{0}b\u{0}"), .text("héllo wörld ✓ 日本語 🇨🇭👩‍👩‍👧"),
            .text("e\u{301}"), .text(String(repeating: "xyz", count: 10_000)),
            .date(0), .date(-719_528), .date(2_932_896), .date(Int64.min), .date(Int64.max),
            .timestamp(0, zoned: false), .timestamp(1_700_000_000_123_456, zoned: true),
            .timestamp(-62_135_596_800_000_000, zoned: false), .timestamp(Int64.max, zoned: true),
            .interval(Interval()), .interval(Interval(months: 14, days: -3, micros: 3_723_000_001)),
            .interval(Interval(months: Int32.min, days: Int32.max, micros: Int64.min)),
            .uuid(0, 0), .uuid(0xA0EE_BC99_9C0B_4EF8, 0xBB6D_6BB9_BD38_0A11), .uuid(.max, .max),
            .bytes([]), .bytes([0]), .bytes([0xFF, 0x00, 0x80]), .bytes(big),
            .json(json("null")), .json(json("true")), .json(json("1.50")), .json(json("-12e3")),
            .json(json("\"x\\u0001y\\\"\\\\ ✓\"")),
            .json(json(#"{"b": [1, 2, {"z": null, "a": [[], {}]}], "a": "s", "a": "dup", "long key": {"k": [true, false, 0.000001]}}"#)),
            .json(json(String(repeating: "[", count: 200) + String(repeating: "]", count: 200))),
            .json(.object([.init("nul", .string("a\u{0}b"))])),
            .jsonText(""), .jsonText(#"{"a":  [1,  2], "a": 3}"#), .jsonText("  1e5 "),
            .vector([1]), .vector([1, 2.5, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -1e-30]),
            .vector((0..<1536).map { Float($0) / 7 }), .vector([.nan, .infinity, -.infinity]), .vector([]),
        ]
    }

    private func richSchema() -> TableSchema {
        var schema = TableSchema(
            id: UInt64.max - 7, name: "orders ✓",
            columns: [
                ColumnSchema(name: "id", type: .bigint, notNull: true, serial: true),
                ColumnSchema(name: "small", type: .smallint, defaultValue: .integer(-5)),
                ColumnSchema(name: "i", type: .integer, notNull: true, defaultValue: .integer(Int64.min)),
                ColumnSchema(name: "d", type: .double, defaultValue: .double(-0.0)),
                ColumnSchema(name: "t", type: .text, defaultValue: .text("")),
                ColumnSchema(name: "b", type: .boolean, defaultValue: .null),
                ColumnSchema(name: "day", type: .date, defaultValue: .date(19_000)),
                ColumnSchema(name: "ts", type: .timestamp, defaultValue: .timestamp(5, zoned: false)),
                ColumnSchema(name: "tz", type: .timestampWithTimeZone, notNull: true, defaultValue: .timestamp(6, zoned: true)),
                ColumnSchema(name: "iv", type: .interval, defaultValue: .interval(Interval(months: 1, days: 2, micros: 3))),
                ColumnSchema(name: "u", type: .uuid, defaultValue: .uuid(1, 2)),
                ColumnSchema(name: "raw", type: .bytea, defaultValue: .bytes([1, 2, 3])),
                ColumnSchema(name: "j", type: .json, defaultValue: .jsonText("{}")),
                ColumnSchema(name: "jb", type: .jsonb, defaultValue: .json(json(#"{"a": [1]}"#))),
                ColumnSchema(name: "emb", type: .vector(dimensions: 3), notNull: true, defaultValue: .vector([0, 0.5, -1])),
                ColumnSchema(name: "any_emb", type: .vector(dimensions: 0)),
                ColumnSchema(name: "big_emb", type: .vector(dimensions: 16000)),
            ],
            primaryKey: [0, 2],
            indexes: [
                IndexSchema(name: "orders_t", columns: [4], unique: false),
                IndexSchema(name: "orders_u", columns: [10, 6, 4], unique: true, method: "hash"),
                IndexSchema(name: "orders_vec", columns: [3], unique: false, method: "hnsw",
                            options: ["m": "16", "ef_construction": "64", "": "empty", "zz": ""]),
            ],
            viewQuery: "SELECT * FROM t WHERE x = 'a\u{0}b'",
            checks: [CheckConstraint(name: "positive", condition: "i > 0"),
                     CheckConstraint(name: "", condition: "")],
            foreignKeys: [
                ForeignKeySchema(name: "fk1", columns: [2], referencedTable: "customers", referencedColumns: ["id"],
                                 onDelete: .cascade, onUpdate: .noAction),
                ForeignKeySchema(name: "fk2", columns: [4, 10], referencedTable: "things", referencedColumns: ["a", "b"],
                                 onDelete: .setNull, onUpdate: .restrict),
                ForeignKeySchema(name: "fk3", columns: [], referencedTable: "", referencedColumns: [],
                                 onDelete: .setDefault, onUpdate: .setDefault),
            ])
        schema.readSCN = SCN(42)
        var created = ColumnSchema(name: "created", type: .timestampWithTimeZone)
        created.defaultExpression = "now()"
        schema.columns.append(created)
        return schema
    }

    private func minimalSchema() -> TableSchema {
        TableSchema(id: 0, name: "", columns: [], primaryKey: [])
    }

    private func encode(_ body: (inout ByteWriter) -> Void) -> [UInt8] {
        var w = ByteWriter()
        body(&w)
        return w.bytes
    }

    /// Same value, and for doubles the same bit pattern (== equates NaNs and ±0).
    private func assertIdentical(_ a: Value, _ b: Value, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a, b, file: file, line: line)
        switch (a, b) {
        case let (.double(x), .double(y)):
            XCTAssertEqual(x.bitPattern, y.bitPattern, file: file, line: line)
        case let (.text(x), .text(y)), let (.jsonText(x), .jsonText(y)):
            XCTAssertEqual(Array(x.utf8), Array(y.utf8), file: file, line: line)
        case let (.json(x), .json(y)):
            XCTAssertEqual(x.description, y.description, file: file, line: line)
        case let (.vector(x), .vector(y)):
            XCTAssertEqual(x.map(\.bitPattern), y.map(\.bitPattern), file: file, line: line)
        default: break
        }
    }

    // MARK: - Primitives

    func testPrimitiveRoundTripsAndLayout() throws {
        var w = ByteWriter(capacity: 0)
        w.u8(0xAB); w.u32(0x0102_0304); w.u64(0x0102_0304_0506_0708); w.i64(-2)
        w.bool(true); w.bool(false); w.double(-0.0); w.string("ü"); w.bytes([9, 8])
        XCTAssertEqual(Array(w.bytes[1..<5]), [4, 3, 2, 1])
        XCTAssertEqual(Array(w.bytes[5..<13]), [8, 7, 6, 5, 4, 3, 2, 1])
        XCTAssertEqual(Array(w.bytes[13..<21]), [0xFE] + [UInt8](repeating: 0xFF, count: 7))
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try r.u8(), 0xAB)
        XCTAssertEqual(try r.u32(), 0x0102_0304)
        XCTAssertEqual(try r.u64(), 0x0102_0304_0506_0708)
        XCTAssertEqual(try r.i64(), -2)
        XCTAssertEqual(try r.bool(), true)
        XCTAssertEqual(try r.bool(), false)
        XCTAssertEqual(try r.double().bitPattern, (-0.0).bitPattern)
        XCTAssertEqual(try r.string(), "ü")
        XCTAssertEqual(try r.bytes(), [9, 8])
        XCTAssertTrue(r.isAtEnd)
        XCTAssertThrowsError(try r.u8())
    }

    func testVarints() throws {
        let cases: [(UInt64, [UInt8])] = [
            (0, [0]), (1, [1]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]),
            (UInt64.max, [UInt8](repeating: 0xFF, count: 9) + [0x01]),
        ]
        for (v, expected) in cases {
            XCTAssertEqual(encode { $0.varint(v) }, expected, "\(v)")
            var r = ByteReader(expected)
            XCTAssertEqual(try r.varint(), v)
            XCTAssertTrue(r.isAtEnd)
        }
        for v: Int64 in [0, -1, 1, -64, 63, 64, Int64.max, Int64.min] {
            var r = ByteReader(encode { $0.zigzag(v) })
            XCTAssertEqual(try r.zigzag(), v)
        }
        XCTAssertEqual(encode { $0.zigzag(-1) }, [1])
        XCTAssertEqual(encode { $0.zigzag(1) }, [2])
        // Eleven bytes, or a tenth byte with more than bit 63: corrupt.
        var long = ByteReader([UInt8](repeating: 0x80, count: 10) + [0x00])
        XCTAssertThrowsError(try long.varint())
        var overflow = ByteReader([UInt8](repeating: 0xFF, count: 9) + [0x02])
        XCTAssertThrowsError(try overflow.varint())
        var truncated = ByteReader([0x80, 0x80])
        XCTAssertThrowsError(try truncated.varint())
    }

    func testSliceReaderStartsAtSliceStart() throws {
        let bytes: [UInt8] = [0xEE, 0xEE] + encode { $0.string("abc"); $0.u32(7) } + [0xEE]
        var r = ByteReader(bytes[2..<(bytes.count - 1)])
        XCTAssertEqual(try r.string(), "abc")
        XCTAssertEqual(r.offset, 4)
        XCTAssertEqual(try r.u32(), 7)
        XCTAssertTrue(r.isAtEnd)
        XCTAssertThrowsError(try r.u8())
    }

    func testSetU32AndRaw() throws {
        var w = ByteWriter()
        w.u32(0); w.raw([1, 2, 3]); w.setU32(0xDEAD_BEEF, at: 0)
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try r.u32(), 0xDEAD_BEEF)
        XCTAssertEqual(Array(try r.raw(count: 3)), [1, 2, 3])
        XCTAssertThrowsError(try r.raw(count: 1))
    }

    // MARK: - Values, rows, keys

    func testEveryValueRoundTrips() throws {
        for v in sampleValues {
            let bytes = encode { $0.value(v) }
            let decoded = try BinaryCodec.decode(bytes) { (r: inout ByteReader) throws(CodecError) in try r.value() }
            assertIdentical(v, decoded)
        }
    }

    func testEveryValueCaseHasADistinctTag() {
        let tags = Set(sampleValues.map { v in encode { $0.value(v) }[0] })
        XCTAssertEqual(tags, Set(0...12))
    }

    func testCompactIntegers() {
        XCTAssertEqual(encode { $0.value(.integer(5)) }, [2, 10])
        XCTAssertEqual(encode { $0.value(.null) }, [0])
        XCTAssertEqual(encode { $0.value(.integer(Int64.min)) }.count, 11)
    }

    func testJSONWithNULAndDeepNesting() throws {
        let nul = Value.json(.object([.init("k", .string("\u{0}"))]))
        let decoded = try BinaryCodec.decode(encode { $0.value(nul) }) { (r: inout ByteReader) throws(CodecError) in try r.value() }
        guard case .json(.object(let members)) = decoded else { return XCTFail("\(decoded)") }
        XCTAssertEqual(members.first?.value, .string("\u{0}"))
        // Encoded JSON that is not JSON is corrupt, not a crash.
        var w = ByteWriter(); w.u8(ValueTag.json.rawValue); w.string("{\"a\": ")
        var r = ByteReader(w.bytes)
        XCTAssertThrowsError(try r.value()) { XCTAssertEqual(($0 as? CodecError)?.sqlState, "XX001") }
    }

    func testRowsAndKeys() throws {
        let rows: [Row] = [[], [.null], sampleValues, [.integer(1), .text("x"), .null]]
        var w = ByteWriter()
        for row in rows { w.row(row) }
        var r = ByteReader(w.bytes)
        for row in rows {
            let decoded = try r.row()
            XCTAssertEqual(decoded.count, row.count)
            for (a, b) in zip(row, decoded) { assertIdentical(a, b) }
        }
        XCTAssertTrue(r.isAtEnd)

        let keys = [RowKey(.integer(7)), RowKey([.text("a"), .uuid(1, 2)]), RowKey([]), RowKey([.null])]
        w = ByteWriter()
        for k in keys { w.rowKey(k) }
        r = ByteReader(w.bytes)
        for k in keys { XCTAssertEqual(try r.rowKey(), k) }
        XCTAssertTrue(r.isAtEnd)
    }

    // MARK: - Schemas

    func testRichSchemaRoundTripsWithoutReadSCN() throws {
        let schema = richSchema()
        let bytes = encode { $0.tableSchema(schema) }
        let decoded = try BinaryCodec.decode(bytes) { (r: inout ByteReader) throws(CodecError) in try r.tableSchema() }
        XCTAssertNil(decoded.readSCN)
        var expected = schema
        expected.readSCN = nil
        XCTAssertEqual(decoded, expected)
        assertIdentical(decoded.columns[3].defaultValue!, .double(-0.0))
        XCTAssertEqual(decoded.indexes[2].options, schema.indexes[2].options)
        // Deterministic: option order and readSCN do not change the bytes.
        var other = expected
        other.indexes[2].options = Dictionary(uniqueKeysWithValues: schema.indexes[2].options.reversed())
        XCTAssertEqual(encode { $0.tableSchema(other) }, bytes)
    }

    func testMinimalSchemaRoundTrips() throws {
        let schema = minimalSchema()
        let bytes = encode { $0.tableSchema(schema) }
        XCTAssertEqual(bytes.first, BinaryCodec.schemaFormat)
        let decoded = try BinaryCodec.decode(bytes) { (r: inout ByteReader) throws(CodecError) in try r.tableSchema() }
        XCTAssertEqual(decoded, schema)
        let view = TableSchema(id: 3, name: "v", columns: [ColumnSchema(name: "x", type: .text)], primaryKey: [], viewQuery: "")
        XCTAssertEqual(try BinaryCodec.decode(encode { $0.tableSchema(view) }) { (r: inout ByteReader) throws(CodecError) in try r.tableSchema() }, view)
    }

    /// Format 2 keeps a materialized view's definition and refresh SCN;
    /// format 1 bytes (written before it) still decode; truncated or
    /// duplicated option bytes are refused.
    func testMaterializedViewSchemasRoundTripAndFormatOneStillReads() throws {
        func decode(_ bytes: [UInt8]) throws -> TableSchema {
            try BinaryCodec.decode(bytes) { (r: inout ByteReader) throws(CodecError) in try r.tableSchema() }
        }
        var view = TableSchema(id: 4, name: "mv", columns: [ColumnSchema(name: "n", type: .bigint)], primaryKey: [])
        for info in [MaterializedViewInfo(query: "SELECT count(*) AS n FROM t", options: ["priority": "3", "auto_refresh": "true"],
                                          refreshedSCN: SCN(42)),
                     MaterializedViewInfo(query: "SELECT 1", options: [:], refreshedSCN: nil),
                     MaterializedViewInfo(query: "SELECT n", refreshedSCN: SCN(1), visibleColumns: 1, visibilityColumn: 0, sawOwnWrites: true)] {
            view.materialized = info
            let bytes = encode { $0.tableSchema(view) }
            XCTAssertEqual(try decode(bytes), view)
            for cut in stride(from: 1, to: bytes.count, by: 3) { XCTAssertThrowsError(try decode(Array(bytes.prefix(cut)))) }
        }
        // Format 1: the same bytes without the trailing block, first byte 1.
        let plain = minimalSchema()
        var old = encode { $0.tableSchema(plain) }
        old[0] = 1
        XCTAssertEqual(try decode(Array(old.dropLast())), plain)
        XCTAssertThrowsError(try decode([3] + old.dropFirst()), "unknown formats are refused")
    }

    func testEveryDataTypeAndActionTagRoundTrips() throws {
        let types: [DataType] = [.smallint, .integer, .bigint, .double, .text, .boolean, .date, .timestamp,
                                 .timestampWithTimeZone, .interval, .uuid, .bytea, .json, .jsonb, .vector(dimensions: 3)]
        XCTAssertEqual(Set(types.map { BinaryCodec.tag(of: $0) }).count, types.count)
        for t in [DataType.vector(dimensions: 0), .vector(dimensions: 16000)] {
            var r = ByteReader(encode { $0.dataType(t) })
            XCTAssertEqual(try r.dataType(), t)
        }
        XCTAssertEqual(encode { $0.dataType(.vector(dimensions: 300)) }, [15, 0xAC, 0x02])
        for t in types {
            var r = ByteReader(encode { $0.dataType(t) })
            XCTAssertEqual(try r.dataType(), t)
        }
        let actions: [ForeignKeySchema.Action] = [.noAction, .restrict, .cascade, .setNull, .setDefault]
        for a in actions { XCTAssertEqual(BinaryCodec.action(tag: BinaryCodec.tag(of: a)), a) }
        var bad = ByteReader([0])
        XCTAssertThrowsError(try bad.dataType())
        XCTAssertNil(BinaryCodec.action(tag: 5))
    }

    // MARK: - CRC32C

    func testCRC32CKnownVectors() {
        XCTAssertEqual(CRC32C.checksum([]), 0)
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum(Array(0...31)), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum(Array((0...31).reversed())), 0x113F_DB5C)
        XCTAssertEqual(Array("123456789".utf8).withUnsafeBytes { CRC32C.checksum($0) }, 0xE306_9283)
        let padded = Array("xx123456789y".utf8)
        XCTAssertEqual(CRC32C.checksum(padded[2..<11]), 0xE306_9283)
    }

    func testCRC32CMatchesBitwiseReferenceAtEveryLengthAndAlignment() {
        func reference(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                c ^= UInt32(b)
                for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            }
            return ~c
        }
        var rng = SplitMix64(seed: 7)
        let data = (0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for start in 0..<9 {
            for end in stride(from: start, through: data.count, by: 7) {
                XCTAssertEqual(CRC32C.checksum(data[start..<end]), reference(data[start..<end]), "\(start)..<\(end)")
            }
        }
        // extend(checksum(a), b) == checksum(a + b)
        let a = Array(data[0..<123]), b = Array(data[123...])
        let chained = b.withUnsafeBytes { CRC32C.extend(CRC32C.checksum(a), $0) }
        XCTAssertEqual(chained, CRC32C.checksum(data))
    }

    // MARK: - Malformed input

    private func decodeEverything(_ bytes: ArraySlice<UInt8>) throws(CodecError) -> (Row, TableSchema, TableSchema) {
        var r = ByteReader(bytes)
        let row = try r.row()
        let rich = try r.tableSchema()
        let minimal = try r.tableSchema()
        try r.expectEnd()
        return (row, rich, minimal)
    }

    private var everything: [UInt8] {
        encode { w in
            w.row(sampleValues.filter { if case .bytes(let b) = $0 { b.count < 100 } else if case .text(let t) = $0 { t.utf8.count < 100 } else { true } })
            w.tableSchema(richSchema()); w.tableSchema(minimalSchema())
        }
    }

    func testEveryTruncationThrows() {
        for v in sampleValues {
            let bytes = encode { $0.value(v) }
            let step = bytes.count > 2_000 ? 997 : 1   // the large ones: a spread of cut points
            for cut in stride(from: 0, to: bytes.count, by: step) {
                var r = ByteReader(bytes[0..<cut])
                XCTAssertThrowsError(try r.value(), "\(v) cut at \(cut)")
            }
        }
        for schema in [richSchema(), minimalSchema()] {
            let bytes = encode { $0.tableSchema(schema) }
            for cut in 0..<bytes.count {
                var r = ByteReader(bytes[0..<cut])
                XCTAssertThrowsError(try r.tableSchema(), "schema cut at \(cut)")
            }
        }
        let all = everything
        XCTAssertNoThrow(try decodeEverything(all[...]))
        for cut in 0..<all.count {
            XCTAssertThrowsError(try decodeEverything(all[0..<cut])) { error in
                XCTAssertEqual((error as? CodecError)?.sqlState, "XX001")
            }
        }
    }

    func testRandomByteFlipsNeverTrap() {
        var rng = SplitMix64(seed: 0x4845_4C49_4F53)
        let original = everything
        var decodedCount = 0
        for _ in 0..<4_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] = Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng) : bytes[i] ^ (1 << UInt8.random(in: 0...7, using: &rng))
            }
            if (try? decodeEverything(bytes[...])) != nil { decodedCount += 1 }
        }
        // Some flips land in payloads and still decode; most corrupt the structure.
        XCTAssertGreaterThan(decodedCount, 0)
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var r = ByteReader(bytes)
            _ = try? r.value()
            r = ByteReader(bytes)
            _ = try? r.tableSchema()
            r = ByteReader(bytes)
            _ = try? r.row()
        }
    }

    func testHugeDeclaredLengthsThrow() {
        let huge: [UInt64] = [UInt64.max, UInt64(Int.max), 1 << 40, 1 << 31, 17]
        for n in huge {
            for tag in [ValueTag.text, .bytes, .json, .jsonText, .vector] {
                var w = ByteWriter(); w.u8(tag.rawValue); w.varint(n); w.raw([1, 2, 3])
                var r = ByteReader(w.bytes)
                XCTAssertThrowsError(try r.value(), "\(tag) length \(n)")
            }
            var w = ByteWriter(); w.varint(n); w.raw([0, 0, 0])
            var r = ByteReader(w.bytes)
            XCTAssertThrowsError(try r.row(), "row count \(n)")
            r = ByteReader(w.bytes)
            XCTAssertThrowsError(try r.bytes())
            r = ByteReader(w.bytes)
            XCTAssertThrowsError(try r.count())
            w = ByteWriter(); w.u8(1); w.varint(1); w.string("t"); w.varint(n); w.raw([0, 0])
            r = ByteReader(w.bytes)
            XCTAssertThrowsError(try r.tableSchema(), "column count \(n)")
        }
    }

    func testOtherCorruptionThrows() {
        func throwsValue(_ bytes: [UInt8], _ why: String) {
            var r = ByteReader(bytes)
            XCTAssertThrowsError(try r.value(), why) { XCTAssertTrue($0 is CodecError, why) }
        }
        throwsValue([0xFF], "unknown tag")
        throwsValue([13], "first unused tag")
        throwsValue([ValueTag.vector.rawValue, 2, 0, 0, 0, 0, 0, 0, 0], "vector of 2 elements in 7 bytes")
        throwsValue([ValueTag.vector.rawValue, 3, 0, 0, 0, 0, 0, 0, 0, 0], "vector of 3 elements in 8 bytes")
        var vectorType = ByteReader(encode { $0.u8(15); $0.varint(16001) })
        XCTAssertThrowsError(try vectorType.dataType(), "vector of 16001 dimensions")
        vectorType = ByteReader([15])
        XCTAssertThrowsError(try vectorType.dataType(), "vector type without its dimension")
        throwsValue([ValueTag.boolean.rawValue, 2], "bool byte 2")
        throwsValue([ValueTag.text.rawValue, 2, 0xC3, 0x28], "invalid UTF-8")
        throwsValue([ValueTag.text.rawValue, 3, 0xED, 0xA0, 0x80], "UTF-8 surrogate")
        throwsValue([ValueTag.text.rawValue, 1, 0xFF], "byte 0xFF")
        throwsValue(encode { $0.u8(ValueTag.interval.rawValue); $0.zigzag(Int64(Int32.max) + 1); $0.zigzag(0); $0.zigzag(0) },
                    "interval months out of range")
        var schema = encode { $0.tableSchema(minimalSchema()) }
        schema[0] = BinaryCodec.schemaFormat + 1
        var r = ByteReader(schema)
        XCTAssertThrowsError(try r.tableSchema(), "unknown schema format")
        r = ByteReader(encode { $0.u8(1); $0.varint(1); $0.string("t"); $0.count(1); $0.string("c"); $0.u8(99); $0.u8(0) })
        XCTAssertThrowsError(try r.tableSchema(), "unknown data type")
        r = ByteReader(encode { $0.u8(1); $0.varint(1); $0.string("t"); $0.count(1); $0.string("c"); $0.u8(1); $0.u8(8) })
        XCTAssertThrowsError(try r.tableSchema(), "unknown column flag")
        r = ByteReader(encode { $0.string("i"); $0.positions([]); $0.bool(false); $0.string("m"); $0.count(2)
            $0.string("k"); $0.string("1"); $0.string("k"); $0.string("2") })
        XCTAssertThrowsError(try r.indexSchema(), "duplicate option")
        XCTAssertThrowsError(try BinaryCodec.decode([0, 0]) { (r: inout ByteReader) throws(CodecError) in try r.value() },
                             "trailing bytes")
    }
}

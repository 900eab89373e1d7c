@testable import JSON
import XCTest

final class JSONEncodeTests: XCTestCase {
    func testScalarsEncodeCompactly() {
        XCTAssertEqual(JSONValue.null.jsonText, "null")
        XCTAssertEqual(JSONValue.bool(true).jsonText, "true")
        XCTAssertEqual(JSONValue.bool(false).jsonText, "false")
        XCTAssertEqual(JSONValue.integer(0).jsonText, "0")
        XCTAssertEqual(JSONValue.integer(9).jsonText, "9")
        XCTAssertEqual(JSONValue.integer(10).jsonText, "10")
        XCTAssertEqual(JSONValue.integer(-1).jsonText, "-1")
        XCTAssertEqual(JSONValue.integer(Int64.max).jsonText, "9223372036854775807")
        XCTAssertEqual(JSONValue.integer(Int64.min).jsonText, "-9223372036854775808")
        XCTAssertEqual(JSONValue.string("a").jsonText, "\"a\"")
        XCTAssertEqual(JSONValue.array([]).jsonText, "[]")
        XCTAssertEqual(JSONValue.object([]).jsonText, "{}")
        XCTAssertEqual(JSONValue.array([.integer(1), .null, .bool(false)]).jsonText, "[1,null,false]")
        XCTAssertEqual(JSONValue.object([("b", .integer(1)), ("a", .array([.string("x")]))]).jsonText,
                       #"{"b":1,"a":["x"]}"#)
    }

    func testRoundTripOfEveryType() {
        let value = JSONValue.object([
            ("null", .null), ("t", .bool(true)), ("f", .bool(false)),
            ("int", .integer(-42)), ("max", .integer(Int64.max)), ("min", .integer(Int64.min)),
            ("double", .double(2.5)), ("integralDouble", .double(3)), ("bigDouble", .double(1e300)),
            ("string", .string("héllo \"wörld\"\n")), ("empty", .string("")),
            ("array", .array([.integer(1), .array([]), .object([])])),
            ("object", .object([("z", .integer(1)), ("a", .integer(2))])),
            ("", .string("empty key")), ("😀 key", .string("v")),
        ])
        XCTAssertEqual(roundTrip(value), value)
        // Encoding is stable: encode(parse(encode(v))) == encode(v).
        XCTAssertEqual(roundTrip(value)?.encoded(), value.encoded())
        // Integral doubles stay doubles, integers stay integers.
        XCTAssertEqual(roundTrip(.double(3)), .double(3))
        XCTAssertEqual(roundTrip(.integer(3)), .integer(3))
        XCTAssertNotEqual(JSONValue.double(3), JSONValue.integer(3))
    }

    func testRoundTripKeepsKeyOrder() {
        let members: [(String, JSONValue)] = (0..<200).map { ("key\(199 - $0)", .integer(Int64($0))) }
        guard case .object(let back)? = roundTrip(.object(members)) else { return XCTFail("not an object") }
        XCTAssertEqual(back.map(\.0), members.map(\.0))
    }

    // MARK: Doubles

    private func assertBitExactRoundTrip(_ d: Double, file: StaticString = #filePath, line: UInt = #line) {
        let text = JSONValue.double(d).jsonText
        guard case .double(let back)? = parseOK(text, file: file, line: line) else {
            return XCTFail("\(d) encoded as \(text) did not parse back as a double", file: file, line: line)
        }
        XCTAssertEqual(back.bitPattern, d.bitPattern, "\(d) encoded as \(text) read back as \(back)",
                       file: file, line: line)
    }

    func testDoublesShortestRoundTrip() {
        XCTAssertEqual(JSONValue.double(0.1).jsonText, "0.1")
        XCTAssertEqual(JSONValue.double(1.5).jsonText, "1.5")
        XCTAssertEqual(JSONValue.double(0.30000000000000004).jsonText, "0.30000000000000004")
        for d in [0.1, 0.2, 0.30000000000000004, 1e-7, 1.7976931348623157e308, -0.0, 0.0, .leastNonzeroMagnitude,
                  2.2250738585072014e-308, 2.2250738585072009e-308, 1.0, -1.0, 1e16, 1e15 + 0.5, 123456.789,
                  -.greatestFiniteMagnitude, .leastNormalMagnitude, .pi, 9_007_199_254_740_993.0] {
            assertBitExactRoundTrip(d)
        }
    }

    /// Doubles are written with exactly the digits of `description`.
    func testDoublesAreWrittenAsTheirDescription() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0, -0.0, 1, -1, 0.1, 1e21, 1e22, 1e-7, 123456789012345680, 5e-324, .greatestFiniteMagnitude,
                                .leastNormalMagnitude, 9.99375911518991, -1.7976931348623157e308, 2.5e-3]
        for _ in 0..<20_000 {
            let d = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
            if d.isFinite { values.append(d) }
            values.append(Double.random(in: -100...100, using: &generator))
        }
        for value in values {
            var writer = JSONWriter()
            writer.double(value)
            XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), value.description)
        }
    }

    /// A number written again negated has the digits of the negation's own description.
    func testNegatedNumberMatchesTheNegationsDescription() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0, -0.0, 1, -1, 9.99375911518991, -2.5e-3, 1e21, .greatestFiniteMagnitude, 5e-324]
        for _ in 0..<5_000 {
            let d = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
            if d.isFinite { values.append(d) }
        }
        for value in values {
            var writer = JSONWriter(capacity: 2)
            writer.raw("[")
            let start = writer.bytes.count
            writer.double(value)
            let range = start..<writer.bytes.count
            writer.raw(",")
            writer.negated(numberAt: range)
            writer.raw("]")
            XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), "[\(value.description),\((-value).description)]")
        }
    }

    func testNegativeZeroKeepsItsSign() {
        let text = JSONValue.double(-0.0).jsonText
        XCTAssertTrue(text.hasPrefix("-"), text)
        assertBitExactRoundTrip(-0.0)
    }

    func testRandomDoublesRoundTripBitExactly() {
        var rng = SystemRandomNumberGenerator()
        var tested = 0
        while tested < 5000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite else { continue }
            assertBitExactRoundTrip(d)
            tested += 1
        }
    }

    func testNaNAndInfinityAreEncodedAsStrings() {
        XCTAssertEqual(JSONValue.double(.nan).jsonText, "\"NaN\"")
        XCTAssertEqual(JSONValue.double(.infinity).jsonText, "\"Infinity\"")
        XCTAssertEqual(JSONValue.double(-.infinity).jsonText, "\"-Infinity\"")
        // The output is valid JSON: they read back as strings.
        XCTAssertEqual(roundTrip(.array([.double(.nan), .double(.infinity), .double(-.infinity)])),
                       .array([.string("NaN"), .string("Infinity"), .string("-Infinity")]))
    }

    // MARK: Strings

    func testUnicodeIsWrittenAsUTF8() {
        XCTAssertEqual(JSONValue.string("é").encoded(), [0x22, 0xC3, 0xA9, 0x22])
        XCTAssertEqual(JSONValue.string("😀").encoded(), [0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22])
        for s in ["😀", "中文字符", "café", "\u{10FFFF}", "\u{FEFF}bom", "a\u{301}", "👩‍👩‍👧‍👦", "\u{7F}\u{80}\u{2028}\u{2029}"] {
            XCTAssertEqual(roundTrip(.string(s)), .string(s), s.debugDescription)
            XCTAssertEqual(roundTrip(.string(s))?.stringValue.map { Array($0.utf8) }, Array(s.utf8))
        }
    }

    func testNulSurvivesParseAndEncode() {
        let parsed = parseOK(#""a\u0000b""#)
        XCTAssertEqual(parsed?.jsonText, #""a\u0000b""#)
        XCTAssertEqual(roundTrip(.string("\u{0}")), .string("\u{0}"))
        XCTAssertEqual(roundTrip(.string("\u{0}\u{0}x\u{0}")), .string("\u{0}\u{0}x\u{0}"))
    }

    func testControlCharactersAreEscaped() {
        XCTAssertEqual(JSONValue.string("\n\r\t\u{8}\u{C}").jsonText, #""\n\r\t\b\f""#)
        XCTAssertEqual(JSONValue.string("\u{1}\u{1F}").jsonText, #""\u0001\u001f""#)
        XCTAssertEqual(JSONValue.string("\"\\").jsonText, #""\"\\""#)
        XCTAssertEqual(JSONValue.string("/").jsonText, #""/""#)
        // Every control character: the output holds no raw byte below 0x20 and reads back.
        let all = String(decoding: (0..<0x20).map { UInt8($0) } + Array("\"\\ end".utf8), as: UTF8.self)
        let bytes = JSONValue.string(all).encoded()
        XCTAssertFalse(bytes.contains { $0 < 0x20 })
        XCTAssertEqual(parseOK(bytes), .string(all))
    }

    func testEscapesInsideLongerStringsAndKeys() {
        let s = "line1\nline2 \"quoted\" back\\slash\ttab end"
        XCTAssertEqual(roundTrip(.string(s)), .string(s))
        let object = JSONValue.object([("we\"ird\nkey\\", .string(s))])
        XCTAssertEqual(roundTrip(object), object)
        XCTAssertEqual(object.jsonText, #"{"we\"ird\nkey\\":"line1\nline2 \"quoted\" back\\slash\ttab end"}"#)
    }

    func testLongStringRoundTrip() {
        let s = String(repeating: "ab\"c\u{0}é😀\n", count: 20_000)
        XCTAssertEqual(roundTrip(.string(s)), .string(s))
    }

    // MARK: Writer and accessors

    func testWriterStreamsPieces() {
        var writer = JSONWriter(capacity: 4)
        writer.byte(UInt8(ascii: "["))
        writer.integer(5)
        writer.byte(UInt8(ascii: ","))
        writer.double(2.5)
        writer.byte(UInt8(ascii: ","))
        writer.string("x")
        writer.byte(UInt8(ascii: ","))
        writer.raw("null")
        writer.byte(UInt8(ascii: ","))
        writer.bool(true)
        writer.byte(UInt8(ascii: ","))
        writer.value(.object([("k", .array([]))]))
        writer.byte(UInt8(ascii: "]"))
        XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), #"[5,2.5,"x",null,true,{"k":[]}]"#)
        XCTAssertNotNil(parseOK(writer.bytes))
    }

    func testAccessors() {
        let object = JSONValue.object([("s", .string("x")), ("i", .integer(4)), ("d", .double(4)),
                                       ("f", .double(4.5)), ("b", .bool(true)), ("n", .null), ("a", .array([.null]))])
        XCTAssertEqual(object["s"]?.stringValue, "x")
        XCTAssertNil(object["i"]?.stringValue)
        XCTAssertEqual(object["i"]?.intValue, 4)
        XCTAssertEqual(object["d"]?.intValue, 4)
        XCTAssertNil(object["f"]?.intValue)
        XCTAssertNil(JSONValue.double(1e19).intValue)
        XCTAssertNil(JSONValue.double(.nan).intValue)
        XCTAssertNil(JSONValue.double(.infinity).intValue)
        XCTAssertEqual(object["b"]?.boolValue, true)
        XCTAssertTrue(object["n"]?.isNull ?? false)
        XCTAssertFalse(object["s"]?.isNull ?? true)
        XCTAssertEqual(object["a"]?.arrayValue, [.null])
        XCTAssertNil(object["missing"])
        XCTAssertNil(JSONValue.array([]).self["s"])
        XCTAssertEqual(object.typeName, "object")
        XCTAssertEqual(JSONValue.array([]).typeName, "array")
        XCTAssertEqual(JSONValue.integer(1).typeName, "number")
        XCTAssertEqual(JSONValue.double(1).typeName, "number")
        XCTAssertEqual(JSONValue.string("").typeName, "string")
        XCTAssertEqual(JSONValue.bool(false).typeName, "boolean")
        XCTAssertEqual(JSONValue.null.typeName, "null")
    }

    func testEquality() {
        XCTAssertEqual(JSONValue.double(.nan), JSONValue.double(.nan))
        XCTAssertNotEqual(JSONValue.integer(1), JSONValue.double(1))
        XCTAssertNotEqual(JSONValue.object([("a", .null), ("b", .null)]), JSONValue.object([("b", .null), ("a", .null)]))
        XCTAssertNotEqual(JSONValue.object([("a", .null)]), JSONValue.object([("a", .null), ("a", .null)]))
        XCTAssertNotEqual(JSONValue.array([.null]), JSONValue.array([]))
        XCTAssertNotEqual(JSONValue.string("1"), JSONValue.integer(1))
    }

    func testParseErrorDescription() {
        let error = JSONParseError(message: "boom", line: 3, column: 7, position: 20)
        XCTAssertEqual(error.description, "boom at line 3, column 7")
    }
}

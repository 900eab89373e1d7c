@testable import JSON
import XCTest

final class JSONParseTests: XCTestCase {
    // MARK: Every type

    func testScalars() {
        XCTAssertEqual(parseOK("null"), .null)
        XCTAssertEqual(parseOK("true"), .bool(true))
        XCTAssertEqual(parseOK("false"), .bool(false))
        XCTAssertEqual(parseOK("0"), .integer(0))
        XCTAssertEqual(parseOK("-17"), .integer(-17))
        XCTAssertEqual(parseOK("1.5"), .double(1.5))
        XCTAssertEqual(parseOK("\"hi\""), .string("hi"))
        XCTAssertEqual(parseOK("\"\""), .string(""))
        XCTAssertEqual(parseOK(" \n\t\r 42 \r\n\t "), .integer(42))
    }

    func testNumbersWithFractionOrExponentAreDoubles() {
        XCTAssertEqual(parseOK("1.0"), .double(1))
        XCTAssertEqual(parseOK("1e2"), .double(100))
        XCTAssertEqual(parseOK("1E+2"), .double(100))
        XCTAssertEqual(parseOK("-2.5e-3"), .double(-0.0025))
        XCTAssertEqual(parseOK("0.0"), .double(0))
        XCTAssertEqual(parseOK("-0"), .integer(0))
        guard case .double(let negativeZero)? = parseOK("-0.0") else { return XCTFail("not a double") }
        XCTAssertEqual(negativeZero.bitPattern, (-0.0).bitPattern)
    }

    func testContainers() {
        XCTAssertEqual(parseOK("[]"), .array([]))
        XCTAssertEqual(parseOK("{}"), .object([]))
        XCTAssertEqual(parseOK("[1, \"a\", null, true, 2.5, [], {}]"),
                       .array([.integer(1), .string("a"), .null, .bool(true), .double(2.5), .array([]), .object([])]))
        let nested = parseOK(#"{"a": {"b": [1, {"c": null}]}, "d": []}"#)
        XCTAssertEqual(nested, .object([
            ("a", .object([("b", .array([.integer(1), .object([("c", .null)])]))])),
            ("d", .array([])),
        ]))
        XCTAssertEqual(nested?["a"]?["b"]?.arrayValue?.count, 2)
    }

    func testObjectKeyOrderIsKept() {
        guard case .object(let members)? = parseOK(#"{"z": 1, "a": 2, "m": 3, "": 4, "b": 5}"#) else {
            return XCTFail("not an object")
        }
        XCTAssertEqual(members.map(\.0), ["z", "a", "m", "", "b"])
        XCTAssertEqual(members.map(\.1), [.integer(1), .integer(2), .integer(3), .integer(4), .integer(5)])
    }

    func testKeyOrderKeptForManyKeys() {
        let keys = (0..<5000).map { "k\((($0 * 7919) % 5000))" }
        let text = "{" + keys.enumerated().map { "\"\($1)\":\($0)" }.joined(separator: ",") + "}"
        guard case .object(let members)? = parseOK(text) else { return XCTFail("not an object") }
        XCTAssertEqual(members.map(\.0), keys)
        XCTAssertEqual(members.map(\.1), (0..<5000).map { .integer(Int64($0)) })
    }

    /// jansson keeps one member per key; the value of the last occurrence wins.
    func testDuplicateKeysLastValueWins() {
        guard let value = parseOK(#"{"a": 1, "b": 2, "a": 3}"#), case .object(let members) = value else {
            return XCTFail("not an object")
        }
        XCTAssertEqual(value["a"], .integer(3))
        XCTAssertEqual(value["b"], .integer(2))
        XCTAssertEqual(Set(members.map(\.0)), ["a", "b"])
        XCTAssertEqual(members.filter { $0.0 == "a" }.last?.1, .integer(3))
        // The subscript picks the last member when a value built in Swift repeats a key.
        XCTAssertEqual(JSONValue.object([("k", .integer(1)), ("k", .integer(2))])["k"], .integer(2))
    }

    // MARK: Integers

    func testExact64BitIntegers() {
        XCTAssertEqual(parseOK("9223372036854775807"), .integer(Int64.max))
        XCTAssertEqual(parseOK("-9223372036854775808"), .integer(Int64.min))
        XCTAssertEqual(parseOK("[9007199254740993]"), .array([.integer(9_007_199_254_740_993)]))
        XCTAssertEqual(parseOK("-9007199254740993"), .integer(-9_007_199_254_740_993))
    }

    /// Integers beyond int64 read as doubles (PostgreSQL's jsonb takes them
    /// too; its numeric prints 1e300 as 301 digits, which must read back);
    /// the other integers of such a document stay integers where exact.
    func testIntegersBeyond64BitAreDoubles() {
        XCTAssertEqual(parseOK("9223372036854775808"), .double(9223372036854775808))
        XCTAssertEqual(parseOK("-9223372036854775809"), .double(-9223372036854775809))
        XCTAssertEqual(parseOK("123456789012345678901234567890"), .double(123456789012345678901234567890))
        XCTAssertEqual(parseOK("[1, 99999999999999999999, 2.5]"), .array([.integer(1), .double(1e20), .double(2.5)]))
        XCTAssertEqual(parseOK(#"{"n": -99999999999999999999, "k": 10}"#), .object([("n", .double(-1e20)), ("k", .integer(10))]))
        XCTAssertEqual(parseOK("1" + String(repeating: "0", count: 300)), .double(1e300))
        XCTAssertNotNil(parseError("[99999999999999999999"), "still malformed")
        XCTAssertNotNil(parseError("1" + String(repeating: "0", count: 400)), "beyond a double")
    }

    func testDoubleOverflowIsAnError() {
        XCTAssertNotNil(parseError("1e400"))
        XCTAssertNotNil(parseError("-1e400"))
        // Underflow to a subnormal or zero is fine.
        XCTAssertEqual(parseOK("5e-324"), .double(.leastNonzeroMagnitude))
        XCTAssertEqual(parseOK("1e-400"), .double(0))
    }

    // MARK: Strings

    func testEscapes() {
        XCTAssertEqual(parseOK(#""\"\\\/\b\f\n\r\t""#), .string("\"\\/\u{8}\u{C}\n\r\t"))
        XCTAssertEqual(parseOK(#""\u0041\u00e9\u4E2D""#), .string("Aé中"))
    }

    func testUnicode() {
        XCTAssertEqual(parseOK("\"😀 中文 café\""), .string("😀 中文 café"))
        XCTAssertEqual(parseOK(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(parseOK(#""\uD83D\uDE00!""#), .string("😀!"))
        XCTAssertEqual(parseOK(#""\udbff\udfff""#), .string("\u{10FFFF}"))
        XCTAssertEqual(parseOK(#"{"ключ": "值"}"#)?["ключ"], .string("值"))
    }

    func testNulInsideStrings() {
        let value = parseOK(#""a\u0000b""#)
        XCTAssertEqual(value, .string("a\u{0}b"))
        XCTAssertEqual(value?.stringValue?.utf8.count, 3)
        XCTAssertEqual(value?.stringValue.map { Array($0.utf8) }, [0x61, 0x00, 0x62])
        XCTAssertEqual(parseOK(#"["\u0000"]"#), .array([.string("\u{0}")]))
    }

    /// jansson cannot hold a NUL byte in an object key; that must be an error, not truncation.
    func testNulInObjectKeyIsRejected() {
        XCTAssertNotNil(parseError(#"{"a\u0000b": 1}"#))
    }

    // MARK: Malformed input

    func testMalformedInputs() {
        let cases: [String] = [
            "", " ", "\n\n", "{", "}", "[", "]", "[1,]", "[1,,2]", "[,1]", "[1 2]", "tru", "nul", "fals",
            "truex", "True", "NULL", #"{"a" 1}"#, #"{"a":}"#, #"{"a":1,}"#, "{,}", "{1:2}", "{a:1}",
            #"{"a":1 "b":2}"#, "1 2", "[] []", "{} x", "\"a\" \"b\"", #""\ud800""#, #""\udc00""#,
            #""\ud800x""#, #""\ud800\u0041""#, #""\ud83d\ud83d""#, "01", "-01", "1.", ".5", "+1", "-", "1e",
            "1e+", "0x10", "NaN", "Infinity", "-Infinity", "'a'", "\"abc", "\"\\x\"", "\"\\u12\"",
            "\"\\u12G4\"", "\"a\nb\"", "\"tab\there\"", "/* c */ 1", "// c\n1", "[1] // c", "\"\\\"",
        ]
        for text in cases {
            guard let error = parseError(text) else { continue }
            XCTAssertFalse(error.message.isEmpty, "no message for \(text.debugDescription)")
            XCTAssertGreaterThanOrEqual(error.line, 1, "line for \(text.debugDescription): \(error)")
            XCTAssertGreaterThanOrEqual(error.position, 0, "position for \(text.debugDescription)")
            XCTAssertLessThanOrEqual(error.position, text.utf8.count, "position for \(text.debugDescription)")
            XCTAssertTrue(error.description.contains("line \(error.line), column \(error.column)"))
        }
    }

    func testSpecificErrorLocations() {
        let unclosed = parseError("{")
        XCTAssertEqual(unclosed?.line, 1)
        XCTAssertEqual(unclosed?.position, 1)

        let trailingComma = parseError("[1,]")
        XCTAssertEqual(trailingComma?.line, 1)
        XCTAssertEqual(trailingComma?.position, 4)
        XCTAssertEqual(trailingComma?.column, 4)

        let garbage = parseError("1 2")
        XCTAssertEqual(garbage?.line, 1)
        XCTAssertEqual(garbage?.position, 3)
        XCTAssertEqual(garbage?.column, 3)

        let missingColon = parseError(#"{"a" 1}"#)
        XCTAssertEqual(missingColon?.position, 6)

        let badToken = parseError("tru")
        XCTAssertEqual(badToken?.line, 1)
        XCTAssertEqual(badToken?.position, 3)
    }

    func testErrorLineAndColumnInMultiLineDocument() {
        let text = "{\n  \"name\": \"x\",\n  \"list\": [1, 2,\n           ],\n  \"ok\": tru\n}\n"
        let error = parseError(text)
        XCTAssertEqual(error?.line, 4, "\(String(describing: error))")
        XCTAssertEqual(error?.column, 12, "\(String(describing: error))")
        // The byte position is where line 4's ']' sits, counted from the start of the input.
        let offset = text.utf8.firstIndex(of: UInt8(ascii: "]")).map { text.utf8.distance(from: text.utf8.startIndex, to: $0) }
        XCTAssertEqual(error?.position, offset.map { $0 + 1 })

        let second = parseError("[\n1,\n2\n,\n3 4]")
        XCTAssertEqual(second?.line, 5)
        XCTAssertEqual(second?.column, 3)
    }

    /// Columns count characters, not bytes, while the position counts bytes.
    func testColumnCountsCharactersAfterMultibyteText() {
        let error = parseError("[\"中文\", x]")
        XCTAssertEqual(error?.line, 1)
        XCTAssertEqual(error?.column, 8)    // [ " 中 文 " , ␠ x
        XCTAssertEqual(error?.position, 12) // 1 + 1 + 3 + 3 + 1 + 1 + 1 + 1 bytes
    }

    func testInvalidUTF8IsAnError() {
        let cases: [[UInt8]] = [
            [0x22, 0xFF, 0x22],                         // never valid in UTF-8
            [0x22, 0xC0, 0xAF, 0x22],                   // overlong '/'
            [0x22, 0xE4, 0xB8, 0x22],                   // truncated 3-byte sequence
            [0x22, 0xED, 0xA0, 0x80, 0x22],             // UTF-8 encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],       // above U+10FFFF
            [0x22, 0x80, 0x22],                         // lone continuation byte
            [0x7B, 0x22, 0xFE, 0x22, 0x3A, 0x31, 0x7D], // in an object key
            [0xFF],                                     // outside any string
            [0x5B, 0x31, 0x2C, 0xC3, 0x5D],             // in an array, outside strings
        ]
        for bytes in cases {
            let error = parseError(bytes)
            XCTAssertFalse(error?.message.isEmpty ?? true, "\(bytes)")
        }
    }

    /// A raw NUL is never valid JSON. (jansson quietly accepts a single NUL straight after a
    /// number or literal at the very end, e.g. `1\0`; that quirk is not pinned here. What
    /// matters is that nothing can be smuggled in after a NUL.)
    func testNulByteOutsideStringsIsAnError() {
        XCTAssertNotNil(parseError([0x31, 0x00, 0x78]))             // 1 NUL x
        XCTAssertNotNil(parseError([0x31, 0x00, 0x20, 0x32]))       // 1 NUL ␠ 2
        XCTAssertNotNil(parseError(Array("{}".utf8) + [0x00] + Array("{\"a\":1}".utf8)))
        XCTAssertNotNil(parseError([0x5B, 0x31, 0x5D, 0x00]))       // [1] NUL
        XCTAssertNotNil(parseError([0x20, 0x00, 0x31]))             // ␠ NUL 1
        XCTAssertNotNil(parseError([0x00]))
        XCTAssertNotNil(parseError([0x5B, 0x00, 0x5D]))
        // A raw NUL inside a string (not escaped) is a control character, also an error.
        XCTAssertNotNil(parseError([0x22, 0x61, 0x00, 0x62, 0x22]))
    }

    func testEmptyBufferWithoutBaseAddress() {
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        XCTAssertThrowsError(try JSONValue.parse(empty)) { error in
            XCTAssertTrue(error is JSONParseError)
        }
        XCTAssertNotNil(parseError([UInt8]()))
    }

    // MARK: Depth and size

    func testVeryDeepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 100_000)
        let error = parseError(text)
        XCTAssertNotNil(error)
        XCTAssertEqual(error?.line, 1)
        let closed = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertNotNil(parseError(closed))
        let objects = String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        XCTAssertNotNil(parseError(objects))
    }

    func testDepthLimitBoundary() {
        func nested(_ depth: Int) -> String {
            String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        }
        XCTAssertNotNil(parseOK(nested(2048)))
        XCTAssertNotNil(parseError(nested(2049)))
    }

    func testThousandDeepArrayParses() {
        let depth = 1000
        let text = String(repeating: "[", count: depth) + "7" + String(repeating: "]", count: depth)
        guard var value = parseOK(text) else { return }
        var levels = 0
        while case .array(let items) = value {
            XCTAssertEqual(items.count, 1)
            value = items[0]
            levels += 1
        }
        XCTAssertEqual(levels, depth)
        XCTAssertEqual(value, .integer(7))
        // And it encodes back to the same text.
        XCTAssertEqual(parseOK(text)?.jsonText, text)
    }

    func testLargeArrayOfNumbers() {
        let count = 100_000
        var text = "["
        for i in 0..<count {
            if i > 0 { text += "," }
            text += i % 2 == 0 ? String(i) : "\(i).5"
        }
        text += "]"
        guard let items = parseOK(text)?.arrayValue else { return XCTFail("not an array") }
        XCTAssertEqual(items.count, count)
        XCTAssertEqual(items[0], .integer(0))
        XCTAssertEqual(items[1], .double(1.5))
        XCTAssertEqual(items[count - 1], .double(Double(count - 1) + 0.5))
        var sum = 0.0
        for item in items {
            switch item {
            case .integer(let i): sum += Double(i)
            case .double(let d): sum += d
            default: XCTFail("unexpected \(item)")
            }
        }
        let expected = Double((count - 1) * count / 2) + Double(count / 2) * 0.5
        XCTAssertEqual(sum, expected)
    }
}

import JSON
@testable import Service
import XCTest

/// The flat-object reader agrees with jansson on whatever it reads, and
/// steps aside (nil) for everything else, malformed input included.
final class FlatObjectReaderTests: XCTestCase {
    func assertAgreesWithJansson(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let bytes = Array(text.utf8)
        guard let read = FlatObjectReader.read(bytes) else { return }
        guard let jansson = try? JSONValue.parse(bytes) else {
            return XCTFail("read what jansson refuses: \(text)", file: file, line: line)
        }
        XCTAssertEqual(read, jansson, text, file: file, line: line)
    }

    func testReadsTheShapesOfSearchBodies() {
        XCTAssertEqual(FlatObjectReader.read(Array(#"{"vector": 0, "top_k": 10}"#.utf8)),
                       .object([("vector", .integer(0)), ("top_k", .integer(10))]))
        XCTAssertEqual(FlatObjectReader.read(Array(" {\n\t\"a\" :-0 ,\"b\":true,\"c\":false,\"d\":null,\"e\":\"main\",\"\":-12} \r\n".utf8)),
                       .object([("a", .integer(0)), ("b", .bool(true)), ("c", .bool(false)), ("d", .null),
                                ("e", .string("main")), ("", .integer(-12))]))
        XCTAssertEqual(FlatObjectReader.read(Array("{}".utf8)), .object([]))
        XCTAssertEqual(FlatObjectReader.read(Array(#"{"n":999999999999999999}"#.utf8)), .object([("n", .integer(999_999_999_999_999_999))]))
    }

    func testStepsAsideForEverythingElse() {
        let others = [
            "", "{", "}", "[]", "1", "\"a\"", "{\"a\":1", "{\"a\":1,}", "{,\"a\":1}", "{\"a\" 1}", "{\"a\":}", "{a:1}",
            "{\"a\":1.5}", "{\"a\":1e3}", "{\"a\":1E3}", "{\"a\":01}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":1}x", "{\"a\":1}}",
            "{\"a\":9223372036854775807}", "{\"a\":9999999999999999999}", "{\"a\":-9999999999999999999}",
            "{\"a\":99999999999999999999999}", "{\"a\":[1]}", "{\"a\":{}}", "{\"a\":tru}", "{\"a\":truex}", "{\"a\":nul}",
            "{\"a\":\"x\\\"y\"}", "{\"a\\u0041\":1}", "{\"a\":\"\u{1}\"}", "{\"é\":1}", "{\"a\":\"é\"}", "{\"a\":1,\"a\":2}",
            "{\"a\":1 \"b\":2}", "{\"a\":\"unterminated}", "{\"a\":1}\0", "\0{\"a\":1}", "{\"a\":NaN}", "{\"a\":Infinity}",
        ]
        for text in others {
            XCTAssertNil(FlatObjectReader.read(Array(text.utf8)), text)
            assertAgreesWithJansson(text)
        }
    }

    /// Integers past 18 digits are left to jansson (which reads those
    /// beyond Int64 as doubles) without overflowing on the way: a search
    /// body whose top_k has 19 or more digits once trapped the server.
    func testLongIntegersDoNotOverflow() {
        for digits in ["9999999999999999999", "99999999999999999999999", "18446744073709551616"] {
            for sign in ["", "-"] {
                XCTAssertNil(FlatObjectReader.read(Array(#"{"top_k":\#(sign)\#(digits)}"#.utf8)))
                let expected = JSONValue.double(Double(sign + digits)!)
                let body = #"{"vector":[1,0,0],"top_k":\#(sign)\#(digits)}"#
                XCTAssertEqual(VectorBodyScanner.searchBody(Array(body.utf8))?.json["top_k"], expected, body)
                let upsert = #"{"x":\#(sign)\#(digits),"vectors":[{"id":"q","values":[1,0,0]}]}"#
                XCTAssertEqual(VectorBodyScanner.upsertBody(Array(upsert.utf8))?.json["x"], expected, upsert)
            }
        }
    }

    /// Random flat and almost-flat objects: whatever is read, jansson reads the same.
    func testRandomObjectsAgreeWithJansson() {
        var generator = SystemRandomNumberGenerator()
        let keys = ["\"a\"", "\"top_k\"", "\"ef_search\"", "\"\"", "\"branch\"", "\"a b\"", "\"x\\\"\"", "a", "\"é\""]
        let values = ["0", "-0", "1", "-1", "10", "123456789012345678", "-123456789012345678", "1234567890123456789",
                      "9999999999999999999", "-99999999999999999999",
                      "true", "false", "null", "\"main\"", "\"\"", "\"a\\nb\"", "1.5", "2e3", "01", "-", "[1]", "{}",
                      "tru", "\"\u{7F}\"", "\"\u{1F}\""]
        let spaces = ["", " ", "\n", "\t", "\r\n "]
        for _ in 0..<5_000 {
            var text = spaces.randomElement(using: &generator)! + "{"
            let count = Int.random(in: 0...4, using: &generator)
            for m in 0..<count {
                if m > 0 { text += Bool.random(using: &generator) ? "," : ", " }
                text += keys.randomElement(using: &generator)! + spaces.randomElement(using: &generator)! + ":"
                text += spaces.randomElement(using: &generator)! + values.randomElement(using: &generator)!
            }
            text += "}" + spaces.randomElement(using: &generator)!
            if Int.random(in: 0..<20, using: &generator) == 0 { text.removeLast() }
            assertAgreesWithJansson(text)
        }
    }
}

@testable import Core
import XCTest

/// The JSON document behind the JSON/JSONB types: parsing (with PostgreSQL's
/// errors), jsonb normalization, text output, containment and order.
final class JSONDocumentTests: XCTestCase {
    func jsonb(_ text: String) throws -> JSONDocument { try JSONDocument.parse(text).normalized() }

    func testParsesEveryKind() throws {
        XCTAssertEqual(try JSONDocument.parse(" null "), .null)
        XCTAssertEqual(try JSONDocument.parse("true"), .bool(true))
        XCTAssertEqual(try JSONDocument.parse("-1.5e3"), .number("-1.5e3"))
        XCTAssertEqual(try JSONDocument.parse(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#), .string("a\"\\/\u{8}\u{C}\n\r\té😀"))
        XCTAssertEqual(try JSONDocument.parse("[1, [], {}]"), .array([.number("1"), .array([]), .object([])]))
        XCTAssertEqual(try JSONDocument.parse(#"{"b": 1, "a": 2, "b": 3}"#),
                       .object([.init("b", .number("1")), .init("a", .number("2")), .init("b", .number("3"))]))
    }

    func testMalformedInputIs22P02() {
        for text in ["", " ", "{", "[1,]", "[1 2]", #"{"a" 1}"#, "{a: 1}", #"{"a": 1,}"#, "01", "1.", ".5", "+1", "-",
                     "1e", "tru", "True", "nul", "[1]x", #""abc"#, "\"a\u{1}\"", #""\x""#, #""\u12""#, #""\udc00""#,
                     #""\ud83d""#, "'a'", "NaN", "Infinity", "1 2"] {
            XCTAssertThrowsError(try JSONDocument.parse(text), text) { error in
                let e = error as? JSONSyntaxError
                XCTAssertEqual(e?.sqlState, "22P02", text)
                XCTAssertEqual(e?.message, "invalid input syntax for type json", text)
                XCTAssertFalse(e?.detail.isEmpty ?? true, text)
            }
        }
        XCTAssertEqual(try? JSONDocument.parse("tru").description, nil)
        XCTAssertThrowsError(try JSONDocument.parse("[1, 2")) { error in
            XCTAssertEqual((error as? JSONSyntaxError)?.detail, "The input string ended unexpectedly.")
        }
    }

    func testNULEscapeOnlyForJSON() throws {
        XCTAssertThrowsError(try JSONDocument.parse(#"["\u0000"]"#)) { error in
            XCTAssertEqual((error as? JSONSyntaxError)?.sqlState, "22P05")
            XCTAssertEqual((error as? JSONSyntaxError)?.message, "unsupported Unicode escape sequence")
        }
        XCTAssertEqual(try JSONDocument.parse(#"["\u0000"]"#, allowNUL: true), .array([.string("\u{0}")]))
    }

    func testDepthLimit() throws {
        let ok = String(repeating: "[", count: JSONDocument.maximumDepth) + String(repeating: "]", count: JSONDocument.maximumDepth)
        XCTAssertNoThrow(try JSONDocument.parse(ok))
        let deep = "[" + ok + "]"
        XCTAssertThrowsError(try JSONDocument.parse(deep)) { error in
            XCTAssertEqual((error as? JSONSyntaxError)?.sqlState, "22P02")
        }
        let objects = String(repeating: #"{"a":"#, count: 5000) + "1" + String(repeating: "}", count: 5000)
        XCTAssertThrowsError(try JSONDocument.parse(objects))
    }

    func testJsonbNormalization() throws {
        XCTAssertEqual(try jsonb(#"{"b": 1,   "a": [1,2], "b": 3}"#).description, #"{"a": [1, 2], "b": 3}"#)
        XCTAssertEqual(try jsonb(#"{"aaa": 1, "b": 2, "aa": 3, "a": 4}"#).description, #"{"a": 4, "b": 2, "aa": 3, "aaa": 1}"#)
        XCTAssertEqual(try jsonb("[1.50, 1e2, -0, 1.5e1, 1e-2, -0.0, 12345678901234567890, 2E+3]").description,
                       "[1.50, 100, 0, 15, 0.01, 0.0, 12345678901234567890, 2000]")
        XCTAssertEqual(try jsonb(#"{"x": {"b": 1, "a": 2}}"#).description, #"{"x": {"a": 2, "b": 1}}"#)
    }

    func testTextOutputEscapes() {
        XCTAssertEqual(JSONDocument.string("a\"b\\c\n\u{1}é").description, #""a\"b\\c\n\u0001é""#)
        XCTAssertEqual(JSONDocument.object([.init("k", .array([.bool(false), .null]))]).description, #"{"k": [false, null]}"#)
        XCTAssertEqual(JSONDocument.number(2.5).description, "2.5")
        XCTAssertEqual(JSONDocument.number(Double.nan), .string("NaN"))
    }

    func testAccess() throws {
        let d = try jsonb(#"{"a": [10, {"b": "x"}], "n": null}"#)
        XCTAssertEqual(d.member("a")?.element(-1)?.member("b"), .string("x"))
        XCTAssertEqual(d.follow(["a", "1", "b"])?.unquotedText, "x")
        XCTAssertNil(d.follow(["a", "2"]))
        XCTAssertNil(d.follow(["a", "x"]))
        XCTAssertEqual(d.member("n"), .null)
        XCTAssertNil(d.member("n")?.unquotedText)
        XCTAssertNil(d.element(0))
    }

    func testContainment() throws {
        XCTAssertTrue(try jsonb(#"{"a": {"b": 1, "c": 2}, "d": 3}"#).contains(jsonb(#"{"a": {"b": 1}}"#)))
        XCTAssertFalse(try jsonb(#"{"a": [1]}"#).contains(jsonb(#"{"a": 1}"#)))
        XCTAssertFalse(try jsonb("[1, 2, [1, 3]]").contains(jsonb("[1, 3]")))
        XCTAssertTrue(try jsonb("[1, 2, [1, 3]]").contains(jsonb("[[1, 3]]")))
        XCTAssertTrue(try jsonb(#"["foo", "bar"]"#).contains(jsonb(#""foo""#)))
        XCTAssertFalse(try jsonb(#""foo""#).contains(jsonb(#"["foo"]"#)))
        XCTAssertTrue(try jsonb("[1, 1, 2]").contains(jsonb("[2, 1, 2]")))
        XCTAssertTrue(try jsonb("{}").contains(jsonb("{}")))
        XCTAssertTrue(try jsonb("1.0").contains(jsonb("1")))
    }

    func testOrderMatchesPostgreSQL() throws {
        let texts = ["[]", "null", #""s""#, "1", "2", "true", "[null]", "[1]", "[false]", "[[]]", "[0, 0]", "{}",
                     #"{"a": 1}"#, #"{"a": 2}"#, #"{"b": 1}"#, #"{"a": 1, "b": 1}"#]
        let docs = try texts.map(jsonb)
        let sorted = docs.shuffled().sorted { Value.order(.json($0), .json($1)) < 0 }
        XCTAssertEqual(sorted.map(\.description), texts)
        XCTAssertEqual(try jsonb("1.0"), try jsonb("1"))
        XCTAssertEqual(try jsonb(#"{"a":1,"b":2}"#).hashValue, try jsonb(#"{"b":2,"a":1}"#).hashValue)
    }

    func testUUIDAndByteaText() {
        let canonical = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
        for text in [canonical, canonical.uppercased(), "{a0eebc999c0b4ef8bb6d6bb9bd380a11}", "a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11"] {
            let parsed = Value.parseUUID(text)
            XCTAssertNotNil(parsed, text)
            if let (h, l) = parsed { XCTAssertEqual(Value.uuid(h, l).description, canonical) }
        }
        for bad in ["", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111", "{a0eebc999c0b4ef8bb6d6bb9bd380a11",
                    "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11", "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "-a0eebc999c0b4ef8bb6d6bb9bd380a11"] {
            XCTAssertNil(Value.parseUUID(bad), bad)
        }
        XCTAssertEqual(Value.parseBytea("\\x01FF"), [1, 255])
        XCTAssertEqual(Value.parseBytea("\\x"), [])
        XCTAssertNil(Value.parseBytea("\\x0"))
        XCTAssertNil(Value.parseBytea("\\xzz"))
        XCTAssertEqual(Value.parseBytea("a\\\\b\\001"), [97, 92, 98, 1])
        XCTAssertNil(Value.parseBytea("\\9"))
        XCTAssertEqual(Value.bytes([0, 0xAB]).description, "\\x00ab")
        XCTAssertLessThan(Value.order(.bytes([1]), .bytes([1, 0])), 0)
        XCTAssertGreaterThan(Value.order(.uuid(1, 0), .uuid(0, .max)), 0)
    }
}

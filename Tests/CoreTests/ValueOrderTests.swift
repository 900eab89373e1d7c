@testable import Core
import XCTest

/// `Value.order`: the total order behind ORDER BY, MIN/MAX and keys.
final class ValueOrderTests: XCTestCase {
    private func sign(_ a: Value, _ b: Value) -> Int { Value.order(a, b).signum() }

    /// Asserts a < b, and that the order is antisymmetric (b > a).
    private func assertLess(_ a: Value, _ b: Value, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(sign(a, b), -1, "expected \(a) < \(b)", file: file, line: line)
        XCTAssertEqual(sign(b, a), 1, "expected \(b) > \(a)", file: file, line: line)
    }

    private func assertEqualOrder(_ a: Value, _ b: Value, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(sign(a, b), 0, "expected \(a) == \(b)", file: file, line: line)
        XCTAssertEqual(sign(b, a), 0, "expected \(b) == \(a)", file: file, line: line)
    }

    func testNullSortsLastAndEqualsNull() {
        assertEqualOrder(.null, .null)
        for v: Value in [.boolean(false), .boolean(true), .integer(Int64.max), .integer(Int64.min),
                         .double(.infinity), .double(.nan), .double(-.infinity), .text(""), .text("\u{10FFFF}")] {
            assertLess(v, .null)
        }
    }

    func testIntegers() {
        assertLess(.integer(-1), .integer(0))
        assertLess(.integer(Int64.min), .integer(Int64.max))
        assertLess(.integer(Int64.max - 1), .integer(Int64.max))
        assertEqualOrder(.integer(42), .integer(42))
    }

    func testIntegerDoubleCrossCompare() {
        assertEqualOrder(.integer(1), .double(1.0))
        assertEqualOrder(.integer(0), .double(-0.0))
        assertLess(.integer(1), .double(1.5))
        assertLess(.double(1.5), .integer(2))
        assertLess(.double(-0.5), .integer(0))
        assertLess(.integer(-3), .double(-2.9))
        assertLess(.double(-.infinity), .integer(Int64.min))
        assertLess(.integer(Int64.max), .double(.infinity))
        assertLess(.integer(3), .double(1e300))
    }

    func testDoubles() {
        assertEqualOrder(.double(0.0), .double(-0.0))
        assertLess(.double(-.infinity), .double(-Double.greatestFiniteMagnitude))
        assertLess(.double(Double.greatestFiniteMagnitude), .double(.infinity))
        assertLess(.double(0), .double(Double.leastNonzeroMagnitude))
        assertLess(.double(0.1), .double(0.2))
    }

    func testNaNSortsAboveEveryNumberButBelowNull() {
        let nan = Value.double(.nan)
        assertEqualOrder(nan, nan)
        assertEqualOrder(nan, .double(-.nan))
        assertLess(.double(.infinity), nan)
        assertLess(.double(-.infinity), nan)
        assertLess(.integer(Int64.max), nan)
        assertLess(.integer(Int64.min), nan)
        assertLess(nan, .null)
    }

    func testTextComparesByCodePointNotLocale() {
        assertLess(.text("Z"), .text("a"))          // 0x5A < 0x61: uppercase before lowercase
        assertLess(.text("z"), .text("é"))          // U+007A < U+00E9 (UTF-8 0x7A < 0xC3)
        assertLess(.text("é"), .text("中"))          // U+00E9 < U+4E2D
        assertLess(.text("中"), .text("😀"))         // BMP before supplementary planes
        assertLess(.text("\u{FFFF}"), .text("\u{10000}"))
        assertLess(.text(""), .text("\u{0}"))       // a prefix sorts first, even before NUL
        assertLess(.text("ab"), .text("abc"))
        assertLess(.text("abc"), .text("abd"))
        assertLess(.text("10"), .text("9"))         // text, not numbers
        assertEqualOrder(.text("héllo"), .text("héllo"))
    }

    func testTextSortMatchesUnicodeScalarOrder() {
        let words = ["b", "B", "a", "A", "é", "E", "z", "Z", "中", "😀", "ä", "", " ", "~", "\u{7F}", "aa"]
        let sorted = words.map { Value.text($0) }.sorted { Value.order($0, $1) < 0 }
        let expected = words.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        XCTAssertEqual(sorted, expected.map { Value.text($0) })
    }

    func testCompareCodePointsDirectly() {
        XCTAssertEqual(Value.compareCodePoints("", ""), 0)
        XCTAssertEqual(Value.compareCodePoints("a", ""), 1)
        XCTAssertEqual(Value.compareCodePoints("", "a"), -1)
        XCTAssertEqual(Value.compareCodePoints("é", "z"), 1)
        // Precomposed é (U+00E9) vs e + combining acute (U+0065 U+0301): Swift calls them
        // equal Strings, but a code-point collation tells them apart.
        XCTAssertNotEqual(Value.compareCodePoints("\u{E9}", "e\u{301}"), 0)
    }

    func testBooleans() {
        assertLess(.boolean(false), .boolean(true))
        assertEqualOrder(.boolean(true), .boolean(true))
    }

    func testMixedTypesHaveAFixedRank() {
        // boolean < numbers < text < NULL
        assertLess(.boolean(true), .integer(Int64.min))
        assertLess(.boolean(true), .double(-.infinity))
        assertLess(.integer(Int64.max), .text(""))
        assertLess(.double(.nan), .text(""))
        assertLess(.text("\u{10FFFF}"), .null)
    }

    /// The order must be a total order: sorting any permutation gives the same result,
    /// and it is transitive over a mixed sample.
    func testTotalOrderOverMixedSample() {
        let sample: [Value] = [
            .null, .boolean(false), .boolean(true), .integer(-5), .integer(0), .integer(3),
            .double(-.infinity), .double(-2.5), .double(0.5), .double(3.0), .double(.infinity), .double(.nan),
            .text(""), .text("A"), .text("a"), .text("é"),
        ]
        for a in sample {
            XCTAssertEqual(sign(a, a), 0, "reflexive for \(a)")
            for b in sample {
                XCTAssertEqual(sign(a, b), -sign(b, a), "antisymmetric for \(a), \(b)")
                for c in sample where sign(a, b) <= 0 && sign(b, c) <= 0 {
                    XCTAssertLessThanOrEqual(sign(a, c), 0, "transitive for \(a) <= \(b) <= \(c)")
                }
            }
        }
        var rng = SystemRandomNumberGenerator()
        let reference = sample.sorted { Value.order($0, $1) < 0 }
        for _ in 0..<20 {
            let shuffled = sample.shuffled(using: &rng).sorted { Value.order($0, $1) < 0 }
            XCTAssertEqual(shuffled.map(\.description), reference.map(\.description))
        }
        XCTAssertEqual(reference.first, .boolean(false))
        XCTAssertEqual(reference.last, .null)
    }

    /// Integers beyond 2^53 are not all representable as doubles. Comparing them by
    /// converting the integer to Double makes the "equal" relation non-transitive
    /// (int 2^53 == double 2^53 == int 2^53+1, yet int 2^53 < int 2^53+1), which breaks
    /// sorting, MIN/MAX and key comparisons. The order must compare exact values.
    func testIntegerDoubleCompareIsExactBeyond2Pow53() {
        let big = Int64(1) << 53                         // 9007199254740992, exactly a double
        let a = Value.integer(big)
        let b = Value.double(Double(big))
        let c = Value.integer(big + 1)                   // not representable as a double
        assertLess(a, c)
        assertEqualOrder(a, b)
        assertLess(b, c)                                 // 2^53 < 2^53 + 1
        // Double(Int64.max) rounds up to 2^63, which is larger than Int64.max.
        assertLess(.integer(Int64.max), .double(9_223_372_036_854_775_808.0))
        assertLess(.double(-9_223_372_036_854_775_808.0), .integer(Int64.min + 1))
        assertEqualOrder(.double(-9_223_372_036_854_775_808.0), .integer(Int64.min))
    }

    /// pgvector's vector_cmp: element by element, then the shorter first;
    /// equality and hashing agree with the order (-0 equals 0).
    func testVectors() {
        assertLess(.vector([1, 2]), .vector([1, 3]))
        assertLess(.vector([1, 2]), .vector([1, 2, 0]))
        assertLess(.vector([1, 2, 9]), .vector([1, 3]))
        assertLess(.vector([-5]), .vector([-4.5]))
        assertEqualOrder(.vector([0, 1]), .vector([-0.0, 1]))
        XCTAssertEqual(Value.vector([0, 1]), .vector([-0.0, 1]))
        XCTAssertEqual(Set<Value>([.vector([0, 1]), .vector([-0.0, 1])]).count, 1)
        XCTAssertNotEqual(Value.vector([1, 2]), .vector([1, 2, 0]))
        XCTAssertNotEqual(Value.vector([1]), .double(1))
        assertLess(.vector([1]), .null)
        assertLess(.jsonText("[1]"), .vector([1]))
    }

    /// Text equality and hashing go by code points whatever a string's
    /// representation: small and heap strings with the same content are
    /// equal and hash alike; canonically equivalent but different code
    /// points are not equal (Swift's `==` would say they are).
    func testTextEqualityByCodePointsAcrossRepresentations() {
        let long = String(repeating: "grüße ", count: 8)
        let builtApart = (0..<8).map { _ in "grüße " }.joined()
        XCTAssertEqual(Value.text(long), .text(builtApart))
        XCTAssertEqual(Set<Value>([.text(long), .text(builtApart)]).count, 1)
        let small = "shipped", fromBytes = String(decoding: Array("shipped".utf8), as: UTF8.self)
        let fromSubstring = String("xshipped".dropFirst())
        XCTAssertEqual(Value.text(small), .text(fromBytes))
        XCTAssertEqual(Value.text(small), .text(fromSubstring))
        XCTAssertEqual(Set<Value>([.text(small), .text(fromBytes), .text(fromSubstring)]).count, 1)
        XCTAssertNotEqual(Value.text("\u{E9}"), .text("e\u{301}"))
        XCTAssertEqual(Set<Value>([.text("\u{E9}"), .text("e\u{301}")]).count, 2)
        XCTAssertNotEqual(Value.text("pending"), .text("shipped"))
        XCTAssertNotEqual(Value.text(long), .text(long + "x"))
        XCTAssertNotEqual(Value.text(long), .text(String(long.dropLast()) + "!"))
        XCTAssertNotEqual(Value.text("a"), .jsonText("a"))
        XCTAssertEqual(Value.jsonText(long), .jsonText(builtApart))
        XCTAssertEqual(Value.text(""), .text(String()))
    }
}

import Core
@testable import SQL
import XCTest

/// The hash structures and the LIKE matcher behind the executor's hot
/// loops, checked against straightforward reference implementations.
final class ExecutionStructureTests: XCTestCase {
    func testIntegerTableAgreesWithDictionaryThroughGrowth() {
        var table = IntegerTable()
        var reference: [Int64: Int] = [:]
        var generator = SystemRandomNumberGenerator()
        let edges: [Int64] = [0, -1, 1, .min, .max, 1 << 32, -(1 << 40)]
        for i in 0..<20_000 {
            let key = i < edges.count ? edges[i] : Int64.random(in: -5_000...5_000, using: &generator) &* 4096
            let found = table.findOrInsert(key, next: reference.count)
            if let existing = reference[key] {
                XCTAssertEqual(found.number, existing)
                XCTAssertFalse(found.isNew)
            } else {
                XCTAssertTrue(found.isNew)
                reference[key] = found.number
            }
        }
        for (key, value) in reference { XCTAssertEqual(table.find(key), value) }
        XCTAssertNil(table.find(123_456_789))
        XCTAssertNil(IntegerTable().find(0))
    }

    func testIntegerTableReplaceReturnsPrevious() {
        var table = IntegerTable(capacity: 2)
        XCTAssertNil(table.replace(42, with: 1))
        XCTAssertEqual(table.replace(42, with: 7), 1)
        XCTAssertEqual(table.find(42), 7)
        for k in 0..<1000 { _ = table.replace(Int64(k) * 31, with: k) }
        XCTAssertEqual(table.find(31 * 999), 999)
        XCTAssertEqual(table.find(42), 7)
    }

    func testValueNumberingKeepsValueEquality() {
        var numbering = ValueNumbering()
        XCTAssertEqual(numbering.number(.integer(1)).number, 0)
        XCTAssertEqual(numbering.number(.double(1)).number, 1, "integer 1 and double 1.0 are distinct unless normalized")
        XCTAssertEqual(numbering.number(.text("é")).number, 2)
        XCTAssertEqual(numbering.number(.text("e\u{301}")).number, 3, "text compares by code points, not canonically")
        XCTAssertEqual(numbering.number(.null).number, 4)
        XCTAssertFalse(numbering.number(.integer(1)).isNew)
        XCTAssertEqual(numbering.lookup(.text("é")), 2)
        XCTAssertNil(numbering.lookup(.integer(2)))
        XCTAssertEqual(numbering.count, 5)
        XCTAssertEqual(SubqueryExpression.normalize(.double(3)), .integer(3))
        XCTAssertEqual(SubqueryExpression.normalize(.double(2.5)), .double(2.5))
        XCTAssertEqual(SubqueryExpression.normalize(.double(1e300)), .double(1e300))
        XCTAssertTrue(SubqueryExpression.normalize(.double(.nan)) == .double(.nan))
    }

    func testJoinHashTableChainsRowsInInputOrder() throws {
        let rows: [Row] = [[.integer(1), .text("a")], [.integer(2), .text("b")], [.null, .text("n")],
                           [.integer(1), .text("c")], [.text("k"), .text("d")]]
        let table = try JoinHashTable<SingleKeyIndex>(rows, width: 2) { (row) throws(SQLError) in
            row[0].isNull ? nil : row[0]
        }
        var matches: [String] = []
        var i = table.first(.integer(1))
        while i >= 0 { matches.append(table.row(i).last!.description); i = table.next[i] }
        XCTAssertEqual(matches, ["a", "c"])
        XCTAssertEqual(table.first(.text("k")), 4)
        XCTAssertEqual(table.first(.integer(3)), -1)
        XCTAssertEqual(table.first(.null), -1, "NULL keys are never stored")
        XCTAssertFalse(table.isEmpty)
    }

    func testLikeMatchesByCharacter() {
        let cases: [(String, String, Bool)] = [
            ("abc", "abc", true), ("abc", "a%", true), ("abc", "%c", true), ("abc", "%b%", true),
            ("abc", "%d%", false), ("abc", "a_c", true), ("abc", "a__c", false), ("", "%", true),
            ("", "_", false), ("x", "", false), ("", "", true), ("épée", "_p_e", true), ("épée", "é%e", true),
            ("naïve", "na_ve", true), ("naïve", "na__ve", false), ("a%c", "a\\%c", true), ("abc", "a\\%c", false),
            ("a_c", "a\\_c", true), ("abc", "a\\_c", false), ("aaa", "%a%a%a%", true), ("aa", "%a%a%a%", false),
            ("mississippi", "%iss%pi", true), ("mississippi", "m%s_s%i", true), ("日本語", "_本_", true),
            ("日本語", "%語", true), ("ab", "%ab%", true), ("ab", "ab%", true), ("ab", "%b", true), ("b", "ab%", false),
        ]
        for (text, pattern, expected) in cases {
            XCTAssertEqual(LikePattern.matches(text, pattern, caseInsensitive: false), expected, "\(text) LIKE \(pattern)")
        }
        XCTAssertTrue(LikePattern.matches("ÉPÉE", "%épée%", caseInsensitive: true))
        XCTAssertFalse(LikePattern.matches("ÉPÉE", "%épée%", caseInsensitive: false))
    }
}

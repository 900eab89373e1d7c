import Core
import Foundation
import SQL
import XCTest

/// 54001 through subqueries, derived tables, set operations, joins and arrays.
final class DepthTests: ParserTestCase {
    private func nested(_ open: String, _ middle: String, _ close: String, _ count: Int) -> String {
        String(repeating: open, count: count) + middle + String(repeating: close, count: count)
    }

    private let deep = 100_000

    func testDeepQueriesFailCleanly() {
        let cases = [
            "SELECT " + nested("(SELECT ", "1", ")", deep),
            "SELECT * FROM " + nested("(SELECT * FROM ", "t", ") s", deep),
            nested("(", "SELECT 1", ")", deep),
            "SELECT 1 UNION " + nested("(SELECT 1 UNION ", "SELECT 1", ")", deep),
            "SELECT " + String(repeating: "1 UNION SELECT ", count: deep) + "1",
            "SELECT 1" + String(repeating: " INTERSECT SELECT 1", count: deep),
            "SELECT * FROM t" + String(repeating: " JOIN t ON true", count: deep),
            "SELECT * FROM t" + String(repeating: " CROSS JOIN t", count: deep),
            "SELECT * FROM t" + String(repeating: " JOIN t", count: deep) + String(repeating: " ON true", count: deep),
            "SELECT * FROM " + nested("(", "a JOIN b ON x", " JOIN c ON y)", deep),
            "SELECT * FROM " + String(repeating: "(", count: deep) + "SELECT 1" + String(repeating: ")", count: deep),
            nested("WITH x AS (", "SELECT 1", ") SELECT 1", deep),
            "SELECT " + nested("a IN (SELECT ", "1", ")", deep),
            "SELECT " + nested("EXISTS (SELECT ", "1", ")", deep),
            "SELECT " + nested("a = ANY (SELECT ", "1", ")", deep),
            "SELECT " + nested("ARRAY[", "1", "]", deep),
            "SELECT ARRAY" + nested("[", "1", "]", deep),
            "SELECT " + nested("ROW(", "1", ")", deep),
            "SELECT " + nested("(1, ", "1", ")", deep),
            "SELECT " + nested("sum(", "1", ") OVER ()", deep),
            "SELECT " + nested("sum(1) OVER (ORDER BY ", "1", ")", deep),
            "SELECT " + nested("extract(year from ", "1", ")", deep),
            "SELECT " + nested("substring(", "1", " FROM 1)", deep),
            "SELECT " + nested("trim(", "1", ")", deep),
            "SELECT " + String(repeating: "a -> ", count: deep) + "a",
            "SELECT " + String(repeating: "a IS DISTINCT FROM ", count: deep) + "a",
            "SELECT a" + String(repeating: " IS TRUE", count: deep),
            "INSERT INTO t " + nested("(SELECT * FROM ", "t", ") s", deep),
            "SELECT * FROM " + nested("f(", "1", ")", deep),
            "SELECT " + String(repeating: "(", count: deep),
            "SELECT * FROM " + String(repeating: "(", count: deep),
        ]
        for sql in cases {
            let e = error(sql)
            XCTAssertEqual(e?.sqlState, "54001", String(sql.prefix(60)))
            XCTAssertEqual(e?.message, "stack depth limit exceeded", String(sql.prefix(60)))
            XCTAssertNotNil(e?.position, String(sql.prefix(60)))
        }
    }

    func testModerateNestingParses() {
        let cases = [
            "SELECT " + nested("(SELECT ", "1", ")", 200),
            "SELECT * FROM " + nested("(SELECT * FROM ", "t", ") s", 200),
            "SELECT " + String(repeating: "1 UNION SELECT ", count: 400) + "1",
            "SELECT * FROM t" + String(repeating: " JOIN t ON true", count: 400),
            "SELECT * FROM " + nested("(", "a JOIN b ON x", " JOIN c ON y)", 200),
            nested("WITH x AS (", "SELECT 1", ") SELECT 1", 200),
            "SELECT " + nested("ARRAY[", "1", "]", 400),
            nested("(", "SELECT 1", ")", 400),
        ]
        for sql in cases {
            XCTAssertEqual(parse(sql).count, 1, String(sql.prefix(60)))
        }
    }

    /// The depth of the tree handed on counts through subqueries: the nested
    /// subqueries and the expressions inside them share one budget.
    func testTreeDepthCountsThroughSubqueries() {
        let chain = String(repeating: "1 + ", count: 600) + "1"
        XCTAssertEqual(parse("SELECT " + chain).count, 1)
        XCTAssertEqual(parse("SELECT (SELECT " + chain + ")").count, 1)
        let sql = "SELECT " + nested("(SELECT ", chain, ")", 300)
        XCTAssertEqual(error(sql)?.sqlState, "54001")
        // The first operand of a long UNION chain is as deep as the chain is long.
        let unions = "SELECT " + chain + String(repeating: " UNION SELECT 1", count: 600)
        XCTAssertEqual(error(unions)?.sqlState, "54001")
        XCTAssertEqual(parse("SELECT 1" + String(repeating: " UNION SELECT 1", count: 600) + " UNION SELECT " + chain).count, 1)
        let joins = "SELECT * FROM t" + String(repeating: " JOIN t ON true", count: 600) + " JOIN t ON " + chain
        XCTAssertEqual(parse(joins).count, 1)
        let deepFirst = "SELECT * FROM t JOIN t ON " + chain + String(repeating: " JOIN t ON true", count: 600)
        XCTAssertEqual(error(deepFirst)?.sqlState, "54001")
    }

    func testDeepSubqueriesOnSmallStackThread() {
        let done = expectation(description: "parsed")
        nonisolated(unsafe) var states: [String] = []
        let thread = Thread {
            let inputs = [
                "SELECT " + String(repeating: "(SELECT ", count: 10) + "1" + String(repeating: ")", count: 10),
                "SELECT " + String(repeating: "(SELECT ", count: 100_000) + "1" + String(repeating: ")", count: 100_000),
                "SELECT * FROM " + String(repeating: "(SELECT * FROM ", count: 100_000) + "t"
                    + String(repeating: ") s", count: 100_000),
                "SELECT * FROM " + String(repeating: "(", count: 100_000) + "a JOIN b ON x"
                    + String(repeating: " JOIN c ON y)", count: 100_000),
            ]
            for sql in inputs {
                do throws(SQLError) {
                    _ = try Parser.parse(sql)
                    states.append("ok")
                } catch {
                    states.append(error.sqlState)
                }
            }
            done.fulfill()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        wait(for: [done], timeout: 120)
        XCTAssertEqual(states, ["ok", "54001", "54001", "54001"])
    }
}

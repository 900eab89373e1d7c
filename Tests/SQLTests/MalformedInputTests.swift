import Core
import Foundation
import SQL
import XCTest

final class MalformedInputTests: ParserTestCase {
    func testMalformedStatements() {
        assertSyntaxError("", near: nil, at: 1)
        assertSyntaxError("   ", near: nil, at: 4)
        assertSyntaxError(";", near: nil, at: 2)
        assertSyntaxError("-- only a comment", near: nil, at: 18)
        assertSyntaxError("SELECT", near: nil, at: 7)
        assertSyntaxError("SELECT FROM", near: "FROM", at: 8)
        assertSyntaxError("SELECT FROM t", near: "FROM", at: 8)
        assertSyntaxError("select a from", near: nil, at: 14)
        assertSyntaxError("SELECT a FROM t WHERE", near: nil, at: 22)
        assertSyntaxError("SELECT a, FROM t", near: "FROM", at: 11)
        assertSyntaxError("SELECT a,, b", near: ",", at: 10)
        assertSyntaxError("SELECT a FROM t t2 t3", near: "t3", at: 20)
        assertSyntaxError("SELEC 1", near: "SELEC", at: 1)
        assertSyntaxError("1", near: "1", at: 1)
        assertSyntaxError("(SELECT 1", near: nil, at: 10)
        assertSyntaxError("FROM t", near: "FROM", at: 1)
        assertSyntaxError("SELECT 1 2", near: "2", at: 10)
        assertSyntaxError("SELECT 'a' 'b'", near: "'b'", at: 12)
        assertSyntaxError("SELECT * FROM t WHERE a = 1 ORDER BY a LIMIT 1 OFFSET", near: nil, at: 54)
        assertSyntaxError("SELECT é FROM t WHERE ⊕ ⊕ ⊕", near: "⊕", at: 25)
        assertSyntaxError("INSERT INTO t VALUES ('é', 😀 +)", near: ")", at: 31)
        assertError("SELECT 'abc", "42601", "unterminated quoted string at or near \"'abc\"", at: 8)
        assertError("SELECT 1; SELECT 'oops", "42601", "unterminated quoted string at or near \"'oops\"", at: 18)
        assertError("SELECT \"abc", "42601", "unterminated quoted identifier at or near \"\"abc\"", at: 8)
        assertError("SELECT 1 /* never closed", "42601", "unterminated /* comment at or near \"/* never closed\"", at: 10)
        assertError("SELECT 1 ## 2", "42883", "operator does not exist: ##", at: 10)
        assertError("SELECT 12ab", "42601", "trailing junk after numeric literal at or near \"12ab\"", at: 8)
    }

    func testReservedWordsNeedQuoting() {
        assertSyntaxError("SELECT select FROM t", near: "select", at: 8)
        assertSyntaxError("SELECT a FROM where", near: "where", at: 15)
        assertSyntaxError("INSERT INTO t (order) VALUES (1)", near: "order", at: 16)
        XCTAssertEqual(fromShape(#""where""#), "where")
        // Unreserved keywords are ordinary names.
        XCTAssertEqual(shape("key + values + rows + first"), "(+ (+ (+ key values) rows) first)")
        XCTAssertEqual(fromShape("transaction"), "transaction")
    }

    func testGarbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("SELECT FROM WHERE ( ) , . ; ' \" $1 -- /* */ * + - = < > | : é 😀 \u{0} \n 123 1.5e3 a NOT IS NULL CASE END")
        let words = ["SELECT", "FROM", "WHERE", "(", ")", ",", "UNION", "ALL", "WITH", "AS", "JOIN", "ON", "LEFT",
                     "USING", "VALUES", "IN", "ANY", "EXISTS", "OVER", "ROWS", "BETWEEN", "AND", "PRECEDING", "ARRAY[",
                     "]", "->", "@>", "?", "^", "t", "1", "'x'", "ORDER BY", "LIMIT", "INSERT INTO", "DEFAULT", "SET",
                     "NATURAL", "CROSS", "ROW(", "::", "IS", "DISTINCT", "FROM", "CURRENT ROW", "CREATE VIEW", "INDEX"]
        for _ in 0..<4_000 {
            let sql = (0..<Int.random(in: 0..<30, using: &generator)).map { _ in words.randomElement(using: &generator)! }
                .joined(separator: " ")
            do throws(SQLError) {
                _ = try Parser.parse(sql)
            } catch {
                XCTAssertFalse(error.sqlState.isEmpty)
                if let position = error.position { XCTAssertGreaterThanOrEqual(position, 1, sql) }
            }
        }
        for _ in 0..<2_000 {
            let length = Int.random(in: 0..<40, using: &generator)
            let sql = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            do throws(SQLError) {
                _ = try Parser.parse(sql)
            } catch {
                XCTAssertFalse(error.sqlState.isEmpty)
                if let position = error.position { XCTAssertGreaterThanOrEqual(position, 1, sql) }
            }
        }
        let bytes: [UInt8] = [0xFF, 0x00, 0x80, 0x27, 0x22, 0x2F, 0x2A, 0x24]
        for _ in 0..<500 {
            let raw = (0..<Int.random(in: 1..<20, using: &generator)).map { _ in bytes.randomElement(using: &generator)! }
            _ = try? Parser.parse(String(decoding: raw, as: UTF8.self))
        }
    }

    func testTruncatedStatementsAllFailCleanly() {
        let statements = [
            "CREATE TABLE IF NOT EXISTS t (id BIGINT NOT NULL, name VARCHAR(10) NOT NULL DEFAULT 'x', PRIMARY KEY (id))",
            "INSERT INTO t (a, b) VALUES (1, 'two'), ($1, -3.5) RETURNING a AS x, *",
            "SELECT DISTINCT t.a, count(DISTINCT b) FROM t AS x WHERE a BETWEEN 1 AND 2 AND b NOT IN (1, 2) "
                + "GROUP BY a HAVING count(*) > 1 ORDER BY a DESC NULLS LAST LIMIT 5 OFFSET 2",
            "UPDATE t SET a = CASE WHEN b IS NULL THEN CAST($1 AS INT) ELSE a::int END WHERE c LIKE 'x%' RETURNING a",
            "DELETE FROM t WHERE NOT (a = 1 OR b <> 2) RETURNING *",
            "WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r "
                + "INTERSECT (SELECT 2 ORDER BY 1 LIMIT 1) ORDER BY 1 FETCH FIRST 3 ROWS ONLY",
            "SELECT DISTINCT ON (a) a, sum(b) OVER (w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), (SELECT 1), "
                + "EXISTS (SELECT 1), a IN (SELECT 1), a = ANY (ARRAY[1, 2]), (a, b), doc ->> 'k', v <-> $1, "
                + "EXTRACT(year FROM d), trim(LEADING 'x' FROM s), a IS NOT DISTINCT FROM b "
                + "FROM (a JOIN b USING (k)) LEFT JOIN (SELECT 1) s (x) ON true, generate_series(1, 2) g "
                + "WINDOW w AS (PARTITION BY a ORDER BY b)",
            "INSERT INTO t (a) VALUES (DEFAULT) ON CONFLICT (a) DO UPDATE SET (a, b) = (excluded.a, 1) WHERE a > 0",
            "CREATE UNIQUE INDEX IF NOT EXISTS i ON t USING hnsw (v vector_l2_ops DESC) WITH (m = 16)",
            "CREATE TABLE t (a SERIAL PRIMARY KEY, b INT REFERENCES u (id) ON DELETE SET NULL CHECK (b > 0), "
                + "CONSTRAINT k UNIQUE (b), FOREIGN KEY (b) REFERENCES v)",
            "ALTER TABLE IF EXISTS t ADD COLUMN IF NOT EXISTS c TEXT DEFAULT 'x' NOT NULL",
            "CREATE OR REPLACE VIEW v (a) AS SELECT a FROM t UNION SELECT 1",
        ]
        for full in statements {
            XCTAssertEqual(parse(full).count, 1, full)
            let tokens = (try? Lexer.tokenize(full)) ?? []
            for token in tokens.dropLast() where token.start > 0 {
                let prefix = String(decoding: Array(full.utf8)[..<token.start], as: UTF8.self)
                do throws(SQLError) {
                    _ = try Parser.parse(prefix)
                } catch {
                    XCTAssertNotNil(error.position, prefix)
                }
            }
        }
    }

    // MARK: - Depth limits

    func testDeepParenthesesFailCleanly() {
        let depth = 100_000
        let sql = "SELECT " + String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        let e = error(sql)
        XCTAssertEqual(e?.sqlState, "54001")
        XCTAssertEqual(e?.message, "stack depth limit exceeded")
        XCTAssertNotNil(e?.position)
        let unclosed = "SELECT " + String(repeating: "(", count: depth)
        XCTAssertEqual(error(unclosed)?.sqlState, "54001")
    }

    func testNestingJustUnderTheLimitParses() {
        let depth = SQLParser.maxDepth - 1
        let sql = "SELECT " + String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        XCTAssertEqual(expr(String(sql.dropFirst(7))), .literal(.integer(1), position: 7 + depth + 1))
        let calls = "SELECT " + String(repeating: "f(", count: 500) + "1" + String(repeating: ")", count: 500)
        XCTAssertEqual(parse(calls).count, 1)
    }

    /// On a thread with a small stack (macOS gives secondary threads 512 KB)
    /// deep input must still fail with 54001 instead of overflowing.
    func testDeepNestingOnSmallStackThread() {
        let done = expectation(description: "parsed")
        nonisolated(unsafe) var states: [String] = []
        let thread = Thread {
            for depth in [20, 999, 100_000] {
                let sql = "SELECT " + String(repeating: "CASE WHEN (", count: depth) + "1"
                    + String(repeating: ") THEN 1 END", count: depth)
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
        wait(for: [done], timeout: 60)
        XCTAssertEqual(states, ["ok", "54001", "54001"])
    }

    func testDeepTreesFailCleanly() {
        let chains = [
            "SELECT " + String(repeating: "1 + ", count: 100_000) + "1",
            "SELECT " + String(repeating: "- ", count: 100_000) + "a",
            "SELECT " + String(repeating: "NOT ", count: 100_000) + "true",
            "SELECT " + String(repeating: "a IS NULL ", count: 1) + String(repeating: "IS NULL ", count: 100_000),
            "SELECT a" + String(repeating: "::int", count: 100_000),
            "SELECT " + String(repeating: "f(", count: 100_000) + "1" + String(repeating: ")", count: 100_000),
            "SELECT " + String(repeating: "CASE WHEN a THEN ", count: 50_000) + "1" + String(repeating: " END", count: 50_000),
            "SELECT a FROM t WHERE " + String(repeating: "a = 1 OR ", count: 100_000) + "true",
        ]
        for sql in chains {
            let e = error(sql)
            XCTAssertEqual(e?.sqlState, "54001", String(sql.prefix(40)))
        }
        // Long but flat lists are fine.
        let list = (1...20_000).map(String.init).joined(separator: ", ")
        XCTAssertEqual(select("SELECT a FROM t WHERE a IN (\(list))")?.whereClause.map {
            if case .inList(_, let items, _, _) = $0 { items.count } else { 0 }
        }, 20_000)
        XCTAssertEqual(select("SELECT \(list)")?.items.count, 20_000)
    }
}

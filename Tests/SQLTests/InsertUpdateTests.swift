import Core
import SQL
import XCTest

/// INSERT sources, ON CONFLICT, DEFAULT, multi-column SET.
final class InsertUpdateTests: ParserTestCase {
    private func insert(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> Insert? {
        guard case .insert(let i)? = one(sql, file: file, line: line) else {
            XCTFail("not INSERT: \(sql)", file: file, line: line)
            return nil
        }
        return i
    }

    func testInsertSources() {
        XCTAssertEqual(insert("INSERT INTO t DEFAULT VALUES")?.source, .defaultValues)
        XCTAssertEqual(insert("INSERT INTO t (a) VALUES (DEFAULT), (1)")?.source,
                       .values([[.defaultValue(position: 27)], [.literal(.integer(1), position: 38)]]))
        guard let s = insert("INSERT INTO s.t (a, b) SELECT x, y FROM u WHERE x > 0 RETURNING *") else { return }
        XCTAssertEqual(s.table, "s.t")
        XCTAssertEqual(s.columns, ["a", "b"])
        guard case .query(let q) = s.source else { return XCTFail() }
        XCTAssertEqual(render(q), "(SELECT x, y FROM u WHERE (> x 0))")
        XCTAssertEqual(q.position, 24)
        XCTAssertEqual(s.returning, [.wildcard(table: nil, position: 65)])
        let cases: [(String, String)] = [
            ("INSERT INTO t (SELECT 1)", "(SELECT 1)"),
            ("INSERT INTO t ((SELECT 1) UNION (SELECT 2))", "((SELECT 1) UNION (SELECT 2))"),
            ("INSERT INTO t WITH x AS (SELECT 1) SELECT * FROM x", "<WITH x AS (SELECT 1) (SELECT * FROM x)>"),
            ("INSERT INTO t VALUES (1) UNION ALL VALUES (2)", "((VALUES (1)) UNION ALL (VALUES (2)))"),
            ("INSERT INTO t VALUES (1), (2) ORDER BY 1 LIMIT 1", "<(VALUES (1), (2)) ORDER BY 1 LIMIT 1>"),
            ("INSERT INTO t (a) SELECT 1 UNION SELECT 2", "((SELECT 1) UNION (SELECT 2))"),
        ]
        for (sql, expected) in cases {
            guard case .query(let query)? = insert(sql)?.source else { XCTFail(sql); continue }
            XCTAssertEqual(render(query), expected, sql)
        }
        assertSyntaxError("INSERT INTO t DEFAULT", near: nil, at: 22)
        assertSyntaxError("INSERT INTO t DEFAULT VALUES (1)", near: "(", at: 30)
        assertSyntaxError("INSERT INTO t (a) DEFAULT", near: nil, at: 26)
        assertSyntaxError("INSERT INTO t SELECT", near: nil, at: 21)
        assertSyntaxError("INSERT INTO t (SELECT 1", near: nil, at: 24)
        assertSyntaxError("INSERT INTO t VALUES (DEFAULT + 1)", near: "DEFAULT", at: 23)
        assertError("INSERT INTO t VALUES (DEFAULT) UNION VALUES (1)", "42601", "DEFAULT is not allowed in this context",
                    at: 23)
        assertError("INSERT INTO t SELECT * FROM (VALUES (DEFAULT)) v", "42601",
                    "DEFAULT is not allowed in this context", at: 38)
        assertError("INSERT INTO t (a) VALUES (1, DEFAULT)", "42601", "INSERT has more expressions than target columns",
                    at: 30)
    }

    func testOnConflict() {
        guard let i = insert("INSERT INTO t (k, v) VALUES (1, 2) ON CONFLICT (k) DO UPDATE SET v = excluded.v + t.v, "
                             + "w = DEFAULT WHERE t.v < excluded.v RETURNING k") else { return }
        XCTAssertEqual(i.onConflict?.columns, ["k"])
        guard case .doUpdate(let assignments, let whereClause)? = i.onConflict?.action else { return XCTFail() }
        XCTAssertEqual(assignments.map(\.column), ["v", "w"])
        XCTAssertEqual(assignments.map { render($0.value) }, ["(+ excluded.v t.v)", "DEFAULT"])
        XCTAssertEqual(assignments.map(\.position), [66, 88])
        XCTAssertEqual(whereClause.map(render), "(< t.v excluded.v)")
        XCTAssertEqual(i.returning?.map(render), ["k"])
        XCTAssertEqual(insert("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING")?.onConflict,
                       OnConflict(columns: [], action: .doNothing))
        XCTAssertEqual(insert("INSERT INTO t VALUES (1) ON CONFLICT (a, b) DO NOTHING RETURNING a")?.onConflict,
                       OnConflict(columns: ["a", "b"], action: .doNothing))
        XCTAssertEqual(insert("INSERT INTO t SELECT 1 ON CONFLICT (a) DO NOTHING")?.onConflict?.columns, ["a"])
        assertError("INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET a = 1", "42601",
                    "ON CONFLICT DO UPDATE requires inference specification or constraint name", at: 26)
        assertError("INSERT INTO t VALUES (1) ON CONFLICT ON CONSTRAINT k DO NOTHING", "42601",
                    "ON CONFLICT ON CONSTRAINT is not supported", at: 38)
        assertError("INSERT INTO t VALUES (1) ON CONFLICT (a) WHERE a > 0 DO NOTHING", "42601",
                    "ON CONFLICT … WHERE (a partial index's predicate) is not supported", at: 42)
        assertSyntaxError("INSERT INTO t VALUES (1) ON CONFLICT", near: nil, at: 37)
        assertSyntaxError("INSERT INTO t VALUES (1) ON CONFLICT (a)", near: nil, at: 41)
        assertSyntaxError("INSERT INTO t VALUES (1) ON CONFLICT (a) DO", near: nil, at: 44)
        assertSyntaxError("INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE a = 1", near: "a", at: 52)
        assertSyntaxError("INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET", near: nil, at: 55)
        assertSyntaxError("INSERT INTO t VALUES (1) ON CONFLICT () DO NOTHING", near: ")", at: 39)
        assertSyntaxError("INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = 1", near: "DUPLICATE", at: 29)
        assertError("INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 1, b = 2", "42601",
                    "multiple assignments to same column \"b\"", at: 63)
    }

    func testUpdateSetForms() {
        guard case .update(let u)? = one("UPDATE t SET (a, b) = (1, b + 1), c = DEFAULT, (d) = (2), (e, f) = ROW(3, 4)")
        else { return XCTFail() }
        XCTAssertEqual(u.assignments.map(\.column), ["a", "b", "c", "d", "e", "f"])
        XCTAssertEqual(u.assignments.map { render($0.value) }, ["1", "(+ b 1)", "DEFAULT", "2", "3", "4"])
        XCTAssertEqual(u.assignments.map(\.position), [15, 18, 35, 49, 60, 63])
        assertError("UPDATE t SET (a, b) = (1, 2, 3)", "42601", "number of columns does not match number of values", at: 23)
        assertError("UPDATE t SET (a, b) = 1", "42601",
                    "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression", at: 23)
        assertError("UPDATE t SET (a, b) = (SELECT 1, 2)", "42601",
                    "a multiple-column assignment from a sub-SELECT is not supported", at: 23)
        assertError("UPDATE t SET (a, a) = (1, 2)", "42601", "multiple assignments to same column \"a\"", at: 15)
        assertError("UPDATE t SET a = 1, (b, a) = (1, 2)", "42601", "multiple assignments to same column \"a\"", at: 25)
        assertSyntaxError("UPDATE t SET (a, b) = DEFAULT", near: "DEFAULT", at: 23)
        assertSyntaxError("UPDATE t SET a = DEFAULT + 1", near: "+", at: 26)
        assertSyntaxError("UPDATE t SET () = (1)", near: ")", at: 15)
        assertSyntaxError("UPDATE t SET (a, b = (1, 2)", near: "=", at: 20)
    }
}

import Core
import SQL
import XCTest

final class DMLTests: ParserTestCase {
    func testInsert() {
        let expected = Insert(
            table: "t", columns: ["a", "b"],
            source: .values([[.literal(.integer(1), position: 30), .literal(.text("x"), position: 33)],
                   [.parameter(1, position: 40), .literal(.null, position: 44)]]),
            returning: nil, position: 1)
        XCTAssertEqual(one("INSERT INTO t (a, b) VALUES (1, 'x'), ($1, NULL)"), .insert(expected))
        guard case .insert(let plain)? = one("insert into T values (1)") else { return XCTFail() }
        XCTAssertNil(plain.columns)
        XCTAssertEqual(plain.table, "t")
        XCTAssertEqual(plain.source, .values([[.literal(.integer(1), position: 23)]]))
        guard case .insert(let r)? = one("INSERT INTO t VALUES (1, 2) RETURNING *, a + 1 AS b") else { return XCTFail() }
        XCTAssertEqual(r.returning, [.wildcard(table: nil, position: 39),
                                     .expression(.binary(.add, .column(table: nil, name: "a", position: 42),
                                                         .literal(.integer(1), position: 46), position: 42),
                                                 alias: "b")])
        XCTAssertEqual(Statement.insert(r).tag, "INSERT")
    }

    func testInsertErrors() {
        assertSyntaxError("INSERT INTO t VALUES (1,", near: nil, at: 25)
        assertSyntaxError("INSERT INTO t VALUES (1", near: nil, at: 24)
        assertSyntaxError("INSERT INTO t VALUES", near: nil, at: 21)
        assertSyntaxError("INSERT INTO t VALUES ()", near: ")", at: 23)
        assertSyntaxError("INSERT INTO t () VALUES (1)", near: ")", at: 16)
        assertSyntaxError("INSERT t VALUES (1)", near: "t", at: 8)
        assertSyntaxError("INSERT INTO t (a VALUES (1)", near: "VALUES", at: 18)
        assertSyntaxError("INSERT INTO t VALUES (1) (2)", near: "(", at: 26)
        assertSyntaxError("INSERT INTO t VALUES (1) RETURNING", near: nil, at: 35)
        assertError("INSERT INTO t VALUES (1, 2), (3)", "42601", "VALUES lists must all be the same length", at: 30)
        assertError("INSERT INTO t (a) VALUES (1, 2)", "42601", "INSERT has more expressions than target columns", at: 30)
        assertError("INSERT INTO t (a, b, c) VALUES (1)", "42601", "INSERT has more target columns than expressions",
                    at: 19)
        assertError("INSERT INTO t (a, b, a) VALUES (1, 2, 3)", "42701", "column \"a\" specified more than once", at: 22)
    }

    func testUpdate() {
        guard case .update(let u)? = one("UPDATE t SET a = a + 1, \"B\" = $2 WHERE id = $1 RETURNING a") else {
            return XCTFail()
        }
        XCTAssertEqual(u.table, "t")
        XCTAssertEqual(u.assignments.map(\.column), ["a", "B"])
        XCTAssertEqual(u.assignments.map(\.position), [14, 25])
        XCTAssertEqual(u.assignments.map { render($0.value) }, ["(+ a 1)", "$2"])
        XCTAssertEqual(u.whereClause.map(render), "(= id $1)")
        XCTAssertEqual(u.returning, [.expression(.column(table: nil, name: "a", position: 58), alias: nil)])
        XCTAssertEqual(u.position, 1)
        guard case .update(let all)? = one("update t set a = 1") else { return XCTFail() }
        XCTAssertNil(all.whereClause)
        XCTAssertNil(all.returning)
        assertError("UPDATE t SET a = 1, a = 2", "42601", "multiple assignments to same column \"a\"", at: 21)
        assertSyntaxError("UPDATE t SET", near: nil, at: 13)
        assertSyntaxError("UPDATE t a = 1", near: "=", at: 12)
        assertSyntaxError("UPDATE t SET a 1", near: "1", at: 16)
        assertSyntaxError("UPDATE t SET a = 1 WHERE", near: nil, at: 25)
    }

    func testDelete() {
        XCTAssertEqual(one("DELETE FROM t WHERE a = 1 RETURNING *"), .delete(Delete(
            table: "t",
            whereClause: .binary(.equal, .column(table: nil, name: "a", position: 21),
                                 .literal(.integer(1), position: 25), position: 21),
            returning: [.wildcard(table: nil, position: 37)], position: 1)))
        XCTAssertEqual(one("delete from t"), .delete(Delete(table: "t", whereClause: nil, position: 1)))
        assertSyntaxError("DELETE t", near: "t", at: 8)
        assertSyntaxError("DELETE FROM", near: nil, at: 12)
    }

}

import Core
import Foundation
import SQL
import XCTest

/// Foundation (through XCTest) has an `Expression` too.
private typealias Expression = SQL.Expression

/// Renders an expression as a position-free S-expression, for precedence tests.
private func render(_ e: Expression) -> String {
    switch e {
    case .literal(let v, _):
        switch v {
        case .text(let s): return "'\(s)'"
        case .integer(let i): return String(i)
        case .double(let d): return "\(d)d"
        default: return v.description.uppercased()
        }
    case .parameter(let n, _): return "$\(n)"
    case .column(let t, let n, _): return t.map { "\($0).\(n)" } ?? n
    case .unary(let op, let x, _): return "(\(op.rawValue) \(render(x)))"
    case .binary(let op, let l, let r, _): return "(\(op.rawValue) \(render(l)) \(render(r)))"
    case .isNull(let x, let negated, _): return "(IS \(negated ? "NOT " : "")NULL \(render(x)))"
    case .like(let x, let p, let negated, let ci, _):
        return "(\(negated ? "NOT " : "")\(ci ? "ILIKE" : "LIKE") \(render(x)) \(render(p)))"
    case .inList(let x, let list, let negated, _):
        return "(\(negated ? "NOT " : "")IN \(render(x)) [\(list.map(render).joined(separator: " "))])"
    case .between(let x, let low, let high, let negated, _):
        return "(\(negated ? "NOT " : "")BETWEEN \(render(x)) \(render(low)) \(render(high)))"
    case .cast(let x, let type, _): return "(CAST \(render(x)) \(type))"
    case .caseWhen(let operand, let branches, let elseResult, _):
        var parts = ["CASE"]
        if let operand { parts.append(render(operand)) }
        for b in branches { parts.append("(WHEN \(render(b.condition)) \(render(b.result)))") }
        if let elseResult { parts.append("(ELSE \(render(elseResult)))") }
        return "(\(parts.joined(separator: " ")))"
    case .function(let name, let args, let distinct, let star, _):
        if star { return "\(name)(*)" }
        return "\(name)(\(distinct ? "DISTINCT " : "")\(args.map(render).joined(separator: ", ")))"
    }
}

final class ParserTests: XCTestCase {
    // MARK: - Helpers

    private func parse(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> [Statement] {
        do throws(SQLError) {
            return try Parser.parse(sql)
        } catch {
            XCTFail("\(sql): \(error)", file: file, line: line)
            return []
        }
    }

    private func one(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> Statement? {
        let statements = parse(sql, file: file, line: line)
        XCTAssertEqual(statements.count, 1, sql, file: file, line: line)
        return statements.first
    }

    private func select(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> Select? {
        guard case .select(let s)? = one(sql, file: file, line: line) else {
            XCTFail("not a SELECT: \(sql)", file: file, line: line)
            return nil
        }
        return s
    }

    /// The expression of `SELECT <sql>` (so positions are offset by 7).
    private func expr(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> Expression? {
        guard let s = select("SELECT " + sql, file: file, line: line), s.items.count == 1,
              case .expression(let e, _) = s.items[0] else {
            XCTFail("not a single expression: \(sql)", file: file, line: line)
            return nil
        }
        return e
    }

    private func shape(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        expr(sql, file: file, line: line).map(render) ?? "<none>"
    }

    private func error(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> SQLError? {
        do throws(SQLError) {
            let result = try Parser.parse(sql)
            XCTFail("expected an error for \(sql.prefix(200)), got \(result.count) statement(s)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func assertError(_ sql: String, _ state: String, _ message: String, at position: Int?,
                             file: StaticString = #filePath, line: UInt = #line) {
        guard let e = error(sql, file: file, line: line) else { return }
        XCTAssertEqual(e.sqlState, state, sql, file: file, line: line)
        XCTAssertEqual(e.message, message, sql, file: file, line: line)
        XCTAssertEqual(e.position, position, sql, file: file, line: line)
    }

    private func assertSyntaxError(_ sql: String, near: String?, at position: Int,
                                   file: StaticString = #filePath, line: UInt = #line) {
        let message = near.map { "syntax error at or near \"\($0)\"" } ?? "syntax error at end of input"
        assertError(sql, "42601", message, at: position, file: file, line: line)
    }

    // MARK: - SELECT

    func testPrimaryKeySelect() {
        let expected = Select(
            items: [.expression(.column(table: nil, name: "id", position: 8), alias: nil),
                    .expression(.column(table: nil, name: "name", position: 12), alias: nil)],
            from: TableReference(name: "users", alias: nil, position: 22),
            whereClause: .binary(.equal, .column(table: nil, name: "id", position: 34),
                                 .parameter(1, position: 39), position: 34),
            position: 1)
        XCTAssertEqual(select("SELECT id, name FROM users WHERE id = $1"), expected)
        XCTAssertEqual(one("select id, name from users where id = $1"), .select(expected))
        XCTAssertEqual(Statement.select(expected).tag, "SELECT")
    }

    func testSelectWithoutFrom() {
        let s = select("SELECT 1+1")
        XCTAssertNil(s?.from)
        XCTAssertEqual(s?.items, [.expression(.binary(.add, .literal(.integer(1), position: 8),
                                                      .literal(.integer(1), position: 10), position: 8), alias: nil)])
    }

    func testSelectAllClauses() {
        let sql = "SELECT DISTINCT a, count(*) AS n FROM t AS x WHERE b > 1 GROUP BY a, c HAVING count(*) > 2 "
            + "ORDER BY a DESC NULLS FIRST, 2 LIMIT 10 OFFSET 5"
        guard let s = select(sql) else { return }
        XCTAssertTrue(s.distinct)
        XCTAssertEqual(s.items.count, 2)
        XCTAssertEqual(s.items[1], .expression(.function(name: "count", arguments: [], distinct: false, star: true,
                                                         position: 20), alias: "n"))
        XCTAssertEqual(s.from, TableReference(name: "t", alias: "x", position: 39))
        XCTAssertEqual(s.whereClause.map(render), "(> b 1)")
        XCTAssertEqual(s.groupBy.map(render), ["a", "c"])
        XCTAssertEqual(s.having.map(render), "(> count(*) 2)")
        XCTAssertEqual(s.orderBy.count, 2)
        XCTAssertEqual(s.orderBy[0], OrderItem(expression: .column(table: nil, name: "a", position: 101),
                                               descending: true, nullsFirst: true))
        XCTAssertEqual(s.orderBy[1], OrderItem(expression: .literal(.integer(2), position: 121),
                                               descending: false, nullsFirst: nil))
        XCTAssertEqual(s.limit, .literal(.integer(10), position: 129))
        XCTAssertEqual(s.offset, .literal(.integer(5), position: 139))
    }

    func testSelectAllAndDistinctFlags() {
        XCTAssertEqual(select("SELECT ALL a FROM t")?.distinct, false)
        XCTAssertEqual(select("SELECT a FROM t")?.distinct, false)
        XCTAssertEqual(select("SELECT DISTINCT a FROM t")?.distinct, true)
    }

    func testWildcards() {
        XCTAssertEqual(select("SELECT * FROM t")?.items, [.wildcard(table: nil, position: 8)])
        XCTAssertEqual(select("SELECT t.*, \"T\".*, *, a FROM t")?.items, [
            .wildcard(table: "t", position: 8), .wildcard(table: "T", position: 13),
            .wildcard(table: nil, position: 20), .expression(.column(table: nil, name: "a", position: 23), alias: nil),
        ])
        assertSyntaxError("SELECT * AS x FROM t", near: "AS", at: 10)
        assertSyntaxError("SELECT a.b.* FROM t", near: ".", at: 11)
    }

    func testColumnAliases() {
        let s = select(#"SELECT a AS x, b y, c AS "Mixed Case", d AS from, e "q", f AS key, g key, 1 AS select FROM t"#)
        let aliases: [String?]? = s?.items.map { if case .expression(_, let alias) = $0 { alias } else { nil } }
        XCTAssertEqual(aliases, ["x", "y", "Mixed Case", "from", "q", "key", "key", "select"])
        assertSyntaxError("SELECT a from FROM t", near: "FROM", at: 15)
        assertSyntaxError("SELECT a AS", near: nil, at: 12)
    }

    func testTableAliases() {
        XCTAssertEqual(select("SELECT * FROM users u")?.from, TableReference(name: "users", alias: "u", position: 15))
        XCTAssertEqual(select("SELECT * FROM Users AS U")?.from, TableReference(name: "users", alias: "u", position: 15))
        XCTAssertEqual(select(#"SELECT * FROM "Users" "U""#)?.from, TableReference(name: "Users", alias: "U", position: 15))
        XCTAssertEqual(select("SELECT * FROM t WHERE a")?.from?.alias, nil)
        assertSyntaxError("SELECT * FROM t AS select", near: "select", at: 20)
        assertSyntaxError("SELECT * FROM select", near: "select", at: 15)
        assertSyntaxError("SELECT * FROM t, u", near: ",", at: 16)
    }

    func testOrderBy() {
        let s = select("SELECT a FROM t ORDER BY a, b ASC, c DESC, d NULLS LAST, e DESC NULLS LAST, f + 1 ASC NULLS FIRST")
        XCTAssertEqual(s?.orderBy.map(\.descending), [false, false, true, false, true, false])
        XCTAssertEqual(s?.orderBy.map(\.nullsFirst), [nil, nil, nil, false, false, true])
        XCTAssertEqual(s?.orderBy.map { render($0.expression) }, ["a", "b", "c", "d", "e", "(+ f 1)"])
        assertSyntaxError("SELECT a FROM t ORDER a", near: "a", at: 23)
        assertSyntaxError("SELECT a FROM t ORDER BY a NULLS", near: nil, at: 33)
        assertSyntaxError("SELECT a FROM t ORDER BY", near: nil, at: 25)
    }

    func testLimitAndOffset() {
        var s = select("SELECT a FROM t OFFSET 2 ROWS LIMIT $1")
        XCTAssertEqual(s?.offset, .literal(.integer(2), position: 24))
        XCTAssertEqual(s?.limit, .parameter(1, position: 37))
        s = select("SELECT a FROM t LIMIT ALL OFFSET 1 ROW")
        XCTAssertNil(s?.limit)
        XCTAssertEqual(s?.offset.map(render), "1")
        s = select("SELECT 1 LIMIT 2 + 3")
        XCTAssertEqual(s?.limit.map(render), "(+ 2 3)")
        assertError("SELECT a FROM t LIMIT 1 LIMIT 2", "42601", "multiple LIMIT clauses not allowed", at: 25)
        assertError("SELECT a FROM t OFFSET 1 LIMIT 2 OFFSET 3", "42601", "multiple OFFSET clauses not allowed", at: 34)
        assertError("SELECT a FROM t LIMIT 1, 2", "42601", "LIMIT #,# syntax is not supported", at: 17)
        assertSyntaxError("SELECT a FROM t LIMIT", near: nil, at: 22)
        assertSyntaxError("SELECT a FROM t LIMIT 1 WHERE a", near: "WHERE", at: 25)
    }

    func testGroupByHaving() {
        let s = select("SELECT a, sum(b) FROM t GROUP BY a, b + 1 HAVING sum(b) > 10 AND a <> 3")
        XCTAssertEqual(s?.groupBy.map(render), ["a", "(+ b 1)"])
        XCTAssertEqual(s?.having.map(render), "(AND (> sum(b) 10) (<> a 3))")
        XCTAssertEqual(select("SELECT count(*) HAVING true")?.having.map(render), "TRUE")
        assertSyntaxError("SELECT a FROM t GROUP a", near: "a", at: 23)
        assertSyntaxError("SELECT a FROM t WHERE a GROUP BY", near: nil, at: 33)
    }

    // MARK: - INSERT, UPDATE, DELETE

    func testInsert() {
        let expected = Insert(
            table: "t", columns: ["a", "b"],
            rows: [[.literal(.integer(1), position: 30), .literal(.text("x"), position: 33)],
                   [.parameter(1, position: 40), .literal(.null, position: 44)]],
            returning: nil, position: 1)
        XCTAssertEqual(one("INSERT INTO t (a, b) VALUES (1, 'x'), ($1, NULL)"), .insert(expected))
        guard case .insert(let plain)? = one("insert into T values (1)") else { return XCTFail() }
        XCTAssertNil(plain.columns)
        XCTAssertEqual(plain.table, "t")
        XCTAssertEqual(plain.rows.map { $0.map(render) }, [["1"]])
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
        assertSyntaxError("UPDATE t a = 1", near: "a", at: 10)
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

    // MARK: - DDL

    func testCreateTable() {
        let sql = "CREATE TABLE IF NOT EXISTS Users (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, "
            + "score DOUBLE PRECISION DEFAULT -1.5, active BOOLEAN NULL DEFAULT true)"
        guard case .createTable(let c)? = one(sql) else { return XCTFail() }
        XCTAssertEqual(c.name, "users")
        XCTAssertTrue(c.ifNotExists)
        XCTAssertNil(c.primaryKey)
        XCTAssertEqual(c.position, 1)
        XCTAssertEqual(c.columns, [
            ColumnDefinition(name: "id", type: .bigint, notNull: true, primaryKey: true, position: 35),
            ColumnDefinition(name: "name", type: .text, notNull: true, position: 58),
            ColumnDefinition(name: "score", type: .double, defaultValue: .literal(.double(-1.5), position: 117),
                             position: 86),
            ColumnDefinition(name: "active", type: .boolean, defaultValue: .literal(.boolean(true), position: 151),
                             position: 123),
        ])
        XCTAssertEqual(Statement.createTable(c).tag, "CREATE TABLE")
    }

    func testCreateTableTypes() {
        let types: [(String, DataType)] = [
            ("INT", .integer), ("INTEGER", .integer), ("int4", .integer), ("SMALLINT", .smallint), ("INT2", .smallint),
            ("BIGINT", .bigint), ("INT8", .bigint), ("DOUBLE PRECISION", .double), ("FLOAT8", .double),
            ("FLOAT", .double), ("FLOAT(24)", .double), ("REAL", .double), ("FLOAT4", .double), ("TEXT", .text),
            ("VARCHAR", .text), ("VARCHAR(10)", .text), ("CHAR", .text), ("CHAR(3)", .text),
            ("CHARACTER VARYING(5)", .text), ("character varying", .text), ("CHARACTER", .text),
            ("BOOLEAN", .boolean), ("BOOL", .boolean), ("\"int8\"", .bigint),
        ]
        for (name, type) in types {
            guard case .createTable(let c)? = one("CREATE TABLE t (a \(name) NOT NULL)") else { XCTFail(name); continue }
            XCTAssertEqual(c.columns.first?.type, type, name)
            XCTAssertEqual(c.columns.first?.notNull, true, name)
        }
    }

    func testCreateTableKeysAndConstraints() {
        guard case .createTable(let c)? = one("CREATE TABLE t (a INT, b TEXT, c INT, PRIMARY KEY (b, a))") else {
            return XCTFail()
        }
        XCTAssertEqual(c.primaryKey, ["b", "a"])
        XCTAssertEqual(c.columns.map(\.notNull), [true, true, false])
        XCTAssertEqual(c.columns.map(\.primaryKey), [false, false, false])
        guard case .createTable(let named)? = one(
            "CREATE TABLE t (CONSTRAINT pk PRIMARY KEY (a), a INT CONSTRAINT nn NOT NULL CONSTRAINT d DEFAULT 0)"
        ) else { return XCTFail() }
        XCTAssertEqual(named.primaryKey, ["a"])
        XCTAssertEqual(named.columns, [ColumnDefinition(name: "a", type: .integer, notNull: true,
                                                         defaultValue: .literal(.integer(0), position: 98), position: 48)])
        guard case .createTable(let d)? = one("CREATE TABLE t (a INT DEFAULT 1 + 2 NOT NULL, b INT NULL PRIMARY KEY)") else {
            return XCTFail()
        }
        XCTAssertEqual(d.columns[0].defaultValue.map(render), "(+ 1 2)")
        XCTAssertEqual(d.columns[0].notNull, true)
        XCTAssertEqual(d.columns[1].notNull, true)
        XCTAssertEqual(d.columns[1].primaryKey, true)
        guard case .createTable(let empty)? = one("CREATE TABLE t ()") else { return XCTFail() }
        XCTAssertEqual(empty.columns, [])
        XCTAssertEqual(empty.ifNotExists, false)
    }

    func testCreateTableErrors() {
        let multiple = "multiple primary keys for table \"t\" are not allowed"
        assertError("CREATE TABLE t (a INT PRIMARY KEY, b INT PRIMARY KEY)", "42P16", multiple, at: 42)
        assertError("CREATE TABLE t (a INT PRIMARY KEY, PRIMARY KEY (a))", "42P16", multiple, at: 36)
        assertError("CREATE TABLE t (a INT PRIMARY KEY PRIMARY KEY)", "42P16", multiple, at: 35)
        assertError("CREATE TABLE t (PRIMARY KEY (a), a INT, CONSTRAINT x PRIMARY KEY (a))", "42P16", multiple, at: 41)
        assertError("CREATE TABLE t (a foo)", "42704", "type \"foo\" does not exist", at: 19)
        assertError("CREATE TABLE t (a INT, b Serial)", "42704", "type \"serial\" does not exist", at: 26)
        assertError(#"CREATE TABLE t (a "INT")"#, "42704", "type \"INT\" does not exist", at: 19)
        assertError("CREATE TABLE t (a INT, a TEXT)", "42701", "column \"a\" specified more than once", at: 24)
        assertError("CREATE TABLE t (a INT, PRIMARY KEY (b))", "42703", "column \"b\" named in key does not exist", at: 37)
        assertError("CREATE TABLE t (a INT, PRIMARY KEY (a, a))", "42701",
                    "column \"a\" appears twice in primary key constraint", at: 40)
        assertError("CREATE TABLE t (a INT NOT NULL NULL)", "42601",
                    "conflicting NULL/NOT NULL declarations for column \"a\" of table \"t\"", at: 32)
        assertError("CREATE TABLE t (a INT NULL NOT NULL)", "42601",
                    "conflicting NULL/NOT NULL declarations for column \"a\" of table \"t\"", at: 28)
        assertError("CREATE TABLE t (a INT DEFAULT 1 DEFAULT 2)", "42601",
                    "multiple default values specified for column \"a\" of table \"t\"", at: 33)
        assertError("CREATE TABLE t (a VARCHAR(0))", "42601", "length for type varchar must be at least 1", at: 27)
        assertSyntaxError("CREATE TABLE t (a)", near: ")", at: 18)
        assertSyntaxError("CREATE TABLE t (a INT,)", near: ")", at: 23)
        assertSyntaxError("CREATE TABLE t (a INT(11))", near: "(", at: 22)
        assertSyntaxError("CREATE TABLE t (a INT", near: nil, at: 22)
        assertSyntaxError("CREATE TABLE t a INT", near: "a", at: 16)
        assertSyntaxError("CREATE TABLE (a INT)", near: "(", at: 14)
        assertSyntaxError("CREATE TABLE select (a INT)", near: "select", at: 14)
        assertSyntaxError("CREATE TABLE t (select INT)", near: "select", at: 17)
        assertSyntaxError("CREATE TABLE IF EXISTS t (a INT)", near: "EXISTS", at: 17)
        assertSyntaxError("CREATE t (a INT)", near: "t", at: 8)
        assertSyntaxError("CREATE TABLE t (a INT PRIMARY)", near: ")", at: 30)
        assertSyntaxError("CREATE TABLE t (a INT NOT)", near: ")", at: 26)
        assertSyntaxError("CREATE TABLE t (a INT CONSTRAINT c)", near: ")", at: 35)
        assertSyntaxError("CREATE TABLE t (a INT DEFAULT)", near: ")", at: 30)
        assertSyntaxError("CREATE TABLE t (a DOUBLE PRECISION(5))", near: "(", at: 35)
        assertSyntaxError("CREATE TABLE t (a INT UNIQUE)", near: "UNIQUE", at: 23)
        assertSyntaxError("CREATE TABLE t (a VARCHAR(n))", near: "n", at: 27)
    }

    func testDropTable() {
        XCTAssertEqual(one("DROP TABLE t"), .dropTable(DropTable(names: ["t"], ifExists: false, position: 1)))
        XCTAssertEqual(one("  drop table if exists A, \"B\" , c"),
                       .dropTable(DropTable(names: ["a", "B", "c"], ifExists: true, position: 3)))
        assertSyntaxError("DROP TABLE", near: nil, at: 11)
        assertSyntaxError("DROP TABLE a,", near: nil, at: 14)
        assertSyntaxError("DROP t", near: "t", at: 6)
        assertSyntaxError("DROP TABLE IF t", near: "t", at: 15)
        assertSyntaxError("DROP TABLE a b", near: "b", at: 14)
    }

    // MARK: - Transactions and statement lists

    func testTransactionStatements() {
        for sql in ["BEGIN", "begin transaction", "BEGIN WORK", "START TRANSACTION"] {
            XCTAssertEqual(one(sql), .begin, sql)
        }
        for sql in ["COMMIT", "COMMIT WORK", "commit transaction", "END", "END TRANSACTION"] {
            XCTAssertEqual(one(sql), .commit, sql)
        }
        for sql in ["ROLLBACK", "ROLLBACK WORK", "rollback transaction", "ABORT"] {
            XCTAssertEqual(one(sql), .rollback, sql)
        }
        XCTAssertEqual(Statement.begin.tag, "BEGIN")
        assertSyntaxError("START", near: nil, at: 6)
        assertSyntaxError("BEGIN TRANSACTION WORK", near: "WORK", at: 19)
        assertSyntaxError("COMMIT NOW", near: "NOW", at: 8)
    }

    func testMultipleStatements() {
        let statements = parse(";; BEGIN; INSERT INTO t VALUES (1);;\n SELECT * FROM t ; COMMIT;")
        XCTAssertEqual(statements.count, 4)
        XCTAssertEqual(statements.map(\.tag), ["BEGIN", "INSERT", "SELECT", "COMMIT"])
        guard case .select(let s) = statements[2] else { return XCTFail() }
        XCTAssertEqual(s.position, 39)
        XCTAssertEqual(parse("SELECT 1;").count, 1)
        assertSyntaxError("SELECT 1; SELECT", near: nil, at: 17)
        assertSyntaxError("SELECT 1 SELECT 2", near: "SELECT", at: 10)
        assertSyntaxError("SELECT 1; SELECT FROM t", near: "FROM", at: 18)
    }

    func testCommentsAndWhitespace() {
        let s = select("/* leading */ SELECT -- columns\n\ta /* nested /* comment */ */ FROM\r\n t -- end")
        XCTAssertEqual(s?.position, 15)
        XCTAssertEqual(s?.items, [.expression(.column(table: nil, name: "a", position: 34), alias: nil)])
        XCTAssertEqual(s?.from?.name, "t")
    }

    func testQuotedIdentifiers() {
        let s = select(#"SELECT "Weird Name", "t"."Col", "select" FROM "My""Table""#)
        XCTAssertEqual(s?.items, [
            .expression(.column(table: nil, name: "Weird Name", position: 8), alias: nil),
            .expression(.column(table: "t", name: "Col", position: 22), alias: nil),
            .expression(.column(table: nil, name: "select", position: 33), alias: nil),
        ])
        XCTAssertEqual(s?.from?.name, "My\"Table")
        XCTAssertEqual(select("SELECT Mixed.CASE_Col FROM Mixed")?.items,
                       [.expression(.column(table: "mixed", name: "case_col", position: 8), alias: nil)])
        // Keywords are fine after a dot.
        XCTAssertEqual(expr("t.from").map(render), "t.from")
    }

    // MARK: - Expressions

    func testPrecedence() {
        let cases: [(String, String)] = [
            ("1 + 2 * 3", "(+ 1 (* 2 3))"),
            ("1 * 2 + 3", "(+ (* 1 2) 3)"),
            ("1 - 2 - 3", "(- (- 1 2) 3)"),
            ("8 / 4 / 2 % 3", "(% (/ (/ 8 4) 2) 3)"),
            ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
            ("a OR b AND c", "(OR a (AND b c))"),
            ("a AND b OR c", "(OR (AND a b) c)"),
            ("a OR b OR c", "(OR (OR a b) c)"),
            ("NOT a = b", "(NOT (= a b))"),
            ("NOT a AND b", "(AND (NOT a) b)"),
            ("NOT NOT a", "(NOT (NOT a))"),
            ("a = NOT b", "(= a (NOT b))"),
            ("NOT a IS NULL", "(NOT (IS NULL a))"),
            ("a = b IS NULL", "(IS NULL (= a b))"),
            ("a IS NULL = b", "(= (IS NULL a) b)"),
            ("a IS NOT NULL IS NULL", "(IS NULL (IS NOT NULL a))"),
            ("a < b AND c >= d", "(AND (< a b) (>= c d))"),
            ("a || b = c || d", "(= (|| a b) (|| c d))"),
            ("a || b + c", "(|| a (+ b c))"),
            ("a + b || c", "(|| (+ a b) c)"),
            ("a || b || c", "(|| (|| a b) c)"),
            ("-a * b", "(* (- a) b)"),
            ("- a + b", "(+ (- a) b)"),
            ("+a", "(+ a)"),
            ("-a::int", "(- (CAST a INTEGER))"),
            ("a::int + 1", "(+ (CAST a INTEGER) 1)"),
            ("a::text::int", "(CAST (CAST a TEXT) INTEGER)"),
            ("a BETWEEN 1 AND 2 AND b", "(AND (BETWEEN a 1 2) b)"),
            ("a BETWEEN 1 + 1 AND 2 * 3", "(BETWEEN a (+ 1 1) (* 2 3))"),
            ("a NOT BETWEEN b AND c OR d", "(OR (NOT BETWEEN a b c) d)"),
            ("a = 1 BETWEEN 0 AND 2", "(= a (BETWEEN 1 0 2))"),
            ("a IN (1, 2) = b", "(= (IN a [1 2]) b)"),
            ("a + 1 IN (1, 2 + 3)", "(IN (+ a 1) [1 (+ 2 3)])"),
            ("a NOT IN (1) AND b", "(AND (NOT IN a [1]) b)"),
            ("a IN (1) IN (true)", "(IN (IN a [1]) [TRUE])"),
            ("a LIKE 'x%' OR b NOT LIKE 'y'", "(OR (LIKE a 'x%') (NOT LIKE b 'y'))"),
            ("a ILIKE b || '%'", "(ILIKE a (|| b '%'))"),
            ("a NOT ILIKE 'x' = true", "(= (NOT ILIKE a 'x') TRUE)"),
            ("NOT a LIKE b", "(NOT (LIKE a b))"),
            ("a ISNULL", "(IS NULL a)"),
            ("a NOTNULL OR b", "(OR (IS NOT NULL a) b)"),
            ("a != b", "(<> a b)"),
            ("a <> b", "(<> a b)"),
            ("1 = 1 AND NOT false OR a IS NOT NULL", "(OR (AND (= 1 1) (NOT FALSE)) (IS NOT NULL a))"),
            ("((((a))))", "a"),
            ("-(-1)", "1"),
            ("- -1", "1"),
            ("2 - -1", "(- 2 -1)"),
            ("2--1", "2"),
            ("a*-1", "(* a -1)"),
        ]
        for (sql, expected) in cases {
            XCTAssertEqual(shape(sql), expected, sql)
        }
    }

    func testNonAssociativeOperators() {
        assertSyntaxError("SELECT a = b = c", near: "=", at: 14)
        assertSyntaxError("SELECT a < b < c", near: "<", at: 14)
        assertSyntaxError("SELECT a = b <> c", near: "<>", at: 14)
        assertSyntaxError("SELECT a LIKE b LIKE c", near: "LIKE", at: 17)
        assertSyntaxError("SELECT a BETWEEN 1 AND 2 BETWEEN 3 AND 4", near: "BETWEEN", at: 26)
        XCTAssertEqual(shape("(a = b) = c"), "(= (= a b) c)")
    }

    func testLiterals() {
        XCTAssertEqual(expr("42"), .literal(.integer(42), position: 8))
        XCTAssertEqual(expr("-42"), .literal(.integer(-42), position: 8))
        XCTAssertEqual(expr("- 42"), .literal(.integer(-42), position: 8))
        XCTAssertEqual(expr("9223372036854775807"), .literal(.integer(.max), position: 8))
        XCTAssertEqual(expr("-9223372036854775808"), .literal(.integer(.min), position: 8))
        XCTAssertEqual(expr("9223372036854775808"), .literal(.double(9223372036854775808), position: 8))
        XCTAssertEqual(expr("-9223372036854775809"), .literal(.double(-9223372036854775808.0), position: 8))
        XCTAssertEqual(expr("123456789012345678901234567890"), .literal(.double(1.2345678901234568e29), position: 8))
        XCTAssertEqual(expr("1.5"), .literal(.double(1.5), position: 8))
        XCTAssertEqual(expr("-.5"), .literal(.double(-0.5), position: 8))
        XCTAssertEqual(expr("1e3"), .literal(.double(1000), position: 8))
        XCTAssertEqual(expr("'it''s'"), .literal(.text("it's"), position: 8))
        XCTAssertEqual(expr("E'a\\tb'"), .literal(.text("a\tb"), position: 8))
        XCTAssertEqual(expr("TRUE"), .literal(.boolean(true), position: 8))
        XCTAssertEqual(expr("false"), .literal(.boolean(false), position: 8))
        XCTAssertEqual(expr("NULL"), .literal(.null, position: 8))
        // Not folded: a cast binds tighter than unary minus, and NULL/strings stay operands.
        XCTAssertEqual(shape("-9223372036854775808::bigint"), "(- (CAST 9.223372036854776e+18d BIGINT))")
        XCTAssertEqual(shape("-'1'"), "(- '1')")
        XCTAssertEqual(shape("-NULL"), "(- NULL)")
        XCTAssertEqual(shape("- -9223372036854775808"), "(- -9223372036854775808)")
        XCTAssertEqual(shape("-$1"), "(- $1)")
    }

    func testParameters() {
        XCTAssertEqual(expr("$1"), .parameter(1, position: 8))
        XCTAssertEqual(shape("$12 + $3"), "(+ $12 $3)")
        assertError("SELECT $0", "42P02", "there is no parameter $0", at: 8)
        assertError("SELECT a FROM t WHERE a = $0", "42P02", "there is no parameter $0", at: 27)
    }

    func testExpressionPositions() {
        // Operator nodes take the position of their left operand (ignoring parentheses).
        XCTAssertEqual(expr("a + b"), .binary(.add, .column(table: nil, name: "a", position: 8),
                                              .column(table: nil, name: "b", position: 12), position: 8))
        XCTAssertEqual(expr("(1 + 2) * 3")?.position, 9)
        XCTAssertEqual(expr("x IS NULL")?.position, 8)
        XCTAssertEqual(expr("  x  BETWEEN 1 AND 2")?.position, 10)
        XCTAssertEqual(expr("t.x::text"), .cast(.column(table: "t", name: "x", position: 8), .text, position: 8))
        XCTAssertEqual(expr("NOT x"), .unary(.not, .column(table: nil, name: "x", position: 12), position: 8))
        XCTAssertEqual(expr("- x"), .unary(.minus, .column(table: nil, name: "x", position: 10), position: 8))
        XCTAssertEqual(expr("x NOT IN (1)"), .inList(.column(table: nil, name: "x", position: 8),
                                                     [.literal(.integer(1), position: 18)], negated: true, position: 8))
        XCTAssertEqual(expr("x NOT LIKE 'a'"), .like(.column(table: nil, name: "x", position: 8),
                                                     pattern: .literal(.text("a"), position: 19), negated: true,
                                                     caseInsensitive: false, position: 8))
        XCTAssertEqual(expr("x NOT BETWEEN 1 AND 2"), .between(.column(table: nil, name: "x", position: 8),
                                                               low: .literal(.integer(1), position: 22),
                                                               high: .literal(.integer(2), position: 28),
                                                               negated: true, position: 8))
        XCTAssertEqual(expr("x IS NOT NULL"), .isNull(.column(table: nil, name: "x", position: 8), negated: true,
                                                      position: 8))
        XCTAssertEqual(select("SELECT 'é', b")?.items.last,
                       .expression(.column(table: nil, name: "b", position: 13), alias: nil))
    }

    func testFunctionCalls() {
        XCTAssertEqual(expr("COUNT(*)"), .function(name: "count", arguments: [], distinct: false, star: true, position: 8))
        XCTAssertEqual(expr("count(DISTINCT a)"), .function(name: "count",
                                                            arguments: [.column(table: nil, name: "a", position: 23)],
                                                            distinct: true, star: false, position: 8))
        XCTAssertEqual(expr("now()"), .function(name: "now", arguments: [], distinct: false, star: false, position: 8))
        XCTAssertEqual(shape("Lower(name) || UPPER('x')"), "(|| lower(name) upper('x'))")
        XCTAssertEqual(shape("coalesce(a, b, 1 + 2)"), "coalesce(a, b, (+ 1 2))")
        XCTAssertEqual(shape("sum(ALL x)"), "sum(x)")
        XCTAssertEqual(shape("left(s, 2) || right(s, 1)"), "(|| left(s, 2) right(s, 1))")
        XCTAssertEqual(shape(#""MyFunc"(1)"#), "MyFunc(1)")
        XCTAssertEqual(shape("f(g(h(1)))"), "f(g(h(1)))")
        XCTAssertEqual(shape("abs(-1) * 2"), "(* abs(-1) 2)")
        assertSyntaxError("SELECT count(DISTINCT *)", near: "*", at: 23)
        assertSyntaxError("SELECT count(DISTINCT)", near: ")", at: 22)
        assertSyntaxError("SELECT count(*, a)", near: ",", at: 15)
        assertSyntaxError("SELECT f(1,)", near: ")", at: 12)
        assertSyntaxError("SELECT f(1", near: nil, at: 11)
        assertSyntaxError("SELECT left FROM t", near: "left", at: 8)
        assertSyntaxError("SELECT from(1)", near: "from", at: 8)
    }

    func testCasts() {
        XCTAssertEqual(expr("CAST(a AS BIGINT)"), .cast(.column(table: nil, name: "a", position: 13), .bigint, position: 8))
        XCTAssertEqual(shape("cast('1.5' as double precision)"), "(CAST '1.5' DOUBLE PRECISION)")
        XCTAssertEqual(shape("'x'::varchar(3)"), "(CAST 'x' TEXT)")
        XCTAssertEqual(shape("x::character varying::bool"), "(CAST (CAST x TEXT) BOOLEAN)")
        XCTAssertEqual(shape("1::int2 + 2::int8"), "(+ (CAST 1 SMALLINT) (CAST 2 BIGINT))")
        assertError("SELECT CAST(1 AS blob)", "42704", "type \"blob\" does not exist", at: 18)
        assertError("SELECT 1::Nope", "42704", "type \"nope\" does not exist", at: 11)
        assertSyntaxError("SELECT CAST(1 AS)", near: ")", at: 17)
        assertSyntaxError("SELECT CAST(1, int)", near: ",", at: 14)
        assertSyntaxError("SELECT CAST 1", near: "1", at: 13)
        assertSyntaxError("SELECT 1::", near: nil, at: 11)
        assertSyntaxError("SELECT 1::select", near: "select", at: 11)
    }

    func testCase() {
        XCTAssertEqual(shape("CASE WHEN a > 1 THEN 'big' WHEN a IS NULL THEN 'none' ELSE 'small' END"),
                       "(CASE (WHEN (> a 1) 'big') (WHEN (IS NULL a) 'none') (ELSE 'small'))")
        XCTAssertEqual(shape("case x when 1 then 'one' end"), "(CASE x (WHEN 1 'one'))")
        XCTAssertEqual(shape("CASE WHEN a THEN CASE WHEN b THEN 1 END END + 1"),
                       "(+ (CASE (WHEN a (CASE (WHEN b 1)))) 1)")
        XCTAssertEqual(expr("CASE WHEN true THEN 1 END"), .caseWhen(
            operand: nil, branches: [(condition: .literal(.boolean(true), position: 18),
                                      result: .literal(.integer(1), position: 28))],
            elseResult: nil, position: 8))
        assertSyntaxError("SELECT CASE END", near: "END", at: 13)
        assertSyntaxError("SELECT CASE x END", near: "END", at: 15)
        assertSyntaxError("SELECT CASE WHEN a THEN 1", near: nil, at: 26)
        assertSyntaxError("SELECT CASE WHEN a 1 END", near: "1", at: 20)
        assertSyntaxError("SELECT CASE WHEN a THEN 1 ELSE END", near: "END", at: 32)
    }

    func testPredicateErrors() {
        assertSyntaxError("SELECT a IS", near: nil, at: 12)
        assertSyntaxError("SELECT a IS TRUE", near: "TRUE", at: 13)
        assertSyntaxError("SELECT a IS NOT 1", near: "1", at: 17)
        assertSyntaxError("SELECT a IN ()", near: ")", at: 14)
        assertSyntaxError("SELECT a IN 1", near: "1", at: 13)
        assertSyntaxError("SELECT a IN (1", near: nil, at: 15)
        assertSyntaxError("SELECT a BETWEEN 1", near: nil, at: 19)
        assertSyntaxError("SELECT a BETWEEN 1 OR 2", near: "OR", at: 20)
        assertSyntaxError("SELECT a NOT 1", near: "NOT", at: 10)
        assertSyntaxError("SELECT a LIKE", near: nil, at: 14)
        assertSyntaxError("SELECT NOT", near: nil, at: 11)
        assertSyntaxError("SELECT 1 +", near: nil, at: 11)
        assertSyntaxError("SELECT (1", near: nil, at: 10)
        assertSyntaxError("SELECT 1)", near: ")", at: 9)
        assertSyntaxError("SELECT ()", near: ")", at: 9)
        assertSyntaxError("SELECT (1, 2)", near: ",", at: 10)
        assertSyntaxError("SELECT t.", near: nil, at: 10)
        assertSyntaxError("SELECT t.1", near: ".1", at: 9)
        assertSyntaxError("SELECT a.b.c FROM t", near: ".", at: 11)
        assertSyntaxError("SELECT a.* + 1", near: "+", at: 12)
        assertSyntaxError("SELECT count(t.*)", near: "*", at: 16)
    }

    // MARK: - Malformed input

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
        assertSyntaxError("(SELECT 1)", near: "(", at: 1)
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
        assertError("SELECT 1 # 2", "42601", "syntax error at or near \"#\"", at: 10)
        assertError("SELECT 12ab", "42601", "trailing junk after numeric literal at or near \"12ab\"", at: 8)
    }

    func testReservedWordsNeedQuoting() {
        assertSyntaxError("SELECT select FROM t", near: "select", at: 8)
        assertSyntaxError("SELECT a FROM where", near: "where", at: 15)
        assertSyntaxError("INSERT INTO t (order) VALUES (1)", near: "order", at: 16)
        XCTAssertEqual(select(#"SELECT "select" FROM "where""#)?.from?.name, "where")
        // Unreserved keywords are ordinary names.
        XCTAssertEqual(shape("key + values + rows + first"), "(+ (+ (+ key values) rows) first)")
        XCTAssertEqual(select("SELECT key FROM transaction")?.from?.name, "transaction")
    }

    func testGarbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("SELECT FROM WHERE ( ) , . ; ' \" $1 -- /* */ * + - = < > | : é 😀 \u{0} \n 123 1.5e3 a NOT IS NULL CASE END")
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

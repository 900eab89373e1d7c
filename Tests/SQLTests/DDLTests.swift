import Core
import SQL
import XCTest

final class DDLTests: ParserTestCase {
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
        assertError("SELECT 1::Serial", "42704", "type \"serial\" does not exist", at: 11)
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
        assertSyntaxError("CREATE TABLE t (a INT UNIQUE KEY)", near: "KEY", at: 30)
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

}

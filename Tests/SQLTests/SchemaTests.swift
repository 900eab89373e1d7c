import Core
import SQL
import XCTest

/// Constraints, SERIAL, CREATE TABLE AS, views, indexes, DROP, ALTER TABLE, TRUNCATE.
final class SchemaTests: ParserTestCase {
    private func createTable(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> CreateTable? {
        guard case .createTable(let c)? = one(sql, file: file, line: line) else {
            XCTFail("not CREATE TABLE: \(sql)", file: file, line: line)
            return nil
        }
        return c
    }

    func testColumnConstraints() {
        let sql = "CREATE TABLE t (a INT CONSTRAINT u UNIQUE CHECK (a > 0) REFERENCES p (id) ON DELETE CASCADE "
            + "ON UPDATE SET NULL, b TEXT REFERENCES q, c INT REFERENCES r ON DELETE SET DEFAULT ON UPDATE NO ACTION)"
        guard let c = createTable(sql) else { return }
        XCTAssertEqual(c.columns[0].unique, true)
        XCTAssertEqual(c.columns[0].check, .binary(.greater, .column(table: nil, name: "a", position: 50),
                                                   .literal(.integer(0), position: 54), position: 50))
        XCTAssertEqual(c.columns[0].references, ForeignKeyReference(table: "p", columns: ["id"], onDelete: .cascade,
                                                                    onUpdate: .setNull))
        XCTAssertEqual(c.columns[1].references, ForeignKeyReference(table: "q", columns: []))
        XCTAssertEqual(c.columns[2].references, ForeignKeyReference(table: "r", columns: [], onDelete: .setDefault,
                                                                    onUpdate: .noAction))
        XCTAssertEqual(c.constraints, [])
        guard let d = createTable("CREATE TABLE t (a INT CHECK (a > 0) CHECK (a < 9) REFERENCES p ON DELETE RESTRICT "
                                  + "REFERENCES q)") else { return }
        XCTAssertEqual(d.columns[0].check.map(render), "(> a 0)")
        XCTAssertEqual(d.constraints.count, 2)
        guard case .check(let second, let position) = d.constraints[0] else { return XCTFail() }
        XCTAssertEqual(render(second), "(< a 9)")
        XCTAssertEqual(position, 37)
        XCTAssertEqual(d.constraints[1], .foreignKey(["a"], ForeignKeyReference(table: "q", columns: []), position: 83))
        XCTAssertEqual(d.columns[0].references?.onDelete, .restrict)
    }

    func testTableConstraints() {
        let sql = "CREATE TABLE t (a INT, b INT, c TEXT, CONSTRAINT pk PRIMARY KEY (a, b), UNIQUE (c), "
            + "CONSTRAINT positive CHECK (a + b > 0), FOREIGN KEY (b, a) REFERENCES s.p (x, y) ON DELETE CASCADE)"
        guard let c = createTable(sql) else { return }
        XCTAssertEqual(c.primaryKey, ["a", "b"])
        XCTAssertEqual(c.columns.map(\.notNull), [true, true, false])
        XCTAssertEqual(c.constraints.count, 3)
        XCTAssertEqual(c.constraints[0], .unique(["c"], position: 73))
        guard case .check(let condition, let checkPosition) = c.constraints[1] else { return XCTFail() }
        XCTAssertEqual(render(condition), "(> (+ a b) 0)")
        XCTAssertEqual(checkPosition, 85)
        XCTAssertEqual(c.constraints[2], .foreignKey(["b", "a"], ForeignKeyReference(table: "s.p", columns: ["x", "y"],
                                                                                     onDelete: .cascade),
                                                     position: 124))
    }

    func testSerialTypes() {
        guard let c = createTable("CREATE TABLE t (a SERIAL PRIMARY KEY, b bigserial, c SmallSerial, d serial8, e serial4)")
        else { return }
        XCTAssertEqual(c.columns.map(\.type), [.integer, .bigint, .smallint, .bigint, .integer])
        XCTAssertEqual(c.columns.map(\.serial), [true, true, true, true, true])
        XCTAssertEqual(c.columns.map(\.notNull), [true, true, true, true, true])
        XCTAssertEqual(createTable("CREATE TABLE t (a INT)")?.columns[0].serial, false)
        assertError("CREATE TABLE t (a SERIAL DEFAULT 1)", "42601",
                    "multiple default values specified for column \"a\" of table \"t\"", at: 26)
        assertError("CREATE TABLE t (a SERIAL NULL)", "42601",
                    "conflicting NULL/NOT NULL declarations for column \"a\" of table \"t\"", at: 26)
        assertError("SELECT CAST(1 AS bigserial)", "42704", "type \"bigserial\" does not exist", at: 18)
    }

    func testConstraintErrors() {
        assertError("CREATE TABLE t (a INT, UNIQUE (b))", "42703", "column \"b\" named in key does not exist", at: 32)
        assertError("CREATE TABLE t (a INT, UNIQUE (a, a))", "42701", "column \"a\" appears twice in unique constraint",
                    at: 35)
        assertError("CREATE TABLE t (a INT, FOREIGN KEY (b) REFERENCES p)", "42703",
                    "column \"b\" referenced in foreign key constraint does not exist", at: 37)
        assertError("CREATE TABLE t (a INT, b INT, FOREIGN KEY (a, b) REFERENCES p (x))", "42830",
                    "number of referencing and referenced columns for foreign key disagree", at: 31)
        assertSyntaxError("CREATE TABLE t (a INT CHECK a > 0)", near: "a", at: 29)
        assertSyntaxError("CREATE TABLE t (a INT CHECK (a > 0)", near: nil, at: 36)
        assertSyntaxError("CREATE TABLE t (a INT CHECK ())", near: ")", at: 30)
        assertSyntaxError("CREATE TABLE t (a INT REFERENCES)", near: ")", at: 33)
        assertSyntaxError("CREATE TABLE t (a INT REFERENCES p ON DELETE)", near: ")", at: 45)
        assertSyntaxError("CREATE TABLE t (a INT REFERENCES p ON INSERT CASCADE)", near: "INSERT", at: 39)
        assertSyntaxError("CREATE TABLE t (a INT REFERENCES p ON DELETE SET)", near: ")", at: 49)
        assertSyntaxError("CREATE TABLE t (a INT REFERENCES p ON DELETE NO)", near: ")", at: 48)
        assertSyntaxError("CREATE TABLE t (a INT REFERENCES p ON DELETE CASCADE ON DELETE CASCADE)", near: "DELETE",
                          at: 57)
        assertError("CREATE TABLE t (a INT REFERENCES p MATCH FULL)", "42601", "MATCH is not supported", at: 36)
        assertSyntaxError("CREATE TABLE t (a INT, FOREIGN KEY (a))", near: ")", at: 39)
        assertSyntaxError("CREATE TABLE t (a INT, FOREIGN (a) REFERENCES p)", near: "(", at: 32)
        assertSyntaxError("CREATE TABLE t (a INT, UNIQUE ())", near: ")", at: 32)
        assertSyntaxError("CREATE TABLE t (a INT, CONSTRAINT c)", near: ")", at: 36)
        assertSyntaxError("CREATE TABLE t (a INT, CHECK (a) b)", near: "b", at: 34)
    }

    func testCreateTableAs() {
        guard let c = createTable("CREATE TABLE IF NOT EXISTS s.t AS SELECT a FROM u UNION SELECT 1") else { return }
        XCTAssertEqual(c.name, "s.t")
        XCTAssertTrue(c.ifNotExists)
        XCTAssertEqual(c.columns, [])
        XCTAssertEqual(c.asQuery.map(render), "((SELECT a FROM u) UNION (SELECT 1))")
        XCTAssertEqual(createTable("CREATE TABLE t AS VALUES (1)")?.asQuery.map(render), "(VALUES (1))")
        assertSyntaxError("CREATE TABLE t AS", near: nil, at: 18)
        assertSyntaxError("CREATE TABLE t AS SELECT 1 WITH NO DATA", near: "WITH", at: 28)
        assertSyntaxError("CREATE TABLE t (a) AS SELECT 1", near: ")", at: 18)
    }

    func testCreateView() {
        let sql = "CREATE OR REPLACE VIEW v (x, y) AS SELECT a, b FROM t WHERE a > 1 /* c */ ; SELECT 1"
        guard case .createView(let v)? = parse(sql).first else { return XCTFail() }
        XCTAssertEqual(v.name, "v")
        XCTAssertEqual(v.columns, ["x", "y"])
        XCTAssertTrue(v.orReplace)
        XCTAssertFalse(v.ifNotExists)
        XCTAssertEqual(v.queryText, "SELECT a, b FROM t WHERE a > 1")
        XCTAssertEqual(render(v.query), "(SELECT a, b FROM t WHERE (> a 1))")
        XCTAssertEqual(v.position, 1)
        XCTAssertEqual(Statement.createView(v).tag, "CREATE VIEW")
        guard case .createView(let w)? = one("create view if not exists public.w as (select 'é' ) union select 2")
        else { return XCTFail() }
        XCTAssertEqual(w.name, "w")
        XCTAssertTrue(w.ifNotExists)
        XCTAssertNil(w.columns)
        XCTAssertEqual(w.queryText, "(select 'é' ) union select 2")
        assertSyntaxError("CREATE VIEW v SELECT 1", near: "SELECT", at: 15)
        assertSyntaxError("CREATE VIEW v AS", near: nil, at: 17)
        assertSyntaxError("CREATE VIEW AS SELECT 1", near: "AS", at: 13)
        assertSyntaxError("CREATE VIEW v () AS SELECT 1", near: ")", at: 16)
        assertSyntaxError("CREATE OR REPLACE TABLE t (a INT)", near: "TABLE", at: 19)
        assertSyntaxError("CREATE OR VIEW v AS SELECT 1", near: "VIEW", at: 11)
        assertSyntaxError("CREATE VIEW v AS SELECT 1 WITH CHECK OPTION", near: "WITH", at: 27)
    }

    func testCreateIndex() {
        let sql = "CREATE UNIQUE INDEX IF NOT EXISTS i ON public.t USING HNSW (v Vector_L2_Ops, b DESC, c ASC) "
            + "WITH (m = 16, ef_construction = 64, fastupdate = on, ratio = -0.5, label = 'x', dedup)"
        guard case .createIndex(let i)? = one(sql) else { return XCTFail() }
        XCTAssertEqual(i.name, "i")
        XCTAssertEqual(i.table, "t")
        XCTAssertTrue(i.unique)
        XCTAssertTrue(i.ifNotExists)
        XCTAssertEqual(i.method, "hnsw")
        XCTAssertEqual(i.columns, [IndexColumn(name: "v", operatorClass: "vector_l2_ops"),
                                   IndexColumn(name: "b", descending: true), IndexColumn(name: "c")])
        XCTAssertEqual(i.options.map(\.name), ["m", "ef_construction", "fastupdate", "ratio", "label", "dedup"])
        XCTAssertEqual(i.options.map { render($0.value) }, ["16", "64", "'on'", "-0.5d", "'x'", "TRUE"])
        XCTAssertEqual(i.options[0].value, .literal(.integer(16), position: 103))
        XCTAssertEqual(i.position, 1)
        XCTAssertEqual(Statement.createIndex(i).tag, "CREATE INDEX")
        guard case .createIndex(let unnamed)? = one("CREATE INDEX ON t (a)") else { return XCTFail() }
        XCTAssertNil(unnamed.name)
        XCTAssertNil(unnamed.method)
        XCTAssertFalse(unnamed.unique)
        XCTAssertEqual(unnamed.options, [])
        assertSyntaxError("CREATE INDEX IF NOT EXISTS ON t (a)", near: "ON", at: 28)
        assertSyntaxError("CREATE INDEX i t (a)", near: "t", at: 16)
        assertSyntaxError("CREATE INDEX i ON t", near: nil, at: 20)
        assertSyntaxError("CREATE INDEX i ON t ()", near: ")", at: 22)
        assertSyntaxError("CREATE INDEX i ON t (a", near: nil, at: 23)
        assertSyntaxError("CREATE INDEX i ON t USING (a)", near: "(", at: 27)
        assertSyntaxError("CREATE INDEX i ON t (a) WITH m = 1", near: "m", at: 30)
        assertSyntaxError("CREATE INDEX i ON t (a) WITH (m =)", near: ")", at: 34)
        assertSyntaxError("CREATE UNIQUE TABLE t (a INT)", near: "TABLE", at: 15)
        assertError("CREATE INDEX i ON t (lower(a))", "42601", "an index on an expression is not supported", at: 22)
        assertError("CREATE INDEX i ON t ((a + 1))", "42601", "an index on an expression is not supported", at: 22)
        assertError("CREATE INDEX CONCURRENTLY i ON t (a)", "42601", "CREATE INDEX CONCURRENTLY is not supported", at: 14)
        assertError("CREATE INDEX i ON t (a NULLS FIRST)", "42601", "NULLS FIRST/LAST in an index is not supported", at: 24)
        assertError("CREATE INDEX i ON t (a) WHERE a > 0", "42601", "a partial index (WHERE) is not supported", at: 25)
    }

    func testDrop() {
        XCTAssertEqual(one("DROP TABLE a, s.b CASCADE"),
                       .dropTable(DropTable(names: ["a", "s.b"], ifExists: false, cascade: true, position: 1)))
        XCTAssertEqual(one("DROP TABLE a RESTRICT"), .dropTable(DropTable(names: ["a"], ifExists: false, position: 1)))
        XCTAssertEqual(one("DROP VIEW IF EXISTS v, w"),
                       .dropView(DropObjects(names: ["v", "w"], ifExists: true, position: 1)))
        XCTAssertEqual(one("drop index i cascade"),
                       .dropIndex(DropObjects(names: ["i"], ifExists: false, cascade: true, position: 1)))
        XCTAssertEqual(one("DROP VIEW v").map(\.tag), "DROP VIEW")
        XCTAssertEqual(one("DROP INDEX i").map(\.tag), "DROP INDEX")
        assertSyntaxError("DROP VIEW", near: nil, at: 10)
        assertSyntaxError("DROP INDEX IF i", near: "i", at: 15)
        assertSyntaxError("DROP VIEW v CASCADE RESTRICT", near: "RESTRICT", at: 21)
        assertSyntaxError("DROP SCHEMA s", near: "SCHEMA", at: 6)
        assertError("DROP INDEX CONCURRENTLY i", "42601", "DROP INDEX CONCURRENTLY is not supported", at: 12)
    }

    func testAlterTable() {
        let cases: [(String, AlterTable)] = [
            ("ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT 'x'",
             AlterTable(table: "t", action: .addColumn(ColumnDefinition(
                name: "b", type: .text, notNull: true, defaultValue: .literal(.text("x"), position: 50), position: 26),
                ifNotExists: false), position: 1)),
            ("ALTER TABLE IF EXISTS public.t ADD IF NOT EXISTS c SERIAL",
             AlterTable(table: "t", ifExists: true, action: .addColumn(ColumnDefinition(
                name: "c", type: .integer, notNull: true, serial: true, position: 50), ifNotExists: true), position: 1)),
            ("ALTER TABLE t DROP COLUMN IF EXISTS b RESTRICT",
             AlterTable(table: "t", action: .dropColumn("b", ifExists: true), position: 1)),
            ("ALTER TABLE t DROP b", AlterTable(table: "t", action: .dropColumn("b", ifExists: false), position: 1)),
            ("ALTER TABLE t RENAME COLUMN a TO b", AlterTable(table: "t", action: .renameColumn(from: "a", to: "b"),
                                                              position: 1)),
            ("ALTER TABLE t RENAME a TO b", AlterTable(table: "t", action: .renameColumn(from: "a", to: "b"), position: 1)),
            ("ALTER TABLE t RENAME TO u", AlterTable(table: "t", action: .renameTable(to: "u"), position: 1)),
            ("ALTER TABLE t ADD CONSTRAINT k UNIQUE (a, b)",
             AlterTable(table: "t", action: .addConstraint(.unique(["a", "b"], position: 19), name: "k"), position: 1)),
            ("ALTER TABLE t ADD PRIMARY KEY (a)",
             AlterTable(table: "t", action: .addConstraint(.primaryKey(["a"], position: 19), name: nil), position: 1)),
            ("ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u",
             AlterTable(table: "t", action: .addConstraint(.foreignKey(["a"], ForeignKeyReference(table: "u", columns: []),
                                                                       position: 19), name: nil), position: 1)),
        ]
        for (sql, expected) in cases {
            XCTAssertEqual(one(sql), .alterTable(expected), sql)
        }
        guard case .alterTable(let check)? = one("ALTER TABLE t ADD CHECK (a > 0)"),
              case .addConstraint(.check(let condition, 19), nil) = check.action else { return XCTFail() }
        XCTAssertEqual(render(condition), "(> a 0)")
        XCTAssertEqual(Statement.alterTable(check).tag, "ALTER TABLE")
    }

    func testAlterTableErrors() {
        assertSyntaxError("ALTER TABLE t", near: nil, at: 14)
        assertSyntaxError("ALTER TABLE t ADD", near: nil, at: 18)
        assertSyntaxError("ALTER TABLE t ADD COLUMN b", near: nil, at: 27)
        assertSyntaxError("ALTER TABLE t DROP", near: nil, at: 19)
        assertSyntaxError("ALTER TABLE t RENAME a", near: nil, at: 23)
        assertSyntaxError("ALTER TABLE t RENAME TO", near: nil, at: 24)
        assertSyntaxError("ALTER TABLE t FROB", near: "FROB", at: 15)
        assertSyntaxError("ALTER t ADD a INT", near: "t", at: 7)
        assertError("ALTER TABLE t ADD a INT, ADD b INT", "42601", "more than one action in ALTER TABLE is not supported",
                    at: 24)
        assertError("ALTER TABLE t ALTER COLUMN a SET NOT NULL", "42601", "ALTER TABLE … ALTER COLUMN is not supported",
                    at: 15)
        assertError("ALTER TABLE t DROP CONSTRAINT k", "42601", "ALTER TABLE … DROP CONSTRAINT is not supported", at: 20)
        assertError("ALTER TABLE t DROP COLUMN a CASCADE", "42601", "DROP COLUMN … CASCADE is not supported", at: 29)
        assertError("ALTER TABLE t ADD a INT CHECK (a > 0) CHECK (a < 5)", "42601",
                    "a second CHECK or REFERENCES on an added column is not supported", at: 15)
    }

    func testTruncate() {
        XCTAssertEqual(one("TRUNCATE TABLE a, public.b"), .truncate(["a", "b"], position: 1))
        XCTAssertEqual(one("truncate a restrict"), .truncate(["a"], position: 1))
        XCTAssertEqual(Statement.truncate(["a"], position: 1).tag, "TRUNCATE TABLE")
        assertSyntaxError("TRUNCATE", near: nil, at: 9)
        assertSyntaxError("TRUNCATE TABLE", near: nil, at: 15)
        assertSyntaxError("TRUNCATE a,", near: nil, at: 12)
        assertError("TRUNCATE a CASCADE", "42601", "TRUNCATE … CASCADE is not supported", at: 12)
    }
}

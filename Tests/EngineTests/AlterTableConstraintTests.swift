import Core
import Engine
import XCTest

/// `ALTER TABLE … ADD [CONSTRAINT name] FOREIGN KEY | CHECK`: existing rows
/// are checked first, names are kept, and the constraint then holds.
final class AlterTableConstraintTests: XCTestCase {
    var db: Database!

    override func setUp() { db = Database() }

    @discardableResult
    func run(_ sql: String) throws -> [Row] { try db.execute(SQLRequest(sql: sql)).last!.rows }

    func fails(_ sql: String, _ state: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        assertEngineError(state, message, sql, file: file, line: line) { try run(sql) }
    }

    func testForeignKeyAddedAfterTheRows() throws {
        try run("CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (id INT PRIMARY KEY, pid INT)")
        try run("INSERT INTO p VALUES (1), (2); INSERT INTO c VALUES (10, 1), (11, NULL), (12, 3)")
        fails("ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (pid) REFERENCES p (id)", "23503",
              "violates foreign key constraint \"c_p\": Key (pid)=(3) is not present in table \"p\"")
        try run("DELETE FROM c WHERE id = 12")
        try run("ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (pid) REFERENCES p (id) ON DELETE SET NULL")
        fails("INSERT INTO c VALUES (13, 5)", "23503", "c_p")
        fails("ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (pid) REFERENCES p (id)", "42710", "already exists")
        try run("DELETE FROM p WHERE id = 1")
        XCTAssertEqual(try run("SELECT pid FROM c WHERE id = 10"), [[.null]])
        try run("ALTER TABLE c ADD FOREIGN KEY (id) REFERENCES c (id)")
        fails("ALTER TABLE c ADD FOREIGN KEY (nope) REFERENCES p (id)", "42703", "nope")
        fails("ALTER TABLE c ADD FOREIGN KEY (pid) REFERENCES missing (id)", "42P01", "missing")
    }

    func testCheckAddedAfterTheRowsAndNamedChecksAtCreate() throws {
        try run("CREATE TABLE t (qty INT, CONSTRAINT qty_positive CHECK (qty > 0))")
        fails("INSERT INTO t VALUES (0)", "23514", "violates check constraint \"qty_positive\"")
        try run("INSERT INTO t VALUES (5), (50)")
        fails("ALTER TABLE t ADD CONSTRAINT small CHECK (qty < 10)", "23514", "check constraint \"small\" of relation \"t\" is violated by some row")
        try run("ALTER TABLE t ADD CONSTRAINT small CHECK (qty < 100)")
        fails("INSERT INTO t VALUES (100)", "23514", "\"small\"")
        try run("ALTER TABLE t ADD CHECK (qty <> 7)")
        try run("ALTER TABLE t ADD CHECK (qty <> 8)")
        fails("INSERT INTO t VALUES (8)", "23514", "t_check1")
        fails("ALTER TABLE t ADD CONSTRAINT small CHECK (qty < 1000)", "42710", "already exists")
        fails("ALTER TABLE t ADD CHECK (qty)", "42804", "boolean")
    }

    func testNamedUniqueConstraintKeepsItsName() throws {
        try run("CREATE TABLE u (v TEXT, CONSTRAINT u_v_unique UNIQUE (v))")
        XCTAssertEqual(try run("SELECT indexname FROM pg_indexes WHERE tablename = 'u'"), [[.text("u_v_unique")]])
        try run("INSERT INTO u VALUES ('a')")
        fails("INSERT INTO u VALUES ('a')", "23505", "u_v_unique")
    }
}

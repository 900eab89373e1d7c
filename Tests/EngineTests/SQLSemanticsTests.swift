import Core
import Engine
import Foundation
import XCTest

/// End-to-end SQL through `Database.execute`, checked against PostgreSQL's
/// answers for the same statements.
final class SQLSemanticsTests: XCTestCase {
    var db: Database!

    override func setUp() {
        db = Database()
    }

    @discardableResult
    func run(_ sql: String, _ params: [Value] = [], file: StaticString = #filePath, line: UInt = #line) throws -> [Row] {
        try db.execute(SQLRequest(sql: sql, parameters: params)).last!.rows
    }

    func fails(_ sql: String, _ state: String, position: Int? = nil, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try run(sql)
            XCTFail("expected \(state) from \(sql)", file: file, line: line)
        } catch let error as EngineError {
            XCTAssertEqual(error.sqlState, state, error.message, file: file, line: line)
            if let position { XCTAssertEqual(error.position, position, error.message, file: file, line: line) }
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    func seed() throws {
        try run("""
            CREATE TABLE emp (id INT PRIMARY KEY, name TEXT NOT NULL, dept TEXT, salary DOUBLE PRECISION, age INT);
            INSERT INTO emp VALUES
              (1, 'ann', 'eng', 120.5, 30), (2, 'bob', 'eng', 100, 40), (3, 'cat', 'ops', 90, NULL),
              (4, 'dan', NULL, NULL, 25), (5, 'eve', 'ops', 95.25, 35)
            """)
    }

    func testSelectWhereOrderLimit() throws {
        try seed()
        XCTAssertEqual(try run("SELECT name FROM emp WHERE dept = 'eng' ORDER BY name"), [[.text("ann")], [.text("bob")]])
        XCTAssertEqual(try run("SELECT id FROM emp ORDER BY age DESC LIMIT 2"), [[.integer(3)], [.integer(2)]],
                       "NULL sorts first in DESC order")
        XCTAssertEqual(try run("SELECT id FROM emp ORDER BY age LIMIT 2 OFFSET 3"), [[.integer(2)], [.integer(3)]])
        XCTAssertEqual(try run("SELECT id FROM emp ORDER BY age NULLS FIRST LIMIT 1"), [[.integer(3)]])
        XCTAssertEqual(try run("SELECT id, salary * 2 AS double_pay FROM emp WHERE id = $1", [.integer(5)]),
                       [[.integer(5), .double(190.5)]])
        XCTAssertEqual(try run("SELECT name FROM emp WHERE name LIKE '_a%' ORDER BY 1"), [[.text("cat")], [.text("dan")]])
        XCTAssertEqual(try run("SELECT count(*) FROM emp WHERE dept IS NULL OR age > 35"), [[.integer(2)]])
        XCTAssertEqual(try run("SELECT id FROM emp WHERE id IN (5, 1, 99) ORDER BY id"), [[.integer(1)], [.integer(5)]])
        XCTAssertEqual(try run("SELECT id FROM emp WHERE age BETWEEN 30 AND 35 ORDER BY id"), [[.integer(1)], [.integer(5)]])
    }

    func testThreeValuedLogic() throws {
        try seed()
        // age = NULL for id 3: neither `age > 30` nor `NOT age > 30` holds.
        XCTAssertEqual(try run("SELECT count(*) FROM emp WHERE age > 30"), [[.integer(2)]])
        XCTAssertEqual(try run("SELECT count(*) FROM emp WHERE NOT age > 30"), [[.integer(2)]])
        XCTAssertEqual(try run("SELECT NULL AND false, NULL OR true, NULL AND true, NOT NULL"),
                       [[.boolean(false), .boolean(true), .null, .null]])
        XCTAssertEqual(try run("SELECT 1 IN (2, NULL), 1 NOT IN (2, NULL), 1 IN (1, NULL)"), [[.null, .null, .boolean(true)]])
    }

    func testArithmeticFollowsPostgres() throws {
        XCTAssertEqual(try run("SELECT 7 / 2, -7 / 2, 7 % 3, 7.0 / 2, 2 + 3 * 4"),
                       [[.integer(3), .integer(-3), .integer(1), .double(3.5), .integer(14)]])
        fails("SELECT 1 / 0", "22012")
        fails("SELECT 1.5 / 0", "22012")
        fails("SELECT 2147483647 + 1", "22003")
        XCTAssertEqual(try run("SELECT 2147483647 + 1::bigint"), [[.integer(2_147_483_648)]])
        fails("SELECT 9223372036854775807 + 1", "22003")
        fails("SELECT -9223372036854775808 * -1", "22003")
        XCTAssertEqual(try run("SELECT 'Z' < 'a', 'abc' || 'def', 'x' || NULL"), [[.boolean(true), .text("abcdef"), .null]])
    }

    func testAggregatesAndGroupBy() throws {
        try seed()
        XCTAssertEqual(try run("SELECT dept, count(*), sum(salary), min(age), max(name) FROM emp GROUP BY dept ORDER BY dept"), [
            [.text("eng"), .integer(2), .double(220.5), .integer(30), .text("bob")],
            [.text("ops"), .integer(2), .double(185.25), .integer(35), .text("eve")],
            [.null, .integer(1), .null, .integer(25), .text("dan")],
        ])
        XCTAssertEqual(try run("SELECT count(age), avg(age), sum(age) FROM emp"), [[.integer(4), .double(32.5), .integer(130)]])
        XCTAssertEqual(try run("SELECT dept FROM emp GROUP BY dept HAVING count(*) > 1 ORDER BY dept"), [[.text("eng")], [.text("ops")]])
        XCTAssertEqual(try run("SELECT count(*), sum(age), max(age) FROM emp WHERE id > 100"), [[.integer(0), .null, .null]])
        XCTAssertEqual(try run("SELECT count(DISTINCT dept) FROM emp"), [[.integer(2)]])
        fails("SELECT name, count(*) FROM emp", "42803")
        fails("SELECT dept, age FROM emp GROUP BY dept", "42803")
    }

    func testUpdateDeleteAndConstraints() throws {
        try seed()
        let update = try db.execute(SQLRequest(sql: "UPDATE emp SET salary = salary + 10 WHERE dept = 'ops'"))
        XCTAssertEqual(update[0].affectedRows, 2)
        XCTAssertEqual(try run("SELECT salary FROM emp WHERE id = 3"), [[.double(100)]])
        let delete = try db.execute(SQLRequest(sql: "DELETE FROM emp WHERE age IS NULL OR age < 30"))
        XCTAssertEqual(delete[0].affectedRows, 2)
        XCTAssertEqual(try run("SELECT count(*) FROM emp"), [[.integer(3)]])
        fails("INSERT INTO emp VALUES (1, 'dup', NULL, NULL, NULL)", "23505")
        fails("INSERT INTO emp (id) VALUES (10)", "23502")
        fails("UPDATE emp SET name = NULL WHERE id = 1", "23502")
        fails("INSERT INTO emp (id, name) VALUES (3000000000, 'big')", "22003")
        fails("INSERT INTO emp (id, name) VALUES ('abc', 'x')", "22P02")
        XCTAssertEqual(try run("UPDATE emp SET id = 100 WHERE id = 1 RETURNING id, name"), [[.integer(100), .text("ann")]])
        XCTAssertEqual(try run("SELECT name FROM emp WHERE id = 100"), [[.text("ann")]])
        XCTAssertEqual(try run("SELECT count(*) FROM emp WHERE id = 1"), [[.integer(0)]])
    }

    func testRequestIsAllOrNothing() throws {
        try run("CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
        fails("INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (2, 'b'); SELECT * FROM missing", "42P01")
        XCTAssertEqual(try run("SELECT count(*) FROM t"), [[.integer(0)]])
        fails("CREATE TABLE u (id INT); INSERT INTO u VALUES (1); SELECT 1/0", "22012")
        fails("SELECT * FROM u", "42P01")
        // An explicit COMMIT inside the request keeps what it committed.
        fails("BEGIN; INSERT INTO t VALUES (1, 'kept'); COMMIT; INSERT INTO t VALUES (1, 'dup')", "23505")
        XCTAssertEqual(try run("SELECT v FROM t"), [[.text("kept")]])
        fails("BEGIN; INSERT INTO t VALUES (2, 'open')", "25001")
        XCTAssertEqual(try run("SELECT count(*) FROM t"), [[.integer(1)]])
        try run("BEGIN; INSERT INTO t VALUES (3, 'x'); ROLLBACK")
        XCTAssertEqual(try run("SELECT count(*) FROM t"), [[.integer(1)]])
    }

    func testErrorsCarryPositions() throws {
        try seed()
        fails("SELECT nope FROM emp", "42703", position: 8)
        fails("SELECT * FROM emp WHERE name = 1", "42883")
        fails("SELECT * FROM missing", "42P01", position: 15)
        fails("SELECT 1; SELEC 2", "42601", position: 11)
        fails("CREATE TABLE emp (x INT)", "42P07")
        fails("SELECT $1", "42P02")
    }

    /// Without a column list, INSERT may leave out trailing columns (they
    /// take their defaults), as PostgreSQL allows; VALUES rows must agree.
    func testInsertWithoutAColumnListFillsTrailingDefaults() throws {
        try run("CREATE TABLE d (a INT, b INT DEFAULT 7, c TEXT)")
        try run("INSERT INTO d VALUES (1)")
        try run("INSERT INTO d SELECT 2")
        try run("INSERT INTO d VALUES (3, 4), (5, 6)")
        XCTAssertEqual(try run("SELECT a, b, c FROM d ORDER BY a"),
                       [[.integer(1), .integer(7), .null], [.integer(2), .integer(7), .null],
                        [.integer(3), .integer(4), .null], [.integer(5), .integer(6), .null]])
        fails("INSERT INTO d VALUES (8, 9), (10)", "42601")
        fails("INSERT INTO d (a, b) VALUES (11)", "42601")
        fails("INSERT INTO d VALUES (1, 2, 'x', 4)", "42601")
        XCTAssertEqual(try run("SELECT count(*) FROM d"), [[.integer(4)]])
    }

    func testCommitsAdvanceTheSCN() throws {
        let before = db.lastCommittedSCN
        try run("CREATE TABLE s (id INT PRIMARY KEY)")
        try run("INSERT INTO s VALUES (1)")
        try run("SELECT * FROM s")
        XCTAssertEqual(db.lastCommittedSCN.rawValue, before.rawValue + 2, "reads do not commit")
    }

    func testStatementTimeout() throws {
        try run("CREATE TABLE big (id INT PRIMARY KEY)")
        let values = (1...2000).map { "(\($0))" }.joined(separator: ",")
        try run("INSERT INTO big VALUES \(values)")
        XCTAssertNoThrow(try db.execute(SQLRequest(sql: "SELECT id FROM big ORDER BY id DESC", timeoutMilliseconds: 0)),
                         "timeout 0 means no timeout, as statement_timeout = 0 in PostgreSQL")
        for chunk in 0..<10 {
            let more = (1...2000).map { "(\(chunk * 2000 + 10_000 + $0))" }.joined(separator: ",")
            try run("INSERT INTO big VALUES \(more)")
        }
        var timedOut = false
        for _ in 0..<20 where !timedOut {
            do {
                _ = try db.execute(SQLRequest(sql: "UPDATE big SET id = id + 0 WHERE id > 0", timeoutMilliseconds: 1))
            } catch {
                XCTAssertEqual((error as? EngineError)?.sqlState, "57014")
                timedOut = true
            }
        }
        XCTAssertTrue(timedOut, "a 1 ms timeout stops a 22,000-row update")
        // Row-writing loops check the deadline too: a timed-out INSERT … SELECT or DELETE writes nothing.
        let count = "SELECT count(*) FROM big"
        let before = try run(count)
        for sql in ["INSERT INTO big SELECT g FROM generate_series(100000, 400000) g", "DELETE FROM big WHERE id > 0"] {
            let started = Date()
            XCTAssertThrowsError(try db.execute(SQLRequest(sql: sql, timeoutMilliseconds: 30)), sql) { error in
                XCTAssertEqual((error as? EngineError)?.sqlState, "57014", "\(error)")
            }
            XCTAssertLessThan(Date().timeIntervalSince(started), 10, "stopped, not run to the end: \(sql)")
            XCTAssertEqual(try run(count), before, sql)
        }
    }

    /// Concurrent read-modify-write requests on one row: every committed
    /// increment is kept; the losers get 40001 and change nothing.
    func testConcurrentUpdatesNeverLoseWrites() throws {
        try run("CREATE TABLE counter (id INT PRIMARY KEY, n BIGINT); INSERT INTO counter VALUES (1, 0)")
        let successes = ManagedCounter()
        let database = db!
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<200 {
                do {
                    _ = try database.execute(SQLRequest(sql: "UPDATE counter SET n = n + 1 WHERE id = 1"))
                    successes.increment()
                } catch let error as EngineError {
                    XCTAssertEqual(error.sqlState, "40001")
                } catch {
                    XCTFail("\(error)")
                }
            }
        }
        XCTAssertEqual(try run("SELECT n FROM counter"), [[.integer(Int64(successes.value))]])
        XCTAssertGreaterThan(successes.value, 0)
    }
}

final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

final class SchemaFeatureTests: XCTestCase {
    func run(_ db: Database, _ sql: String) throws -> [Row] { try db.execute(SQLRequest(sql: sql)).last!.rows }

    func testSerialUniqueAndCreateTableAs() throws {
        let db = Database()
        _ = try run(db, "CREATE TABLE u (id SERIAL PRIMARY KEY, email TEXT UNIQUE, name TEXT)")
        XCTAssertEqual(try run(db, "INSERT INTO u (email, name) VALUES ('a@x', 'a'), ('b@x', 'b') RETURNING id"), [[.integer(1)], [.integer(2)]])
        XCTAssertThrowsError(try run(db, "INSERT INTO u (email) VALUES ('a@x')")) {
            XCTAssertEqual(($0 as? EngineError)?.sqlState, "23505")
        }
        XCTAssertEqual(try run(db, "INSERT INTO u (email) VALUES (NULL), (NULL) RETURNING id"), [[.integer(4)], [.integer(5)]],
                       "NULLs never collide; the failed insert still used value 3, as a PostgreSQL sequence does")
        XCTAssertEqual(try run(db, "INSERT INTO u (id, email) VALUES (10, 'c@x') ON CONFLICT (email) DO NOTHING RETURNING id"), [[.integer(10)]])
        XCTAssertEqual(try run(db, "INSERT INTO u (email, name) VALUES ('c@x', 'new') ON CONFLICT (email) DO UPDATE SET name = excluded.name RETURNING id, name"),
                       [[.integer(10), .text("new")]])
        _ = try run(db, "CREATE TABLE copy AS SELECT id, email FROM u WHERE email IS NOT NULL")
        XCTAssertEqual(try run(db, "SELECT count(*) FROM copy"), [[.integer(3)]])
    }

    func testIndexRangeScansMatchFullScans() throws {
        let db = Database()
        _ = try run(db, "CREATE TABLE o (id INT PRIMARY KEY, c INT, a DOUBLE PRECISION)")
        let values = (1...500).map { "(\($0), \($0 % 37), \(Double($0) / 3))" }.joined(separator: ",")
        _ = try run(db, "INSERT INTO o VALUES \(values)")
        let before = try run(db, "SELECT id FROM o WHERE c BETWEEN 5 AND 9 AND a > 20 ORDER BY id")
        _ = try run(db, "CREATE INDEX o_c ON o (c)")
        XCTAssertEqual(try run(db, "SELECT id FROM o WHERE c BETWEEN 5 AND 9 AND a > 20 ORDER BY id"), before)
        _ = try run(db, "UPDATE o SET c = 100 WHERE id % 2 = 0; DELETE FROM o WHERE id % 3 = 0")
        let expected = try run(db, "SELECT id FROM o WHERE c + 0 BETWEEN 5 AND 9 ORDER BY id")
        XCTAssertEqual(try run(db, "SELECT id FROM o WHERE c BETWEEN 5 AND 9 ORDER BY id"), expected)
        XCTAssertEqual(try run(db, "SELECT id FROM o WHERE c = 100 ORDER BY id LIMIT 3"), [[.integer(2)], [.integer(4)], [.integer(8)]])
        let plan = try run(db, "EXPLAIN SELECT id FROM o WHERE c > 30").map { $0[0].description }.joined(separator: "\n")
        XCTAssertTrue(plan.contains("Index Range Scan on o (c)"), plan)
    }

    /// WHERE conditions on one side of a join are applied before it, but
    /// never to the side an outer join pads with nulls.
    func testWhereConditionsMoveBelowJoinsOnlyWhereThatIsSafe() throws {
        let db = Database()
        _ = try run(db, "CREATE TABLE a (id INT PRIMARY KEY, x INT); CREATE TABLE b (id INT PRIMARY KEY, a_id INT, y INT)")
        _ = try run(db, "INSERT INTO a VALUES (1, 10), (2, 20), (3, 30)")
        _ = try run(db, "INSERT INTO b VALUES (1, 1, 5), (2, 1, 6), (3, 2, 7), (4, 9, 8)")
        func explain(_ sql: String) throws -> [String] {
            try run(db, "EXPLAIN " + sql).map { $0[0].description.trimmingCharacters(in: .whitespaces) }
        }
        // Inner join: each side's condition sits directly above its scan.
        let inner = "SELECT a.id, b.id FROM a JOIN b ON b.a_id = a.id WHERE a.x > 10 AND b.y < 8 AND a.x + b.y > 0"
        let innerPlan = try explain(inner)
        XCTAssertEqual(innerPlan.filter { $0.hasPrefix("-> Filter") }.count, 3, innerPlan.joined(separator: "\n"))
        XCTAssertEqual(innerPlan.last, "-> Seq Scan on b", innerPlan.joined(separator: "\n"))
        XCTAssertEqual(innerPlan[innerPlan.count - 2], "-> Filter", innerPlan.joined(separator: "\n"))
        XCTAssertEqual(try run(db, inner + " ORDER BY 1, 2"), [[.integer(2), .integer(3)]])
        // Outer joins: a condition on the padded side filters the padded rows out.
        XCTAssertEqual(try run(db, "SELECT a.id, b.id FROM a LEFT JOIN b ON b.a_id = a.id WHERE b.id IS NULL ORDER BY 1"),
                       [[.integer(3), .null]])
        XCTAssertEqual(try run(db, "SELECT a.id, b.id FROM a LEFT JOIN b ON b.a_id = a.id WHERE a.x >= 20 ORDER BY 1, 2"),
                       [[.integer(2), .integer(3)], [.integer(3), .null]])
        XCTAssertEqual(try run(db, "SELECT a.id, b.id FROM a RIGHT JOIN b ON b.a_id = a.id WHERE a.id IS NULL ORDER BY 2"),
                       [[.null, .integer(4)]])
        XCTAssertEqual(try run(db, "SELECT a.id, b.id FROM a FULL JOIN b ON b.a_id = a.id WHERE a.x IS NULL OR b.y IS NULL ORDER BY 1, 2"),
                       [[.integer(3), .null], [.null, .integer(4)]])
        XCTAssertEqual(try run(db, "SELECT a.id, b.id FROM a FULL JOIN b ON b.a_id = a.id WHERE b.y > 6 ORDER BY 2"),
                       [[.integer(2), .integer(3)], [.null, .integer(4)]])
        // A random() condition stays above the join (evaluated once per joined row).
        let volatile = try explain("SELECT * FROM a JOIN b ON b.a_id = a.id WHERE random() < 2 AND a.x > 0")
        XCTAssertEqual(volatile.filter { $0.hasPrefix("-> Filter") }.count, 2, volatile.joined(separator: "\n"))
        XCTAssertTrue(volatile[1].hasPrefix("-> Filter") && volatile[2].hasPrefix("-> Hash"), volatile.joined(separator: "\n"))
    }
}

final class ConstraintTests: XCTestCase {
    func run(_ db: Database, _ sql: String) throws -> [Row] { try db.execute(SQLRequest(sql: sql)).last!.rows }
    func state(_ db: Database, _ sql: String) -> String? {
        do { _ = try run(db, sql); return nil } catch { return (error as? EngineError)?.sqlState }
    }

    func testCheckConstraints() throws {
        let db = Database()
        _ = try run(db, "CREATE TABLE p (id INT PRIMARY KEY, price DOUBLE PRECISION CHECK (price > 0), qty INT, CHECK (qty BETWEEN 0 AND 100))")
        _ = try run(db, "INSERT INTO p VALUES (1, 9.5, 10), (2, NULL, NULL)")
        XCTAssertEqual(state(db, "INSERT INTO p VALUES (3, -1, 1)"), "23514")
        XCTAssertEqual(state(db, "INSERT INTO p VALUES (3, 1, 101)"), "23514")
        XCTAssertEqual(state(db, "UPDATE p SET price = 0 WHERE id = 1"), "23514")
        XCTAssertEqual(try run(db, "SELECT price FROM p WHERE id = 1"), [[.double(9.5)]])
        XCTAssertEqual(state(db, "CREATE TABLE bad (a INT CHECK (a + 'x'))"), "22P02")
    }

    func testForeignKeysRestrictCascadeSetNull() throws {
        let db = Database()
        _ = try run(db, """
            CREATE TABLE parent (id INT PRIMARY KEY, name TEXT);
            CREATE TABLE child (id INT PRIMARY KEY, parent_id INT REFERENCES parent (id) ON DELETE CASCADE);
            CREATE TABLE note (id INT PRIMARY KEY, parent_id INT REFERENCES parent ON DELETE SET NULL);
            CREATE TABLE strict (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES parent (id));
            INSERT INTO parent VALUES (1, 'a'), (2, 'b'), (3, 'c');
            INSERT INTO child VALUES (10, 1), (11, 1), (12, 2);
            INSERT INTO note VALUES (20, 2), (21, NULL);
            INSERT INTO strict VALUES (30, 3)
            """)
        XCTAssertEqual(state(db, "INSERT INTO child VALUES (13, 99)"), "23503")
        XCTAssertEqual(state(db, "DELETE FROM parent WHERE id = 3"), "23503", "NO ACTION refuses")
        XCTAssertEqual(state(db, "UPDATE parent SET id = 33 WHERE id = 3"), "23503")
        _ = try run(db, "DELETE FROM parent WHERE id = 1")
        XCTAssertEqual(try run(db, "SELECT count(*) FROM child"), [[.integer(1)]], "cascade removed the children of 1")
        _ = try run(db, "DELETE FROM parent WHERE id = 2")
        XCTAssertEqual(try run(db, "SELECT count(*) FROM child"), [[.integer(0)]])
        XCTAssertEqual(try run(db, "SELECT id, parent_id FROM note ORDER BY id"), [[.integer(20), .null], [.integer(21), .null]])
        XCTAssertEqual(state(db, "DROP TABLE parent"), "2BP01")
        XCTAssertEqual(state(db, "CREATE TABLE orphan (x INT REFERENCES parent (name))"), "42830")
        _ = try run(db, "DROP TABLE parent CASCADE")
        _ = try run(db, "INSERT INTO strict VALUES (31, 77)")
    }
}

final class LockingRegressionTests: XCTestCase {
    /// A correlated subquery that needs an index range scan, evaluated inside
    /// the outer table's scan: the index is built while a read lock is held
    /// (this once deadlocked the server).
    func testIndexBuiltInsideScanDoesNotDeadlock() throws {
        let db = Database()
        _ = try db.execute(SQLRequest(sql: """
            CREATE TABLE a (id INT PRIMARY KEY, x INT); CREATE TABLE b (id INT PRIMARY KEY, c INT);
            CREATE INDEX b_c ON b (c);
            INSERT INTO a VALUES (1, 10), (2, 20), (3, 30); INSERT INTO b VALUES (1, 12), (2, 31), (3, 50)
            """))
        let rows = try db.execute(SQLRequest(sql: "SELECT id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.c > a.x AND b.c < a.x + 5) ORDER BY id")).last!.rows
        XCTAssertEqual(rows, [[.integer(1)], [.integer(3)]])
    }
}

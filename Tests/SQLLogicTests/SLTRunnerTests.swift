import Core
import XCTest

/// The runner itself: that it parses the format and notices wrong answers
/// (a runner that passes everything would make the golden files worthless).
final class SLTRunnerTests: XCTestCase {
    private func run(_ script: String) -> SLTFileResult {
        SLTRunner().run(script: script, name: "inline.slt")
    }

    func testParsesRecordKinds() throws {
        let records = try SLTScript.parse("""
            # a comment
            statement ok
            CREATE TABLE t (a INT)

            skipif helios
            onlyif postgresql
            statement count 2
            INSERT INTO t VALUES (1),
              (2)

            statement error 23505
            INSERT INTO t VALUES (1)

            query IT rowsort my_label
            SELECT a, 'x' FROM t
            ----
            1 x
            2 x

            query error
            SELECT nope

            statement error
            SELECT 1/0
            ----
            division by zero

            control sortmode valuesort

            halt
            """)
        XCTAssertEqual(records.map(\.line), [2, 7, 11, 14, 20, 23, 28, 30])
        XCTAssertEqual(records[0].kind, .statementOK)
        XCTAssertEqual(records[1].kind, .statementCount(2))
        XCTAssertEqual(records[1].sql, "INSERT INTO t VALUES (1),\n  (2)")
        XCTAssertEqual(records[1].conditions, [SLTCondition(only: false, engine: "helios"),
                                               SLTCondition(only: true, engine: "postgresql")])
        XCTAssertFalse(records[1].runs(on: "helios"))
        XCTAssertEqual(records[2].kind, .statementError(SLTErrorExpectation(pattern: "23505", message: nil)))
        XCTAssertEqual(records[3].kind, .query(types: "IT", sort: .rowsort, expected: ["1 x", "2 x"]))
        XCTAssertEqual(records[4].kind, .queryError(SLTErrorExpectation(pattern: nil, message: nil)))
        XCTAssertEqual(records[5].kind, .statementError(SLTErrorExpectation(pattern: nil, message: "division by zero")))
        XCTAssertEqual(records[6].kind, .sortMode(.valuesort))
        XCTAssertEqual(records[7].kind, .halt)
    }

    func testRejectsMalformedFiles() {
        let bad = [
            "statement okay\nSELECT 1\n",
            "query\nSELECT 1\n",
            "query IX\nSELECT 1\n",
            "skipif helios\n\nstatement ok\nSELECT 1\n",
            "statement ok\n",
            "loop i 1 10\n",
            "statement ok\nSELECT 1\n----\n1\n",
        ]
        for script in bad {
            XCTAssertThrowsError(try SLTScript.parse(script), script)
        }
    }

    func testPassingScript() {
        let result = run("""
            statement ok
            CREATE TABLE t (a INT PRIMARY KEY, b TEXT, c DOUBLE PRECISION, d BOOLEAN)

            statement count 3
            INSERT INTO t VALUES (1, 'x y', 1.5, true), (2, '', NULL, false), (3, NULL, 1e20, NULL)

            query ITRB
            SELECT a, b, c, d FROM t ORDER BY a
            ----
            1 x y 1.5 t
            2 (empty) NULL f
            3 NULL 1e+20 NULL

            query I rowsort
            SELECT a FROM t
            ----
            3
            1
            2

            query IT valuesort
            SELECT a, b FROM t WHERE a = 1
            ----
            1 x
            y

            statement error 23505
            INSERT INTO t VALUES (1, 'again', 0, true)

            statement error duplicate key
            INSERT INTO t VALUES (1, 'again', 0, true)

            query error ^column "nope" does not exist$
            SELECT nope FROM t

            statement error
            SELECT 1 / 0
            ----
            division by zero

            skipif helios
            query I
            SELECT 'not run'

            onlyif helios
            query I
            SELECT 42
            ----
            42

            halt

            query I
            SELECT 'not run either'
            """)
        XCTAssertEqual(result.failures.map(\.description), [])
        XCTAssertEqual(result.records, 12)
        XCTAssertEqual(result.passed, 10)
        XCTAssertEqual(result.skipped, 2)
    }

    func testDetectsWrongAnswers() {
        let result = run("""
            statement ok
            CREATE TABLE t (a INT PRIMARY KEY, b TEXT)

            statement count 5
            INSERT INTO t VALUES (1, 'one'), (2, 'two')

            query IT
            SELECT a, b FROM t ORDER BY a
            ----
            1 one
            2 deux

            query IT
            SELECT a, b FROM t ORDER BY a DESC
            ----
            1 one
            2 two

            query I
            SELECT a FROM t ORDER BY a
            ----
            1

            query T
            SELECT a FROM t WHERE a = 1
            ----
            1

            query II
            SELECT a FROM t WHERE a = 1
            ----
            1

            statement error 22012
            SELECT 1

            statement error 22012
            SELECT nope + 1

            query error division
            SELECT nope

            statement ok
            SELECT nope

            statement error
            SELECT 1 / 0
            ----
            division by one

            query T
            SELECT ''
            ----
            (empty) x
            """)
        XCTAssertEqual(result.failures.map(\.line), [4, 7, 13, 19, 24, 29, 34, 37, 40, 43, 46, 51])
        XCTAssertEqual(result.passed, 1)
        let byLine = Dictionary(uniqueKeysWithValues: result.failures.map { ($0.line, $0.description) })
        XCTAssert(byLine[4]!.contains("expected 5 affected rows, got 2"), byLine[4]!)
        XCTAssert(byLine[7]!.contains("first difference at row 2: expected \"2 deux\", actual \"2 two\""), byLine[7]!)
        XCTAssert(byLine[7]!.hasPrefix("inline.slt:7: "), byLine[7]!)
        XCTAssert(byLine[7]!.contains("SELECT a, b FROM t ORDER BY a"), byLine[7]!)
        XCTAssert(byLine[24]!.contains("expected type T, got INTEGER"), byLine[24]!)
        XCTAssert(byLine[29]!.contains("expected 2 column(s)"), byLine[29]!)
        XCTAssert(byLine[34]!.contains("but the request succeeded"), byLine[34]!)
        XCTAssert(byLine[37]!.contains("expected SQLSTATE 22012"), byLine[37]!)
        XCTAssert(byLine[43]!.contains("unexpected error 42703"), byLine[43]!)
        XCTAssert(byLine[46]!.contains("expected: division by one"), byLine[46]!)
    }

    func testValueText() {
        XCTAssertEqual(SLTRunner.text(.null), "NULL")
        XCTAssertEqual(SLTRunner.text(.boolean(true)), "t")
        XCTAssertEqual(SLTRunner.text(.boolean(false)), "f")
        XCTAssertEqual(SLTRunner.text(.text("")), "(empty)")
        XCTAssertEqual(SLTRunner.text(.integer(-7)), "-7")
        XCTAssertEqual(SLTRunner.text(.double(0.1)), "0.1")
        XCTAssertEqual(SLTRunner.text(.double(1e15)), "1e+15")
        XCTAssertEqual(SLTRunner.text(.double(-.infinity)), "-Infinity")
    }

    func testEachFileGetsAFreshDatabase() {
        let script = "statement ok\nCREATE TABLE t (a INT)\n"
        XCTAssertEqual(run(script).failures.count, 0)
        XCTAssertEqual(run(script).failures.count, 0)
    }
}

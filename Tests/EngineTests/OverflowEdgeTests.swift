import Core
import Foundation
import Engine
import XCTest

/// Integers at Int64's ends in function arguments, window offsets and
/// interval texts: each gives PostgreSQL's answer or a clean error,
/// never a trap that would take the server down.
final class OverflowEdgeTests: XCTestCase {
    var db: Database!

    override func setUp() { db = Database() }

    func rows(_ sql: String) throws -> [Row] { try db.execute(SQLRequest(sql: sql)).last!.rows }

    func value(_ sql: String) throws -> Value { try rows(sql).first?.first ?? .null }

    func testSubstringWithExtremeStartAndLength() throws {
        XCTAssertEqual(try value("SELECT substr('hello', 2, 9223372036854775807)"), .text("ello"))
        XCTAssertEqual(try value("SELECT substr('hello', 9223372036854775807, 3)"), .text(""))
        XCTAssertEqual(try value("SELECT substr('hello', -9223372036854775808, 9223372036854775807)"), .text(""))
        XCTAssertEqual(try value("SELECT substr('hello', -9223372036854775807)"), .text("hello"))
        XCTAssertEqual(try value("SELECT substr('hello', 0, 3)"), .text("he"))
    }

    func testWindowOffsetsPastEveryRow() throws {
        try rows("CREATE TABLE w (id INT PRIMARY KEY, v INT); INSERT INTO w VALUES (1, 10), (2, 20), (3, 30)")
        XCTAssertEqual(try rows("SELECT lag(v, 9223372036854775807, -1) OVER (ORDER BY id) FROM w ORDER BY id").map { $0[0] },
                       [.integer(-1), .integer(-1), .integer(-1)])
        XCTAssertEqual(try rows("SELECT lead(v, 9223372036854775807) OVER (ORDER BY id) FROM w ORDER BY id").map { $0[0] },
                       [.null, .null, .null])
        XCTAssertEqual(try rows("SELECT lag(v, -9223372036854775808) OVER (ORDER BY id) FROM w ORDER BY id").map { $0[0] },
                       [.null, .null, .null])
        let sums = try rows("""
            SELECT sum(v) OVER (ORDER BY id ROWS BETWEEN 9223372036854775807 PRECEDING AND 9223372036854775807 FOLLOWING)
            FROM w ORDER BY id
            """)
        XCTAssertEqual(sums.map { $0[0] }, [.integer(60), .integer(60), .integer(60)])
    }

    func testIntervalTextsPastTheFieldsAreRefused() {
        XCTAssertNotNil(DateTime.parseInterval("1 year 2 days 03:04:05"))
        for text in ["1e20 days", "3000000000 months", "1e300 years", "9999999999999999 hours", "1e30 seconds",
                     "99999999999999999999:00", "nan days", "inf days", "2147483647 days 1 day"] {
            XCTAssertNil(DateTime.parseInterval(text), text)
        }
        assertEngineError("22P02", nil, "interval", file: #filePath, line: #line) { try value("SELECT INTERVAL '1e20 days'") }
    }

    func testIntervalAtInt64MinPrintsAndRepeatChecksTheResultLength() throws {
        XCTAssertEqual(try value("SELECT INTERVAL '-9223372036854775808 microseconds'::text"), .text("-2562047788:00:54.775808"))
        XCTAssertEqual(DateTime.formatInterval(Interval(months: Int32.min, days: Int32.min, micros: Int64.min)).isEmpty, false)
        assertEngineError("54000", "requested length too large", "repeat", file: #filePath, line: #line) {
            try value("SELECT repeat(repeat('ab', 10000000), 10000000)")
        }
        XCTAssertEqual(try value("SELECT length(repeat('ab', 3))"), .integer(6))
    }

    /// A number with a large negative exponent normalizes in linear time.
    func testJSONNumbersWithLargeExponents() throws {
        let started = Date()
        XCTAssertEqual(try rows("SELECT '[1e-99999, 2e-99999]'::jsonb").count, 1)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertEqual(try value("SELECT '[1.5e-3, -25e-1]'::jsonb::text"), .text("[0.0015, -2.5]"))
    }

    /// Conditions with subqueries are bound more than once while planning;
    /// nested n deep they were planned 2^n times (20 levels: seconds, 50:
    /// a worker lost for good). Now each is planned once.
    func testNestedSubqueriesPlanInLinearTime() throws {
        var sql = "SELECT 1"
        for _ in 0..<40 { sql = "SELECT 1 WHERE 1 IN (\(sql))" }
        let started = Date()
        XCTAssertEqual(try rows(sql), [[.integer(1)]])
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        // Correlated ones are planned per binding, as before, and still right.
        try rows("CREATE TABLE n (id INT PRIMARY KEY, p INT); INSERT INTO n VALUES (1, 1), (2, 1), (3, 2)")
        XCTAssertEqual(try rows("SELECT id FROM n a WHERE 1 IN (SELECT 1 FROM n b WHERE b.p = a.id AND 2 IN (SELECT 2 FROM n c WHERE c.id = b.id)) ORDER BY id"),
                       [[.integer(1)], [.integer(2)]])
    }

    func testNthValuePastTheFrameAndRoundWithExtremeDigits() throws {
        let values = try rows("""
            SELECT nth_value(x, 9223372036854775807) OVER (ORDER BY x ROWS BETWEEN CURRENT ROW AND CURRENT ROW),
                   nth_value(x, 2) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)
            FROM generate_series(1, 3) x ORDER BY x
            """)
        XCTAssertEqual(values.map { $0[0] }, [.null, .null, .null])
        XCTAssertEqual(values.map { $0[1] }, [.integer(2), .integer(2), .integer(3)])
        XCTAssertEqual(try value("SELECT round(1.5, 2147483647)"), .double(1.5))
        XCTAssertEqual(try value("SELECT round(1.5, -2147483648)"), .double(0))
        XCTAssertEqual(try value("SELECT round(2.345, 2)"), .double(2.35))
        XCTAssertEqual(try value("SELECT round(1e300, 100)"), .double(1e300))
    }

    func testStringAggStopsAtTheTextLimit() {
        assertEngineError("54000", "maximum text size", "string_agg", file: #filePath, line: #line) {
            try value("SELECT length(string_agg(repeat('x', 9000000), ',')) FROM generate_series(1, 130)")
        }
    }
}

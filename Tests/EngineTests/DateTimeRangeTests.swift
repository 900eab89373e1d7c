import Core
import Engine
import XCTest

/// Dates, timestamps and intervals at and past their ranges: arithmetic
/// that would leave them is an error (22008), never a trap, and a
/// timestamp text past the last representable instant is refused.
final class DateTimeRangeTests: XCTestCase {
    var db: Database!

    override func setUp() { db = Database() }

    func value(_ sql: String) throws -> Value {
        try db.execute(SQLRequest(sql: sql)).last!.rows.first?.first ?? .null
    }

    func fails(_ sql: String, _ state: String, file: StaticString = #filePath, line: UInt = #line) {
        assertEngineError(state, nil, sql, file: file, line: line) { try value(sql) }
    }

    func testTimestampTextsPastTheRangeAreRefused() throws {
        XCTAssertNotEqual(try value("SELECT TIMESTAMP '294247-01-10 04:00:54'"), .null)
        for text in ["294247-01-10 04:00:55", "294248-01-01", "999999-01-01", "294247-01-10 04:00:54-01:00"] {
            fails("SELECT TIMESTAMP '\(text)'", "22P02")
        }
        XCTAssertNil(DateTime.parseTimestamp("999999-12-31 23:59:59+14:00"))
        XCTAssertNil(DateTime.parseDate("999999-01-01"))
        XCTAssertNotNil(DateTime.parseTimestamp("0001-01-01 00:00:00+14:00"))
    }

    func testArithmeticPastTheRangeIsAnError() throws {
        XCTAssertEqual(try value("SELECT DATE '2000-01-01' + 1"), try value("SELECT DATE '2000-01-02'"))
        fails("SELECT DATE '2000-01-01' + 9223372036854775807", "22008")
        fails("SELECT DATE '2000-01-01' - 9223372036854775807", "22008")
        fails("SELECT DATE '2000-01-01' + 200000000", "22008")
        fails("SELECT TIMESTAMP '294000-01-01' + INTERVAL '1000 years'", "22008")
        fails("SELECT DATE '200000-01-01' + INTERVAL '100000 years'", "22008")
        fails("SELECT TIMESTAMP '294247-01-01' - TIMESTAMP '0001-01-01'", "22008")
        fails("SELECT INTERVAL '2147483647 months' + INTERVAL '1 month'", "22008")
        fails("SELECT INTERVAL '-2147483647 days' - INTERVAL '2 days'", "22008")
        fails("SELECT INTERVAL '1 month' * 1e20", "22008")
        fails("SELECT INTERVAL '1 day' / 1e-300", "22008")
        fails("SELECT INTERVAL '1 day' * 'NaN'::float8", "22008")
        XCTAssertEqual(try value("SELECT (DATE '2000-01-01' + INTERVAL '1 month')::text"), .text("2000-02-01 00:00:00"))
    }
}

import Core
import Engine
import XCTest

/// `FETCH FIRST n ROWS WITH TIES`, checked against PostgreSQL 15.
final class FetchWithTiesTests: XCTestCase {
    func testTiesComeAlong() throws {
        let db = Database()
        _ = try db.execute(SQLRequest(sql: "CREATE TABLE ft (id INT, g INT); INSERT INTO ft VALUES (1,1),(2,1),(3,2),(4,2),(5,2),(6,3),(7,NULL),(8,NULL)"))
        func ids(_ sql: String) throws -> [Int64] {
            try db.execute(SQLRequest(sql: sql)).last!.rows.map { if case .integer(let n) = $0[0] { n } else { -1 } }
        }
        XCTAssertEqual(try ids("SELECT id FROM ft ORDER BY g FETCH FIRST 3 ROWS WITH TIES"), [1, 2, 3, 4, 5])
        XCTAssertEqual(try ids("SELECT id FROM ft ORDER BY g OFFSET 1 ROWS FETCH FIRST 2 ROWS WITH TIES"), [2, 3, 4, 5])
        XCTAssertEqual(Set(try ids("SELECT id FROM ft ORDER BY g DESC NULLS FIRST FETCH FIRST 1 ROW WITH TIES")), [7, 8], "NULLs tie")
        XCTAssertEqual(try ids("SELECT id FROM ft ORDER BY g, id FETCH FIRST 3 ROWS WITH TIES"), [1, 2, 3])
        XCTAssertEqual(try ids("SELECT id FROM ft ORDER BY g FETCH FIRST 0 ROWS WITH TIES"), [])
        XCTAssertEqual(try ids("SELECT id FROM ft ORDER BY g FETCH FIRST 20 ROWS WITH TIES").count, 8)
        XCTAssertEqual(try ids("SELECT id FROM ft ORDER BY g FETCH FIRST (NULL::int) ROWS WITH TIES").count, 8)
        XCTAssertEqual(try ids("SELECT g FROM ft ORDER BY g FETCH NEXT ROW WITH TIES"), [1, 1])
        XCTAssertEqual(try ids("SELECT id FROM ft ORDER BY g FETCH FIRST 2 ROWS ONLY"), [1, 2])
        // Set operations and subqueries take it too.
        XCTAssertEqual(try ids("SELECT id FROM ft WHERE g = 2 UNION ALL SELECT id FROM ft WHERE g = 1 ORDER BY 1 DESC FETCH FIRST 1 ROW WITH TIES"), [5])
        XCTAssertEqual(try ids("SELECT count(*) FROM (SELECT id FROM ft ORDER BY g FETCH FIRST 1 ROW WITH TIES) s"), [2])
        assertEngineError("42601", "WITH TIES cannot be specified without ORDER BY clause", "no ORDER BY", file: #filePath, line: #line) {
            _ = try db.execute(SQLRequest(sql: "SELECT id FROM ft FETCH FIRST 2 ROWS WITH TIES"))
        }
        assertEngineError("42601", nil, "WITH what", file: #filePath, line: #line) {
            _ = try db.execute(SQLRequest(sql: "SELECT id FROM ft ORDER BY g FETCH FIRST 2 ROWS WITH"))
        }
        assertEngineError("42601", nil, "WITH TIE", file: #filePath, line: #line) {
            _ = try db.execute(SQLRequest(sql: "SELECT id FROM ft ORDER BY g FETCH FIRST 2 ROWS WITH TIE"))
        }
    }
}

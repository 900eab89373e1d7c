import Foundation
import TestSupport
import XCTest

/// Issue 4 over HTTP against the real heliosd binary: time travel (AS OF,
/// VERSIONS BETWEEN, request-level `as_of`, retention), the commit-log
/// views, branches (create, isolation, DDL, USE BRANCH, drop) and three-way
/// merge with its strategies, plus the three upstream bugs (MERGE that
/// merges nothing, `IF NOT EXISTS` taken as a branch name, alias dropped
/// after AS OF). Every test uses its own table and branch names, so the
/// tests share one server; the SCN clock is global, so points are noted
/// with `current_scn()` in a request of their own right after a commit.
final class BranchTimeTravelTests: XCTestCase {
    nonisolated(unsafe) static var server: HeliosProcess!

    override class func setUp() {
        super.setUp()
        server = try! HeliosProcess()
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    /// A test that needs a server of its own (big data that would slow the others) sets this.
    var ownServer: HeliosProcess?
    var client: HTTPTestClient { (ownServer ?? Self.server).client() }

    // MARK: Helpers

    /// Sends `sql` to /v1/sql; asserts 200 and returns every result.
    @discardableResult
    func results(_ sql: String, _ params: [Any] = [], branch: String? = nil, asOf: [String: Any]? = nil,
                 file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let r = try request(sql, params, branch: branch, asOf: asOf)
        XCTAssertEqual(r.status, 200, "\(sql) → \(r.text)", file: file, line: line)
        return (r.object["results"] as? [[String: Any]]) ?? []
    }

    /// Sends `sql` to /v1/sql; asserts 200 and returns the rows of the last result.
    @discardableResult
    func rows(_ sql: String, _ params: [Any] = [], branch: String? = nil, asOf: [String: Any]? = nil,
              file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let all = try results(sql, params, branch: branch, asOf: asOf, file: file, line: line)
        return (all.last?["rows"] as? [[String: Any]]) ?? []
    }

    func request(_ sql: String, _ params: [Any] = [], branch: String? = nil,
                 asOf: [String: Any]? = nil) throws -> HTTPTestClient.Response {
        var extra: [String: Any] = [:]
        if let branch { extra["branch"] = branch }
        if let asOf { extra["as_of"] = asOf }
        return try client.sql(sql, params, extra: extra)
    }

    /// Asserts that `sql` fails with `status` (and `code`, and a message containing `message`).
    @discardableResult
    func expectError(_ sql: String, status: Int, code: String? = nil, message: String? = nil,
                     branch: String? = nil, asOf: [String: Any]? = nil,
                     file: StaticString = #filePath, line: UInt = #line) throws -> HTTPTestClient.Response {
        let r = try request(sql, branch: branch, asOf: asOf)
        XCTAssertEqual(r.status, status, "\(sql) → \(r.text)", file: file, line: line)
        if let code { XCTAssertEqual(r.object["code"] as? String, code, "\(sql) → \(r.text)", file: file, line: line) }
        if let message {
            XCTAssertTrue((r.object["message"] as? String ?? "").contains(message),
                          "\(sql): message should contain \"\(message)\": \(r.text)", file: file, line: line)
        }
        return r
    }

    /// The SCN of the newest commit (call in a request of its own, right after the commit to note).
    func scn(file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let r = try rows("SELECT current_scn() AS s", file: file, line: line)
        return try XCTUnwrap(r.first?["s"] as? Int, "current_scn(): \(r)", file: file, line: line)
    }

    /// `id → v` of `SELECT id, v FROM <from>`.
    func contents(_ from: String, branch: String? = nil, asOf: [String: Any]? = nil,
                  file: StaticString = #filePath, line: UInt = #line) throws -> [Int: String] {
        var out: [Int: String] = [:]
        for row in try rows("SELECT id, v FROM \(from)", branch: branch, asOf: asOf, file: file, line: line) {
            guard let id = row["id"] as? Int else { XCTFail("no id in \(row)", file: file, line: line); continue }
            out[id] = row["v"] as? String ?? "<null>"
        }
        return out
    }

    /// A JSON value as text for compact comparisons ("null" for null or absent).
    func text(_ value: Any?) -> String {
        switch value {
        case let s as String: return s
        case let n as Int: return String(n)
        case let d as Double: return String(d)
        default: return "null"
        }
    }

    func count(_ from: String, branch: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let r = try rows("SELECT count(*) AS n FROM \(from)", branch: branch, file: file, line: line)
        return r.first?["n"] as? Int ?? -1
    }

    func postJSON(_ path: String, _ object: [String: Any]) throws -> HTTPTestClient.Response {
        let data = try JSONSerialization.data(withJSONObject: object)
        return try client.post(path, json: String(decoding: data, as: UTF8.self))
    }

    func createBranchREST(_ name: String, parent: String? = nil, asOf: [String: Any]? = nil,
                          file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        var body: [String: Any] = ["name": name]
        if let parent { body["parent"] = parent }
        if let asOf { body["as_of"] = asOf }
        let r = try postJSON("/v1/branches", body)
        XCTAssertEqual(r.status, 201, "POST /v1/branches \(body) → \(r.text)", file: file, line: line)
        return r.object
    }

    func merge(_ source: String, into target: String, strategy: String? = nil, deleteAfter: Bool? = nil) throws -> HTTPTestClient.Response {
        var body: [String: Any] = ["target": target]
        if let strategy { body["strategy"] = strategy }
        if let deleteAfter { body["delete_branch_after"] = deleteAfter }
        return try postJSON("/v1/branches/\(source)/merge", body)
    }

    func branchInfo(_ name: String) throws -> HTTPTestClient.Response {
        try client.send(method: "GET", path: "/v1/branches/\(name)")
    }

    func commitTime(scn: Int, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try rows("SELECT commit_time FROM pg_scn_map WHERE scn = $1", [scn], file: file, line: line)
        return try XCTUnwrap(r.first?["commit_time"] as? String, "no commit \(scn) in pg_scn_map", file: file, line: line)
    }

    func transactionID(scn: Int, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let r = try rows("SELECT transaction_id FROM pg_transaction_map WHERE scn = $1", [scn], file: file, line: line)
        return try XCTUnwrap(r.first?["transaction_id"] as? Int, "no commit \(scn) in pg_transaction_map", file: file, line: line)
    }

    // MARK: 1. AS OF points

    func testAsOfSCNTransactionTimestampAndNow() throws {
        try results("CREATE TABLE tt_points (id INT PRIMARY KEY, v TEXT); INSERT INTO tt_points VALUES (1, 'a')")
        let s1 = try scn()
        let between = try XCTUnwrap(try rows("SELECT now() AS t").first?["t"] as? String)
        try results("UPDATE tt_points SET v = 'b' WHERE id = 1; INSERT INTO tt_points VALUES (2, 'x')")
        let s2 = try scn()
        try results("DELETE FROM tt_points WHERE id = 1")
        let s3 = try scn()
        XCTAssertLessThan(s1, s2)
        XCTAssertLessThan(s2, s3)

        XCTAssertEqual(try contents("tt_points AS OF SCN \(s1)"), [1: "a"])
        XCTAssertEqual(try contents("tt_points AS OF SCN \(s2)"), [1: "b", 2: "x"])
        XCTAssertEqual(try contents("tt_points AS OF SCN \(s3)"), [2: "x"])
        XCTAssertEqual(try contents("tt_points AS OF NOW"), [2: "x"])
        XCTAssertEqual(try contents("tt_points AS OF NOW()"), [2: "x"])
        XCTAssertEqual(try contents("tt_points"), [2: "x"])
        // A parameter and an expression name the point too.
        XCTAssertEqual(try rows("SELECT count(*) AS n FROM tt_points AS OF SCN $1", [s1]).first?["n"] as? Int, 1)
        XCTAssertEqual(try contents("tt_points AS OF SCN \(s2 - 1) + 1"), [1: "b", 2: "x"])

        for (s, expected) in [(s1, [1: "a"]), (s2, [1: "b", 2: "x"]), (s3, [2: "x"])] {
            let xid = try transactionID(scn: s)
            XCTAssertEqual(try contents("tt_points AS OF TRANSACTION \(xid)"), expected, "AS OF TRANSACTION \(xid) (scn \(s))")
            let time = try commitTime(scn: s)
            XCTAssertEqual(try contents("tt_points AS OF TIMESTAMP '\(time)'"), expected, "AS OF TIMESTAMP '\(time)' (scn \(s))")
        }
        // now() noted between two commits names the earlier one.
        XCTAssertEqual(try contents("tt_points AS OF TIMESTAMP '\(between)'"), [1: "a"], "AS OF TIMESTAMP '\(between)'")
        XCTAssertEqual(try contents("tt_points AS OF TIMESTAMP '\(between)'::timestamptz"), [1: "a"])
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]`, `T` separator and an optional zone.
    func testAsOfTimestampFormats() throws {
        try results("CREATE TABLE tt_formats (id INT PRIMARY KEY, v TEXT); INSERT INTO tt_formats VALUES (1, 'old')")
        Thread.sleep(forTimeInterval: 1.1)
        let noted = try XCTUnwrap(try rows("SELECT now() AS t").first?["t"] as? String)
        try results("UPDATE tt_formats SET v = 'new'")
        // Whole seconds of a time at least 1.1 s after the first commit and before the second.
        let seconds = String(noted.prefix(19))
        XCTAssertTrue(noted.hasSuffix("+00"), "now() should answer in UTC: \(noted)")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let date = try XCTUnwrap(formatter.date(from: seconds))
        formatter.timeZone = TimeZone(secondsFromGMT: 2 * 3600)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
        let plusTwo = formatter.string(from: date)
        let fraction = String(noted.dropLast(3))
        for text in [seconds, seconds + ".000000", fraction, seconds.replacingOccurrences(of: " ", with: "T"),
                     seconds + "+00", seconds + "+00:00", seconds.replacingOccurrences(of: " ", with: "T") + "Z", plusTwo] {
            XCTAssertEqual(try contents("tt_formats AS OF TIMESTAMP '\(text)'"), [1: "old"], "AS OF TIMESTAMP '\(text)'")
            XCTAssertEqual(try contents("tt_formats", asOf: ["type": "timestamp", "value": text]), [1: "old"],
                           "as_of timestamp \(text)")
        }
        XCTAssertEqual(try contents("tt_formats"), [1: "new"])
    }

    // MARK: 2. AS OF on any table reference

    /// Upstream bug: the alias after AS OF was silently dropped.
    func testAliasAfterAsOfIsKept() throws {
        try results("CREATE TABLE tt_alias (id INT PRIMARY KEY, v TEXT); INSERT INTO tt_alias VALUES (1, 'a'), (2, 'b')")
        let s1 = try scn()
        try results("UPDATE tt_alias SET v = 'z'")
        let xid = try transactionID(scn: s1)
        let time = try commitTime(scn: s1)
        for reference in ["tt_alias AS OF SCN \(s1) h", "tt_alias AS OF SCN \(s1) AS h",
                          "tt_alias AS OF TRANSACTION \(xid) h", "tt_alias AS OF TRANSACTION \(xid) AS h",
                          "tt_alias AS OF TIMESTAMP '\(time)' h", "tt_alias AS OF TIMESTAMP '\(time)' AS h"] {
            let r = try rows("SELECT h.id, h.v FROM \(reference) WHERE h.id = 1 ORDER BY h.id")
            XCTAssertEqual(r.count, 1, reference)
            XCTAssertEqual(r.first?["v"] as? String, "a", reference)
            let star = try rows("SELECT h.* FROM \(reference) ORDER BY h.id")
            XCTAssertEqual(star.map { $0["v"] as? String }, ["a", "b"], reference)
        }
        let now = try rows("SELECT h.v FROM tt_alias AS OF NOW h WHERE h.id = 2")
        XCTAssertEqual(now.first?["v"] as? String, "z")
        // Column aliases after the table alias.
        let renamed = try rows("SELECT x, y FROM tt_alias AS OF SCN \(s1) AS h (x, y) ORDER BY x")
        XCTAssertEqual(renamed.map { $0["y"] as? String }, ["a", "b"])
        // The table's own name no longer qualifies its columns once aliased.
        let r = try request("SELECT tt_alias.v FROM tt_alias AS OF SCN \(s1) h")
        XCTAssertNotEqual(r.status, 200, r.text)
    }

    func testAsOfOnBothSidesOfAJoin() throws {
        try results("CREATE TABLE tt_join (id INT PRIMARY KEY, v TEXT); INSERT INTO tt_join VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        let s1 = try scn()
        try results("UPDATE tt_join SET v = 'B' WHERE id = 2; DELETE FROM tt_join WHERE id = 3; INSERT INTO tt_join VALUES (4, 'd')")
        let s2 = try scn()
        try results("UPDATE tt_join SET v = 'A' WHERE id = 1")

        // Current on the left, past on the right.
        var r = try rows("""
            SELECT c.id, c.v AS cur, p.v AS old FROM tt_join c JOIN tt_join AS OF SCN \(s1) p ON p.id = c.id ORDER BY c.id
            """)
        XCTAssertEqual(r.map { $0["id"] as? Int }, [1, 2])
        XCTAssertEqual(r.map { $0["cur"] as? String }, ["A", "B"])
        XCTAssertEqual(r.map { $0["old"] as? String }, ["a", "b"])
        // Past on the left: rows deleted since.
        r = try rows("""
            SELECT p.id FROM tt_join AS OF SCN \(s1) AS p LEFT JOIN tt_join AS c ON c.id = p.id WHERE c.id IS NULL
            """)
        XCTAssertEqual(r.map { $0["id"] as? Int }, [3])
        // Two different past points of the same table.
        r = try rows("""
            SELECT a.id, a.v AS v1, b.v AS v2 FROM tt_join AS OF SCN \(s1) a
            FULL JOIN tt_join AS OF SCN \(s2) b ON a.id = b.id ORDER BY coalesce(a.id, b.id)
            """)
        XCTAssertEqual(r.count, 4, "\(r)")
        XCTAssertEqual(r.map { $0["v1"] as? String }, ["a", "b", "c", nil])
        XCTAssertEqual(r.map { $0["v2"] as? String }, ["a", "B", nil, "d"])
        // Comma join and explicit CROSS JOIN.
        r = try rows("SELECT count(*) AS n FROM tt_join AS OF SCN \(s1) a, tt_join b WHERE a.id = b.id")
        XCTAssertEqual(r.first?["n"] as? Int, 2)
    }

    func testAsOfInSubqueriesCTEsAndViews() throws {
        try results("""
            CREATE TABLE tt_sub (id INT PRIMARY KEY, v TEXT);
            CREATE VIEW tt_sub_view AS SELECT id, v FROM tt_sub WHERE id < 100;
            INSERT INTO tt_sub VALUES (1, 'a'), (2, 'b'), (3, 'c')
            """)
        let s1 = try scn()
        try results("UPDATE tt_sub SET v = 'B' WHERE id = 2; DELETE FROM tt_sub WHERE id = 3; INSERT INTO tt_sub VALUES (4, 'd')")

        var r = try rows("SELECT count(*) AS n FROM (SELECT * FROM tt_sub AS OF SCN \(s1)) AS old")
        XCTAssertEqual(r.first?["n"] as? Int, 3)
        r = try rows("SELECT id FROM tt_sub WHERE id NOT IN (SELECT id FROM tt_sub AS OF SCN \(s1) o) ORDER BY id")
        XCTAssertEqual(r.map { $0["id"] as? Int }, [4])
        r = try rows("SELECT (SELECT h.v FROM tt_sub AS OF SCN \(s1) h WHERE h.id = 2) AS old_v")
        XCTAssertEqual(r.first?["old_v"] as? String, "b")
        r = try rows("""
            SELECT c.id FROM tt_sub c WHERE EXISTS (SELECT 1 FROM tt_sub AS OF SCN \(s1) o WHERE o.id = c.id AND o.v <> c.v)
            """)
        XCTAssertEqual(r.map { $0["id"] as? Int }, [2], "correlated EXISTS over the past")
        r = try rows("""
            WITH old AS (SELECT id, v FROM tt_sub AS OF SCN \(s1)), cur AS (SELECT id, v FROM tt_sub)
            SELECT old.id, old.v AS was, cur.v AS now FROM old LEFT JOIN cur ON cur.id = old.id ORDER BY old.id
            """)
        XCTAssertEqual(r.map { $0["was"] as? String }, ["a", "b", "c"])
        XCTAssertEqual(r.map { $0["now"] as? String }, ["a", "B", nil])
        // A view read as of the past reads its tables as of that point.
        XCTAssertEqual(try contents("tt_sub_view AS OF SCN \(s1)"), [1: "a", 2: "b", 3: "c"])
        XCTAssertEqual(try contents("tt_sub_view AS OF SCN \(s1) AS w"), [1: "a", 2: "b", 3: "c"])
        XCTAssertEqual(try contents("tt_sub_view"), [1: "a", 2: "B", 4: "d"])
        // Restoring from the past: INSERT … SELECT … AS OF.
        try results("INSERT INTO tt_sub SELECT id, v FROM tt_sub AS OF SCN \(s1) o WHERE o.id = 3")
        XCTAssertEqual(try contents("tt_sub"), [1: "a", 2: "B", 3: "c", 4: "d"])
        // A table that did not exist at the point.
        try results("CREATE TABLE tt_sub_later (id INT PRIMARY KEY, v TEXT)")
        try expectError("SELECT * FROM tt_sub_later AS OF SCN \(s1)", status: 404, code: "42P01")
    }

    // MARK: REST as_of and writes

    func testRequestLevelAsOf() throws {
        try results("CREATE TABLE tt_req (id INT PRIMARY KEY, v TEXT); INSERT INTO tt_req VALUES (1, 'a')")
        let s1 = try scn()
        try results("INSERT INTO tt_req VALUES (2, 'b')")
        let s2 = try scn()
        try results("UPDATE tt_req SET v = 'A'")
        let xid1 = try transactionID(scn: s1)
        let time1 = try commitTime(scn: s1)

        XCTAssertEqual(try contents("tt_req", asOf: ["type": "scn", "value": s1]), [1: "a"])
        XCTAssertEqual(try contents("tt_req", asOf: ["type": "scn", "value": String(s2)]), [1: "a", 2: "b"])
        XCTAssertEqual(try contents("tt_req", asOf: ["type": "transaction", "value": xid1]), [1: "a"])
        XCTAssertEqual(try contents("tt_req", asOf: ["type": "timestamp", "value": time1]), [1: "a"])
        XCTAssertEqual(try contents("tt_req", asOf: ["type": "now"]), [1: "A", 2: "A"])
        // The whole request reads the point: every statement, and current_scn().
        let all = try results("SELECT count(*) AS n FROM tt_req; SELECT current_scn() AS s; SELECT v FROM tt_req WHERE id = 1",
                              asOf: ["type": "scn", "value": s1])
        XCTAssertEqual(all.count, 3)
        XCTAssertEqual((all[0]["rows"] as? [[String: Any]])?.first?["n"] as? Int, 1)
        XCTAssertEqual((all[1]["rows"] as? [[String: Any]])?.first?["s"] as? Int, s1)
        XCTAssertEqual((all[2]["rows"] as? [[String: Any]])?.first?["v"] as? String, "a")
        // Nano's REST shape takes as_of too.
        let data = try JSONSerialization.data(withJSONObject: ["sql": "SELECT id, v FROM tt_req ORDER BY id",
                                                               "as_of": ["type": "scn", "value": s1]])
        let q = try client.post("/v1/branches/main/query", json: String(decoding: data, as: UTF8.self))
        XCTAssertEqual(q.status, 200, q.text)
        XCTAssertEqual(q.object["row_count"] as? Int, 1, q.text)
        XCTAssertEqual((q.object["rows"] as? [[String: Any]])?.first?["v"] as? String, "a")
        // Malformed as_of is a 400.
        let bad = try client.sql("SELECT 1", extra: ["as_of": ["type": "yesterday"]])
        XCTAssertEqual(bad.status, 400, bad.text)
    }

    func testWritesUnderAsOfAreRejected() throws {
        try results("CREATE TABLE tt_ro (id INT PRIMARY KEY, v TEXT); INSERT INTO tt_ro VALUES (1, 'a')")
        let s1 = try scn()
        for sql in ["INSERT INTO tt_ro VALUES (2, 'b')", "UPDATE tt_ro SET v = 'x'", "DELETE FROM tt_ro",
                    "SELECT 1; INSERT INTO tt_ro VALUES (3, 'c')", "CREATE TABLE tt_ro_new (id INT)", "DROP TABLE tt_ro",
                    "CREATE BRANCH tt_ro_b", "MERGE BRANCH tt_ro_b INTO main", "DROP BRANCH tt_ro_b", "VACUUM"] {
            for point: [String: Any] in [["type": "scn", "value": s1], ["type": "now"]] {
                try expectError(sql, status: 400, code: "25006", asOf: point)
            }
        }
        // Through the Nano execute endpoint too.
        let data = try JSONSerialization.data(withJSONObject: ["sql": "INSERT INTO tt_ro VALUES (9, 'z')",
                                                               "as_of": ["type": "scn", "value": s1]])
        let e = try client.post("/v1/branches/main/execute", json: String(decoding: data, as: UTF8.self))
        XCTAssertEqual(e.status, 400, e.text)
        XCTAssertEqual(e.object["code"] as? String, "25006", e.text)
        // AS OF on the target of a write is refused as well.
        for sql in ["DELETE FROM tt_ro AS OF SCN \(s1)", "UPDATE tt_ro AS OF SCN \(s1) SET v = 'x'",
                    "INSERT INTO tt_ro AS OF SCN \(s1) VALUES (5, 'e')"] {
            let r = try request(sql)
            XCTAssertEqual(r.status, 400, "\(sql) → \(r.text)")
        }
        XCTAssertEqual(try contents("tt_ro"), [1: "a"], "nothing was written")
        XCTAssertEqual(try scn(), s1, "no commit happened")
    }

    // MARK: Not found: unknown, future, collected

    func testUnknownAndFuturePointsAreNotFound() throws {
        try results("CREATE TABLE tt_nf (id INT PRIMARY KEY); INSERT INTO tt_nf VALUES (1)")
        let now = try scn()
        let future = now + 1_000_000
        let queries = [
            "SELECT * FROM tt_nf AS OF SCN \(future)",
            "SELECT * FROM tt_nf AS OF SCN \(future) h",
            "SELECT * FROM tt_nf AS OF SCN 0",
            "SELECT * FROM tt_nf AS OF TRANSACTION 999999999999",
            "SELECT * FROM tt_nf AS OF TIMESTAMP '2999-01-01 00:00:00'",
            "SELECT * FROM tt_nf AS OF TIMESTAMP '2001-01-01 00:00:00'",
            "SELECT * FROM tt_nf VERSIONS BETWEEN SCN 1 AND \(future)",
            "SELECT * FROM tt_nf a JOIN tt_nf AS OF SCN \(future) b ON a.id = b.id",
            "SELECT * FROM (SELECT * FROM tt_nf AS OF SCN \(future)) s",
            "CREATE BRANCH tt_nf_b AS OF SCN \(future)",
            "CREATE BRANCH tt_nf_b AS OF TRANSACTION 999999999999",
            "CREATE BRANCH tt_nf_b AS OF TIMESTAMP '2999-01-01 00:00:00'",
        ]
        for sql in queries {
            try expectError(sql, status: 400, message: "not found")
        }
        for point: [String: Any] in [["type": "scn", "value": future], ["type": "transaction", "value": 999_999_999_999],
                                     ["type": "timestamp", "value": "2999-01-01 00:00:00"],
                                     ["type": "timestamp", "value": "2001-01-01T00:00:00Z"]] {
            try expectError("SELECT * FROM tt_nf", status: 400, message: "not found", asOf: point)
            let r = try postJSON("/v1/branches", ["name": "tt_nf_rest", "as_of": point])
            XCTAssertEqual(r.status, 400, "POST /v1/branches as_of \(point) → \(r.text)")
            XCTAssertTrue((r.object["message"] as? String ?? "").contains("not found"), r.text)
        }
        XCTAssertEqual(try branchInfo("tt_nf_b").status, 404)
        XCTAssertEqual(try branchInfo("tt_nf_rest").status, 404)
    }

    /// A second server with `--retention 1s`: the background collector and
    /// VACUUM drop old versions; AS OF them is then "not found"; a branch's
    /// fork point stays readable.
    func testRetentionCollectsHistory() throws {
        let server = try HeliosProcess(arguments: ["--retention", "1s"])
        defer { server.stop() }
        let c = server.client()
        func run(_ sql: String, asOf: [String: Any]? = nil, branch: String? = nil, line: UInt = #line) throws -> [[String: Any]] {
            var extra: [String: Any] = [:]
            if let asOf { extra["as_of"] = asOf }
            if let branch { extra["branch"] = branch }
            let r = try c.sql(sql, extra: extra)
            XCTAssertEqual(r.status, 200, "\(sql) → \(r.text)", line: line)
            return ((r.object["results"] as? [[String: Any]])?.last?["rows"] as? [[String: Any]]) ?? []
        }
        func currentSCN() throws -> Int { try XCTUnwrap(try run("SELECT current_scn() AS s").first?["s"] as? Int) }

        _ = try run("CREATE TABLE r (id INT PRIMARY KEY, v TEXT); INSERT INTO r VALUES (1, 'a')")
        let s1 = try currentSCN()
        let xid1 = try XCTUnwrap(try run("SELECT transaction_id FROM pg_transaction_map WHERE scn = \(s1)").first?["transaction_id"] as? Int)
        _ = try run("UPDATE r SET v = 'b'")
        let s2 = try currentSCN()
        XCTAssertEqual(try run("SELECT v FROM r AS OF SCN \(s1)").first?["v"] as? String, "a")

        // The background collector (every second with this retention) removes s1.
        Thread.sleep(forTimeInterval: 2.5)
        var r = try c.sql("SELECT v FROM r AS OF SCN \(s1)")
        XCTAssertEqual(r.status, 400, r.text)
        XCTAssertTrue((r.object["message"] as? String ?? "").contains("not found"), r.text)
        r = try c.sql("SELECT v FROM r AS OF TRANSACTION \(xid1)")
        XCTAssertEqual(r.status, 400, r.text)
        XCTAssertTrue((r.object["message"] as? String ?? "").contains("not found"), r.text)
        r = try c.sql("SELECT v FROM r", extra: ["as_of": ["type": "scn", "value": s1]])
        XCTAssertEqual(r.status, 400, r.text)
        XCTAssertTrue((r.object["message"] as? String ?? "").contains("not found"), r.text)
        r = try c.sql("CREATE BRANCH too_old AS OF SCN \(s1)")
        XCTAssertEqual(r.status, 400, r.text)
        XCTAssertTrue((r.object["message"] as? String ?? "").contains("not found"), r.text)
        XCTAssertTrue(server.log.contains("history collector"), "collection is logged: \(server.log.suffix(2000))")
        // The newest commit before the horizon stays readable, and current data is intact.
        XCTAssertEqual(try run("SELECT v FROM r AS OF SCN \(s2)").first?["v"] as? String, "b")
        XCTAssertEqual(try run("SELECT v FROM r").first?["v"] as? String, "b")
        // The commit-log views no longer list the collected commit, and agree.
        var counts = try run("SELECT (SELECT count(*) FROM pg_snapshots) AS a, (SELECT count(*) FROM pg_scn_map) AS b, (SELECT count(*) FROM pg_transaction_map) AS c, (SELECT min(scn) FROM pg_scn_map) AS m")
        XCTAssertEqual(counts.first?["a"] as? Int, counts.first?["b"] as? Int)
        XCTAssertEqual(counts.first?["b"] as? Int, counts.first?["c"] as? Int)
        XCTAssertGreaterThan(counts.first?["m"] as? Int ?? 0, s1, "collected commit still listed: \(counts)")

        // VACUUM collects on demand.
        _ = try run("UPDATE r SET v = 'c'")
        let s3 = try currentSCN()
        Thread.sleep(forTimeInterval: 1.2)
        let vacuum = try run("VACUUM")
        XCTAssertEqual(vacuum.count, 1)
        XCTAssertEqual(vacuum.first?["horizon_scn"] as? Int, s3, "\(vacuum)")
        XCTAssertNotNil(vacuum.first?["versions_collected"] as? Int)
        XCTAssertNotNil(vacuum.first?["commits_collected"] as? Int)
        r = try c.sql("SELECT v FROM r AS OF SCN \(s2)")
        XCTAssertEqual(r.status, 400, r.text)
        XCTAssertTrue((r.object["message"] as? String ?? "").contains("not found"), r.text)
        XCTAssertEqual(try run("SELECT v FROM r AS OF SCN \(s3)").first?["v"] as? String, "c")
        counts = try run("SELECT (SELECT count(*) FROM pg_snapshots) AS a, (SELECT count(*) FROM pg_scn_map) AS b, (SELECT count(*) FROM pg_transaction_map) AS c, (SELECT min(scn) FROM pg_snapshots) AS m")
        XCTAssertEqual(counts.first?["a"] as? Int, counts.first?["b"] as? Int)
        XCTAssertEqual(counts.first?["b"] as? Int, counts.first?["c"] as? Int)
        XCTAssertEqual(counts.first?["m"] as? Int, s3, "\(counts)")

        // A branch keeps its fork point readable past the retention window.
        _ = try run("CREATE BRANCH keep")
        let fork = try currentSCN()
        _ = try run("UPDATE r SET v = 'd'")
        _ = try run("UPDATE r SET v = 'e'")
        Thread.sleep(forTimeInterval: 1.2)
        _ = try run("VACUUM")
        XCTAssertEqual(try run("SELECT v FROM r", branch: "keep").first?["v"] as? String, "c")
        XCTAssertEqual(try run("SELECT v FROM r AS OF SCN \(fork)").first?["v"] as? String, "c")
        XCTAssertEqual(try run("SELECT v FROM r").first?["v"] as? String, "e")
    }

    // MARK: VERSIONS BETWEEN

    func testVersionsBetweenSCN() throws {
        try results("CREATE TABLE tt_ver (id INT PRIMARY KEY, v TEXT); INSERT INTO tt_ver VALUES (1, 'a')")
        let s1 = try scn()
        try results("UPDATE tt_ver SET v = 'b' WHERE id = 1; INSERT INTO tt_ver VALUES (2, 'x')")
        let s2 = try scn()
        try results("DELETE FROM tt_ver WHERE id = 1")
        let s3 = try scn()
        let expectedColumns = ["id", "v", "versions_startscn", "versions_endscn", "versions_xid", "versions_operation",
                               "versions_starttime", "versions_endtime"]
        let all = try results("SELECT * FROM tt_ver VERSIONS BETWEEN SCN \(s1) AND \(s3)")
        XCTAssertEqual(all.first?["columns"] as? [String], expectedColumns)
        let r = try rows("""
            SELECT id, v, versions_startscn AS s, versions_endscn AS e, versions_xid AS x, versions_operation AS op,
                   versions_starttime AS st, versions_endtime AS et
            FROM tt_ver VERSIONS BETWEEN SCN \(s1) AND \(s3) ORDER BY id, versions_startscn
            """)
        XCTAssertEqual(r.count, 4, "\(r)")
        guard r.count == 4 else { return }
        XCTAssertEqual(r.map { $0["id"] as? Int }, [1, 1, 1, 2])
        XCTAssertEqual(r.map { $0["op"] as? String }, ["I", "U", "D", "I"])
        XCTAssertEqual(r.map { $0["v"] as? String }.prefix(2), ["a", "b"])
        XCTAssertEqual(r.map { $0["s"] as? Int }, [s1, s2, s3, s2])
        XCTAssertEqual(r.map { $0["e"] as? Int }, [s2, s3, nil, nil])
        XCTAssertEqual(r[0]["x"] as? Int, try transactionID(scn: s1))
        XCTAssertEqual(r[1]["x"] as? Int, try transactionID(scn: s2))
        XCTAssertEqual(r[2]["x"] as? Int, try transactionID(scn: s3))
        XCTAssertEqual(r[0]["st"] as? String, try commitTime(scn: s1))
        XCTAssertEqual(r[0]["et"] as? String, try commitTime(scn: s2))
        XCTAssertTrue(r[3]["et"] is NSNull, "\(r[3])")
        // The kind may be repeated after AND, alias and filters on version columns.
        let upd = try rows("""
            SELECT h.v FROM tt_ver VERSIONS BETWEEN SCN \(s1) AND SCN \(s3) AS h WHERE h.versions_operation = 'U'
            """)
        XCTAssertEqual(upd.map { $0["v"] as? String }, ["b"])
        // A narrower range leaves out versions that started after it.
        let early = try rows("SELECT id FROM tt_ver VERSIONS BETWEEN SCN \(s1) AND \(s1)")
        XCTAssertEqual(early.map { $0["id"] as? Int }, [1])
    }

    /// Oracle semantics: every version that existed within the range is
    /// listed, including one that started before the lower bound.
    func testVersionsBetweenListsVersionsAliveAcrossTheLowerBound() throws {
        try results("CREATE TABLE tt_ver2 (id INT PRIMARY KEY, v TEXT); INSERT INTO tt_ver2 VALUES (1, 'a'), (2, 'x')")
        try results("UPDATE tt_ver2 SET v = 'b' WHERE id = 1")
        let s2 = try scn()
        try results("UPDATE tt_ver2 SET v = 'c' WHERE id = 1")
        let s3 = try scn()
        let r = try rows("SELECT id, v FROM tt_ver2 VERSIONS BETWEEN SCN \(s2) AND \(s3) ORDER BY id, v")
        XCTAssertEqual(r.map { "\($0["id"] as? Int ?? -1):\($0["v"] as? String ?? "")" }, ["1:b", "1:c", "2:x"],
                       "row 2 existed unchanged during the whole range")
    }

    func testVersionsBetweenTimestamp() throws {
        try results("CREATE TABLE tt_vts (id INT PRIMARY KEY, v TEXT); INSERT INTO tt_vts VALUES (1, 'a')")
        let s1 = try scn()
        try results("UPDATE tt_vts SET v = 'b'")
        let s2 = try scn()
        try results("UPDATE tt_vts SET v = 'c'")
        let s3 = try scn()
        let t1 = try commitTime(scn: s1), t2 = try commitTime(scn: s2), t3 = try commitTime(scn: s3)
        var r = try rows("""
            SELECT v, versions_operation AS op, versions_startscn AS s FROM tt_vts
            VERSIONS BETWEEN TIMESTAMP '\(t1)' AND '\(t3)' ORDER BY versions_startscn
            """)
        XCTAssertEqual(r.map { $0["v"] as? String }, ["a", "b", "c"])
        XCTAssertEqual(r.map { $0["op"] as? String }, ["I", "U", "U"])
        XCTAssertEqual(r.map { $0["s"] as? Int }, [s1, s2, s3])
        r = try rows("""
            SELECT v FROM tt_vts VERSIONS BETWEEN TIMESTAMP '\(t1)' AND TIMESTAMP '\(t2)' h ORDER BY h.versions_startscn
            """)
        XCTAssertEqual(r.map { $0["v"] as? String }, ["a", "b"])
    }

    // MARK: 4. Commit-log views

    func testCommitLogViewsAgree() throws {
        func views() throws -> (snapshots: [[String: Any]], scns: [[String: Any]], transactions: [[String: Any]]) {
            let all = try results("SELECT * FROM pg_snapshots; SELECT * FROM pg_scn_map; SELECT * FROM pg_transaction_map")
            XCTAssertEqual(all.count, 3)
            return ((all[0]["rows"] as? [[String: Any]]) ?? [], (all[1]["rows"] as? [[String: Any]]) ?? [],
                    (all[2]["rows"] as? [[String: Any]]) ?? [])
        }
        let before = try views()
        try results("CREATE TABLE tt_log (id INT PRIMARY KEY)")
        let c1 = try scn()
        try results("INSERT INTO tt_log VALUES (1)")
        try results("CREATE BRANCH tt_log_b")
        try results("INSERT INTO tt_log VALUES (2)", branch: "tt_log_b")
        let c3 = try scn()
        // Read-only and failed requests commit nothing.
        try rows("SELECT * FROM tt_log")
        try expectError("INSERT INTO tt_log VALUES (3); INSERT INTO tt_log VALUES (3)", status: 409)
        let after = try views()

        let columns = try results("SELECT * FROM pg_snapshots LIMIT 1").first?["columns"] as? [String]
        XCTAssertEqual(columns, ["snapshot_id", "created_at", "scn", "transaction_id", "description", "size_bytes", "is_automatic"])
        XCTAssertEqual(after.snapshots.count, after.scns.count)
        XCTAssertEqual(after.scns.count, after.transactions.count)
        XCTAssertEqual(after.scns.count - before.scns.count, 3, "three commits, one row each")
        XCTAssertEqual(try rows("SELECT count(*) AS n FROM pg_snapshots").first?["n"] as? Int, after.snapshots.count)

        func strictlyIncreasing(_ values: [Int?], _ what: String) {
            XCTAssertFalse(values.contains(nil), "\(what): \(values)")
            let v = values.compactMap { $0 }
            for (a, b) in zip(v, v.dropFirst()) where a >= b { XCTFail("\(what) not strictly increasing: \(a) then \(b)") }
        }
        strictlyIncreasing(after.snapshots.map { $0["snapshot_id"] as? Int }, "pg_snapshots.snapshot_id")
        strictlyIncreasing(after.snapshots.map { $0["scn"] as? Int }, "pg_snapshots.scn")
        strictlyIncreasing(after.snapshots.map { $0["transaction_id"] as? Int }, "pg_snapshots.transaction_id")
        strictlyIncreasing(after.scns.map { $0["scn"] as? Int }, "pg_scn_map.scn")
        strictlyIncreasing(after.scns.map { $0["transaction_id"] as? Int }, "pg_scn_map.transaction_id")
        strictlyIncreasing(after.transactions.map { $0["transaction_id"] as? Int }, "pg_transaction_map.transaction_id")
        strictlyIncreasing(after.transactions.map { $0["scn"] as? Int }, "pg_transaction_map.scn")
        let times = after.scns.compactMap { $0["commit_time"] as? String }
        XCTAssertEqual(times.count, after.scns.count)
        for (a, b) in zip(times, times.dropFirst()) where a > b { XCTFail("commit_time decreases: \(a) then \(b)") }
        // The three views describe the same commits.
        let pairs = { (rows: [[String: Any]]) in rows.map { "\($0["scn"] as? Int ?? -1)/\($0["transaction_id"] as? Int ?? -1)" } }
        XCTAssertEqual(pairs(after.snapshots), pairs(after.scns))
        XCTAssertEqual(pairs(after.scns), pairs(after.transactions))
        // Each commit is attributed to its branch.
        XCTAssertEqual(after.scns.first { $0["scn"] as? Int == c1 }?["branch_name"] as? String, "main")
        XCTAssertEqual(after.transactions.first { $0["scn"] as? Int == c3 }?["branch_name"] as? String, "tt_log_b")
        XCTAssertEqual(after.scns.last?["scn"] as? Int, c3)
        // current_scn() names the latest commit.
        XCTAssertEqual(try scn(), c3)
    }

    // MARK: 5. Branches: create and isolation

    func testBranchIsolationBothWaysSiblingsAndNesting() throws {
        try results("CREATE TABLE br_iso (id INT PRIMARY KEY, v TEXT); INSERT INTO br_iso VALUES (1, 'base')")
        try results("CREATE BRANCH br_iso_a FROM main")
        let b = try createBranchREST("br_iso_b")
        XCTAssertEqual(b["parent"] as? String, "main")

        try results("INSERT INTO br_iso VALUES (10, 'on a'); UPDATE br_iso SET v = 'a' WHERE id = 1", branch: "br_iso_a")
        try results("INSERT INTO br_iso VALUES (20, 'on b')", branch: "br_iso_b")
        try results("INSERT INTO br_iso VALUES (30, 'on main'); UPDATE br_iso SET v = 'main' WHERE id = 1")

        XCTAssertEqual(try contents("br_iso"), [1: "main", 30: "on main"], "main sees none of its branches' writes")
        XCTAssertEqual(try contents("br_iso", branch: "br_iso_a"), [1: "a", 10: "on a"], "a sees neither main's later writes nor b's")
        XCTAssertEqual(try contents("br_iso", branch: "br_iso_b"), [1: "base", 20: "on b"])

        // Nested: c from a sees a as of the fork, not a's later writes; c's writes stay in c.
        try results("CREATE BRANCH br_iso_c FROM br_iso_a")
        try results("INSERT INTO br_iso VALUES (11, 'a later')", branch: "br_iso_a")
        try results("DELETE FROM br_iso WHERE id = 10; INSERT INTO br_iso VALUES (40, 'on c')", branch: "br_iso_c")
        XCTAssertEqual(try contents("br_iso", branch: "br_iso_c"), [1: "a", 40: "on c"])
        XCTAssertEqual(try contents("br_iso", branch: "br_iso_a"), [1: "a", 10: "on a", 11: "a later"])
        XCTAssertEqual(try contents("br_iso"), [1: "main", 30: "on main"])
        let c = try branchInfo("br_iso_c")
        XCTAssertEqual(c.status, 200, c.text)
        XCTAssertEqual(c.object["parent"] as? String, "br_iso_a")
        // A grandchild of c reads through two levels.
        try results("CREATE BRANCH br_iso_d FROM br_iso_c")
        XCTAssertEqual(try contents("br_iso", branch: "br_iso_d"), [1: "a", 40: "on c"])

        // The Nano endpoints on a branch.
        let q = try client.post("/v1/branches/br_iso_b/query", json: #"{"sql":"SELECT count(*) AS n FROM br_iso"}"#)
        XCTAssertEqual(q.status, 200, q.text)
        XCTAssertEqual((q.object["rows"] as? [[String: Any]])?.first?["n"] as? Int, 2)
        let e = try client.post("/v1/branches/br_iso_b/execute", json: #"{"sql":"INSERT INTO br_iso VALUES (21, 'b2')"}"#)
        XCTAssertEqual(e.status, 200, e.text)
        XCTAssertEqual(e.object["affected_rows"] as? Int, 1)
        XCTAssertEqual(try count("br_iso", branch: "br_iso_b"), 3)
        XCTAssertEqual(try count("br_iso"), 2)
        // A transaction spanning requests, opened on a branch.
        let begin = try postJSON("/v1/transactions", ["branch": "br_iso_b"])
        XCTAssertEqual(begin.status, 200, begin.text)
        let txid = try XCTUnwrap(begin.object["transaction_id"] as? String, begin.text)
        let insert = try client.sql("INSERT INTO br_iso VALUES (22, 'tx')", extra: ["transaction_id": txid])
        XCTAssertEqual(insert.status, 200, insert.text)
        XCTAssertEqual(try client.post("/v1/transactions/\(txid)/commit", json: "{}").status, 200)
        XCTAssertEqual(try count("br_iso", branch: "br_iso_b"), 4)
        XCTAssertEqual(try count("br_iso"), 2)
        // Unknown branch.
        XCTAssertEqual(try request("SELECT 1", branch: "br_iso_nope").status, 404)
        XCTAssertEqual(try client.post("/v1/branches/br_iso_nope/query", json: #"{"sql":"SELECT 1"}"#).status, 404)
    }

    func testDDLIsPerBranch() throws {
        try results("""
            CREATE TABLE br_ddl (id INT PRIMARY KEY, v TEXT); INSERT INTO br_ddl VALUES (1, 'a');
            CREATE TABLE br_ddl_drop (id INT PRIMARY KEY); INSERT INTO br_ddl_drop VALUES (1)
            """)
        try results("CREATE BRANCH br_ddl_b")
        try results("""
            CREATE TABLE br_ddl_only (id INT PRIMARY KEY); INSERT INTO br_ddl_only VALUES (7);
            ALTER TABLE br_ddl ADD COLUMN extra INT; UPDATE br_ddl SET extra = 5;
            DROP TABLE br_ddl_drop
            """, branch: "br_ddl_b")
        try results("CREATE TABLE br_ddl_main_only (id INT PRIMARY KEY)")

        try expectError("SELECT * FROM br_ddl_only", status: 404, code: "42P01")
        XCTAssertEqual(try count("br_ddl_only", branch: "br_ddl_b"), 1)
        XCTAssertNotEqual(try request("SELECT extra FROM br_ddl").status, 200, "the column exists on the branch only")
        XCTAssertEqual(try rows("SELECT extra FROM br_ddl", branch: "br_ddl_b").first?["extra"] as? Int, 5)
        let mainColumns = try results("SELECT * FROM br_ddl").first?["columns"] as? [String]
        XCTAssertEqual(mainColumns, ["id", "v"])
        XCTAssertEqual(try count("br_ddl_drop"), 1, "dropped on the branch only")
        try expectError("SELECT * FROM br_ddl_drop", status: 404, branch: "br_ddl_b")
        try expectError("SELECT * FROM br_ddl_main_only", status: 404, branch: "br_ddl_b")
        // information_schema follows the branch too.
        let onBranch = try rows("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'br_ddl%' ORDER BY table_name",
                                branch: "br_ddl_b").map { $0["table_name"] as? String }
        XCTAssertEqual(onBranch, ["br_ddl", "br_ddl_only"])
    }

    func testCreateBranchForms() throws {
        try results("CREATE TABLE br_forms (id INT PRIMARY KEY, v TEXT); INSERT INTO br_forms VALUES (1, 'a')")
        let s1 = try scn()
        try results("INSERT INTO br_forms VALUES (2, 'b')")
        let s2 = try scn()
        let xid1 = try transactionID(scn: s1)
        let t1 = try commitTime(scn: s1)

        try results("CREATE DATABASE BRANCH 'br_forms_q' FROM main AS OF SCN \(s1) WITH (replication_factor = 2, region = 'eu-west')")
        XCTAssertEqual(try contents("br_forms", branch: "br_forms_q"), [1: "a"])
        XCTAssertEqual(try branchInfo("br_forms_q").object["fork_scn"] as? Int, s1)
        try results("CREATE BRANCH \"br_forms_Quoted\" FROM \"main\" AS OF TRANSACTION \(xid1)")
        XCTAssertEqual(try branchInfo("br_forms_Quoted").status, 200, "quoted names keep their case")
        XCTAssertEqual(try contents("br_forms", branch: "br_forms_Quoted"), [1: "a"])
        try results("CREATE BRANCH br_forms_ts AS OF TIMESTAMP '\(t1)'")
        XCTAssertEqual(try contents("br_forms", branch: "br_forms_ts"), [1: "a"])
        try results("CREATE BRANCH br_forms_now FROM main AS OF NOW")
        XCTAssertEqual(try contents("br_forms", branch: "br_forms_now"), [1: "a", 2: "b"])
        XCTAssertEqual(try branchInfo("br_forms_now").object["fork_scn"] as? Int, s2)
        // Missing FROM = the current branch; missing AS OF = now.
        try results("INSERT INTO br_forms VALUES (3, 'q')", branch: "br_forms_q")
        try results("CREATE BRANCH br_forms_child", branch: "br_forms_q")
        XCTAssertEqual(try branchInfo("br_forms_child").object["parent"] as? String, "br_forms_q")
        XCTAssertEqual(try contents("br_forms", branch: "br_forms_child"), [1: "a", 3: "q"])
        // FROM CURRENT after USE BRANCH.
        try results("USE BRANCH br_forms_q; CREATE BRANCH br_forms_cur FROM CURRENT")
        XCTAssertEqual(try branchInfo("br_forms_cur").object["parent"] as? String, "br_forms_q")
        // Upstream bug: IF NOT EXISTS took "if" as the name.
        try results("CREATE BRANCH IF NOT EXISTS br_forms_ine")
        XCTAssertEqual(try branchInfo("br_forms_ine").status, 200)
        XCTAssertEqual(try branchInfo("if").status, 404, "no branch called \"if\"")
        try results("INSERT INTO br_forms VALUES (4, 'ine')", branch: "br_forms_ine")
        try results("CREATE BRANCH IF NOT EXISTS br_forms_ine AS OF SCN \(s1)")
        XCTAssertEqual(try contents("br_forms", branch: "br_forms_ine"), [1: "a", 2: "b", 4: "ine"], "IF NOT EXISTS left it alone")
        try results("CREATE DATABASE BRANCH IF NOT EXISTS br_forms_ine2 FROM main")
        XCTAssertEqual(try branchInfo("br_forms_ine2").status, 200)
        // Errors.
        try expectError("CREATE BRANCH br_forms_ine", status: 409, code: "42710")
        try expectError("CREATE BRANCH br_forms_x WITH (colour = 'red')", status: 400)
        try expectError("CREATE BRANCH br_forms_x FROM br_forms_nope", status: 404)
        XCTAssertEqual(try branchInfo("br_forms_x").status, 404)
        // SHOW BRANCHES lists them.
        for sql in ["SHOW BRANCHES", "SHOW DATABASE BRANCHES"] {
            let names = try rows(sql).compactMap { $0["branch_name"] as? String }
            for name in ["main", "br_forms_q", "br_forms_Quoted", "br_forms_ine", "br_forms_cur"] {
                XCTAssertTrue(names.contains(name), "\(sql) lacks \(name): \(names)")
            }
        }
    }

    func testUseBranchSwitchesForTheRestOfTheRequest() throws {
        try results("CREATE TABLE br_use (id INT PRIMARY KEY, v TEXT); INSERT INTO br_use VALUES (1, 'a')")
        try results("CREATE BRANCH br_use_b")
        let all = try results("""
            SELECT count(*) AS n FROM br_use; USE BRANCH br_use_b; INSERT INTO br_use VALUES (2, 'b');
            SELECT count(*) AS n FROM br_use
            """)
        XCTAssertEqual(all.count, 4)
        guard all.count == 4 else { return }
        XCTAssertEqual((all[0]["rows"] as? [[String: Any]])?.first?["n"] as? Int, 1)
        XCTAssertEqual(all[1]["statement_type"] as? String, "USE BRANCH")
        XCTAssertEqual((all[3]["rows"] as? [[String: Any]])?.first?["n"] as? Int, 2)
        XCTAssertEqual(try count("br_use"), 1, "the next request is on main again")
        XCTAssertEqual(try count("br_use", branch: "br_use_b"), 2)
        try results("USE DATABASE BRANCH main; INSERT INTO br_use VALUES (3, 'm')", branch: "br_use_b")
        XCTAssertEqual(try contents("br_use"), [1: "a", 3: "m"])
        XCTAssertEqual(try contents("br_use", branch: "br_use_b"), [1: "a", 2: "b"])
        try expectError("USE BRANCH br_use_nope", status: 404)
    }

    func testAsOfOnABranchSeesItsParentBeforeTheFork() throws {
        try results("CREATE TABLE br_hist (id INT PRIMARY KEY, v TEXT); INSERT INTO br_hist VALUES (1, 'a')")
        let s1 = try scn()
        try results("INSERT INTO br_hist VALUES (2, 'b')")
        let s2 = try scn()
        try results("CREATE BRANCH br_hist_b")
        try results("INSERT INTO br_hist VALUES (3, 'main after fork')")
        let s3 = try scn()
        try results("INSERT INTO br_hist VALUES (4, 'branch')", branch: "br_hist_b")
        let s4 = try scn()
        try results("UPDATE br_hist SET v = 'branch later' WHERE id = 4", branch: "br_hist_b")

        let b = "br_hist_b"
        XCTAssertEqual(try contents("br_hist AS OF SCN \(s1)", branch: b), [1: "a"], "parent's history before the fork")
        XCTAssertEqual(try contents("br_hist AS OF SCN \(s2)", branch: b), [1: "a", 2: "b"])
        XCTAssertEqual(try contents("br_hist AS OF SCN \(s3)", branch: b), [1: "a", 2: "b"], "main's later commit is not the branch's")
        XCTAssertEqual(try contents("br_hist AS OF SCN \(s4)", branch: b), [1: "a", 2: "b", 4: "branch"])
        XCTAssertEqual(try contents("br_hist", branch: b), [1: "a", 2: "b", 4: "branch later"])
        XCTAssertEqual(try contents("br_hist", branch: b, asOf: ["type": "scn", "value": s1]), [1: "a"])
        XCTAssertEqual(try contents("br_hist", branch: b, asOf: ["type": "scn", "value": s4]), [1: "a", 2: "b", 4: "branch"])
        XCTAssertEqual(try contents("br_hist AS OF SCN \(s4)"), [1: "a", 2: "b", 3: "main after fork"], "main never sees the branch")
        // A branch made from a past point reads the parent as of that point.
        let past = try createBranchREST("br_hist_past", parent: "main", asOf: ["type": "scn", "value": s1])
        XCTAssertEqual(past["fork_scn"] as? Int, s1)
        XCTAssertEqual(try contents("br_hist", branch: "br_hist_past"), [1: "a"])
        // A nested branch's history: grandparent before both forks.
        try results("CREATE BRANCH br_hist_c FROM br_hist_b")
        XCTAssertEqual(try contents("br_hist AS OF SCN \(s1)", branch: "br_hist_c"), [1: "a"])
        XCTAssertEqual(try contents("br_hist AS OF SCN \(s4)", branch: "br_hist_c"), [1: "a", 2: "b", 4: "branch"])
    }

    // MARK: REST and system views

    func testBranchRESTAndSystemViews() throws {
        try results("CREATE TABLE br_rest (id INT PRIMARY KEY, v TEXT); INSERT INTO br_rest VALUES (1, 'a'), (2, 'b')")
        let s1 = try scn()
        let created = try createBranchREST("br_rest_b")
        for key in ["name", "branch_id", "parent", "created_at", "fork_scn", "state", "stats"] {
            XCTAssertNotNil(created[key], "POST /v1/branches answer lacks \(key): \(created)")
        }
        XCTAssertEqual(created["name"] as? String, "br_rest_b")
        XCTAssertEqual(created["parent"] as? String, "main")
        XCTAssertEqual(created["fork_scn"] as? Int, s1)
        XCTAssertEqual(created["state"] as? String, "active")
        let stats0 = created["stats"] as? [String: Any] ?? [:]
        XCTAssertEqual(stats0["modified_keys"] as? Int, 0)
        XCTAssertEqual(stats0["storage_bytes"] as? Int, 0)
        XCTAssertEqual(stats0["commit_count"] as? Int, 0)
        XCTAssertTrue(stats0["last_modified"] is NSNull, "\(stats0)")
        let id = try XCTUnwrap(created["branch_id"] as? Int)

        let dup = try postJSON("/v1/branches", ["name": "br_rest_b"])
        XCTAssertEqual(dup.status, 409, dup.text)
        XCTAssertEqual(try postJSON("/v1/branches", ["name": "br_rest_x", "parent": "br_rest_nope"]).status, 404)
        XCTAssertEqual(try postJSON("/v1/branches", ["parent": "main"]).status, 400)
        XCTAssertEqual(try branchInfo("br_rest_nope").status, 404)

        try results("UPDATE br_rest SET v = 'B' WHERE id = 2", branch: "br_rest_b")
        try results("INSERT INTO br_rest VALUES (3, 'c'), (4, 'd')", branch: "br_rest_b")
        let info = try branchInfo("br_rest_b")
        XCTAssertEqual(info.status, 200, info.text)
        let stats = info.object["stats"] as? [String: Any] ?? [:]
        XCTAssertEqual(stats["modified_keys"] as? Int, 3)
        XCTAssertEqual(stats["commit_count"] as? Int, 2)
        XCTAssertGreaterThan(stats["storage_bytes"] as? Int ?? 0, 0)
        XCTAssertNotNil(stats["last_modified"] as? String, "\(stats)")

        let list = try client.send(method: "GET", path: "/v1/branches")
        XCTAssertEqual(list.status, 200)
        let branches = list.object["branches"] as? [[String: Any]] ?? []
        XCTAssertEqual(list.object["total"] as? Int, branches.count)
        XCTAssertTrue(branches.contains { $0["name"] as? String == "main" })
        XCTAssertEqual(branches.first { $0["name"] as? String == "br_rest_b" }?["branch_id"] as? Int, id)

        let view = try results("SELECT * FROM pg_database_branches() WHERE branch_name = 'br_rest_b'").first ?? [:]
        XCTAssertEqual(view["columns"] as? [String],
                       ["branch_name", "branch_id", "parent_id", "created_at", "fork_point_lsn", "size_mb", "status"])
        let row = (view["rows"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(row["branch_id"] as? Int, id)
        XCTAssertEqual(row["parent_id"] as? Int, try rows("SELECT branch_id FROM pg_database_branches WHERE branch_name = 'main'").first?["branch_id"] as? Int)
        XCTAssertEqual(row["fork_point_lsn"] as? Int, s1)
        XCTAssertEqual(row["status"] as? String, "active")
        XCTAssertNotNil(row["size_mb"] as? Double)
        XCTAssertNotNil(row["created_at"] as? String)

        let statsView = try results("SELECT * FROM pg_branch_stats() WHERE branch_name = 'br_rest_b'").first ?? [:]
        XCTAssertEqual(statsView["columns"] as? [String], ["branch_name", "modified_keys", "storage_bytes", "commit_count", "last_modified"])
        let srow = (statsView["rows"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(srow["modified_keys"] as? Int, 3)
        XCTAssertEqual(srow["commit_count"] as? Int, 2)
        XCTAssertEqual(srow["storage_bytes"] as? Int, stats["storage_bytes"] as? Int)
        XCTAssertEqual(try rows("SELECT count(*) AS n FROM pg_branch_stats WHERE branch_name = 'br_rest_b'").first?["n"] as? Int, 1)

        let deleted = try client.send(method: "DELETE", path: "/v1/branches/br_rest_b")
        XCTAssertEqual(deleted.status, 200, deleted.text)
        XCTAssertEqual(try branchInfo("br_rest_b").status, 404)
        XCTAssertEqual(try client.send(method: "DELETE", path: "/v1/branches/br_rest_b").status, 404)
        XCTAssertEqual(try rows("SELECT * FROM pg_database_branches() WHERE branch_name = 'br_rest_b'").count, 0)
        // Re-creating the name gives a fresh branch.
        _ = try createBranchREST("br_rest_b")
        XCTAssertEqual(try contents("br_rest", branch: "br_rest_b"), [1: "a", 2: "b"])
    }

    /// O(1) creation: a branch of a big table holds nothing of its own, and
    /// changing one row costs one row.
    func testBranchCreationCopiesNothing() throws {
        ownServer = try HeliosProcess()
        defer { ownServer?.stop() }
        try results("CREATE TABLE br_big (id INT PRIMARY KEY, v TEXT); INSERT INTO br_big SELECT g, 'row ' || g FROM generate_series(1, 20000) g")
        let start = Date()
        let created = try createBranchREST("br_big_b")
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertLessThan(elapsed, 0.25, "branch creation over HTTP took \(elapsed) s")
        XCTAssertEqual((created["stats"] as? [String: Any])?["storage_bytes"] as? Int, 0)
        XCTAssertEqual(try count("br_big", branch: "br_big_b"), 20000)
        try results("UPDATE br_big SET v = 'changed' WHERE id = 777", branch: "br_big_b")
        let stats = try branchInfo("br_big_b").object["stats"] as? [String: Any] ?? [:]
        XCTAssertEqual(stats["modified_keys"] as? Int, 1)
        XCTAssertLessThan(stats["storage_bytes"] as? Int ?? .max, 1000, "\(stats)")
        XCTAssertEqual(try rows("SELECT v FROM br_big WHERE id = 777").first?["v"] as? String, "row 777")
    }

    /// The commit-log views stay cheap when tables are big: with a 20,000-row
    /// table and 60 commits, pg_snapshots answers about as fast as pg_scn_map.
    func testCommitLogViewsStayFastWithABigTable() throws {
        ownServer = try HeliosProcess()
        defer { ownServer?.stop() }
        try results("CREATE TABLE big_log (id INT PRIMARY KEY, v TEXT); INSERT INTO big_log SELECT g, 'row ' || g FROM generate_series(1, 20000) g")
        try results("CREATE TABLE big_log_small (id INT PRIMARY KEY)")
        for i in 0..<60 { try results("INSERT INTO big_log_small VALUES ($1)", [i]) }
        var timings: [String: TimeInterval] = [:]
        for view in ["pg_scn_map", "pg_transaction_map", "pg_snapshots"] {
            let start = Date()
            XCTAssertEqual(try rows("SELECT count(*) AS n FROM \(view)").first?["n"] as? Int, 62, view)
            timings[view] = Date().timeIntervalSince(start)
        }
        XCTAssertLessThan(timings["pg_snapshots"] ?? 99, 1.0, "SELECT count(*) FROM pg_snapshots with 62 commits and a 20,000-row table: \(timings)")
    }

    // MARK: 6. Drop

    func testDropRules() throws {
        try results("CREATE TABLE br_drop (id INT PRIMARY KEY); INSERT INTO br_drop VALUES (1)")
        try expectError("DROP BRANCH main", status: 409)
        try expectError("DROP DATABASE BRANCH main", status: 409)
        try expectError("DROP BRANCH IF EXISTS main", status: 409)
        XCTAssertEqual(try client.send(method: "DELETE", path: "/v1/branches/main").status, 409)

        try results("CREATE BRANCH br_drop_p; CREATE BRANCH br_drop_c FROM br_drop_p")
        try results("INSERT INTO br_drop VALUES (2)", branch: "br_drop_p")
        let r = try expectError("DROP BRANCH br_drop_p", status: 409)
        XCTAssertTrue((r.object["message"] as? String ?? "").contains("br_drop_c"), r.text)
        XCTAssertEqual(try client.send(method: "DELETE", path: "/v1/branches/br_drop_p").status, 409)
        try expectError("DROP BRANCH IF EXISTS br_drop_p", status: 409)
        XCTAssertEqual(try count("br_drop", branch: "br_drop_p"), 2, "refused drops change nothing")

        try expectError("DROP BRANCH br_drop_nope", status: 404)
        try results("DROP BRANCH IF EXISTS br_drop_nope")
        try results("DROP DATABASE BRANCH IF EXISTS br_drop_nope")
        try results("DROP BRANCH br_drop_c")
        try results("DROP BRANCH IF EXISTS br_drop_p")
        XCTAssertEqual(try branchInfo("br_drop_p").status, 404)
        XCTAssertEqual(try request("SELECT * FROM br_drop", branch: "br_drop_p").status, 404)
        XCTAssertEqual(try count("br_drop"), 1, "dropping a branch leaves its parent")
    }

    // MARK: 7. Merge

    /// Upstream bug: MERGE merged nothing. Here it applies inserts, updates
    /// and deletes in one commit.
    func testMergeReallyAppliesRows() throws {
        try results("CREATE TABLE mg_apply (id INT PRIMARY KEY, v TEXT); INSERT INTO mg_apply VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        try results("CREATE BRANCH mg_apply_b")
        try results("INSERT INTO mg_apply VALUES (4, 'd'); UPDATE mg_apply SET v = 'B' WHERE id = 2; DELETE FROM mg_apply WHERE id = 3",
                    branch: "mg_apply_b")
        let before = try scn()
        let merged = try results("MERGE BRANCH mg_apply_b INTO main")
        XCTAssertEqual(merged.first?["statement_type"] as? String, "MERGE BRANCH")
        let row = (merged.first?["rows"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(row["merged_keys"] as? Int, 3, "\(merged)")
        XCTAssertEqual(row["completed"] as? Bool, true)
        XCTAssertEqual(row["conflicts"] as? Int, 0)
        let mergeSCN = try XCTUnwrap(row["merge_scn"] as? Int)
        XCTAssertEqual(mergeSCN, before + 1, "one commit")
        XCTAssertEqual(try scn(), mergeSCN)
        XCTAssertEqual(try contents("mg_apply"), [1: "a", 2: "B", 4: "d"])
        XCTAssertEqual(try contents("mg_apply AS OF SCN \(mergeSCN - 1)"), [1: "a", 2: "b", 3: "c"], "AS OF before the merge")
        XCTAssertEqual(try rows("SELECT branch_name FROM pg_scn_map WHERE scn = \(mergeSCN)").first?["branch_name"] as? String, "main")
        // The source stays, with status merged.
        let info = try branchInfo("mg_apply_b")
        XCTAssertEqual(info.status, 200)
        XCTAssertEqual(info.object["state"] as? String, "merged")
        XCTAssertEqual(try rows("SELECT status FROM pg_database_branches() WHERE branch_name = 'mg_apply_b'").first?["status"] as? String, "merged")
        XCTAssertEqual(try contents("mg_apply", branch: "mg_apply_b"), [1: "a", 2: "B", 4: "d"])
        // Nothing more to merge: no commit.
        let again = try merge("mg_apply_b", into: "main")
        XCTAssertEqual(again.status, 200, again.text)
        XCTAssertEqual(again.object["merged_keys"] as? Int, 0)
        XCTAssertEqual(again.object["completed"] as? Bool, true)
        XCTAssertEqual(try scn(), mergeSCN)
    }

    func testMergeViaRESTIntoParentBranchAndNewTables() throws {
        try results("""
            CREATE TABLE mg_rest (id INT PRIMARY KEY, v TEXT); INSERT INTO mg_rest VALUES (1, 'a'), (2, 'b');
            CREATE TABLE mg_rest_gone (id INT PRIMARY KEY); INSERT INTO mg_rest_gone VALUES (1)
            """)
        try results("CREATE BRANCH mg_rest_t")
        try results("CREATE BRANCH mg_rest_s FROM mg_rest_t")
        try results("""
            UPDATE mg_rest SET v = 'A' WHERE id = 1; INSERT INTO mg_rest VALUES (5, 'e');
            CREATE TABLE mg_rest_new (id INT PRIMARY KEY, w TEXT); INSERT INTO mg_rest_new VALUES (1, 'x'), (2, 'y');
            DROP TABLE mg_rest_gone
            """, branch: "mg_rest_s")
        try results("INSERT INTO mg_rest VALUES (6, 'target')", branch: "mg_rest_t")
        let r = try merge("mg_rest_s", into: "mg_rest_t")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["completed"] as? Bool, true)
        XCTAssertEqual((r.object["conflicts"] as? [Any])?.count, 0)
        XCTAssertEqual(r.object["merged_keys"] as? Int, 4, "2 rows of mg_rest and 2 of the new table: \(r.text)")
        XCTAssertNotNil(r.object["merge_scn"] as? Int)
        XCTAssertEqual(try contents("mg_rest", branch: "mg_rest_t"), [1: "A", 2: "b", 5: "e", 6: "target"])
        XCTAssertEqual(try rows("SELECT id, w FROM mg_rest_new ORDER BY id", branch: "mg_rest_t").map { $0["w"] as? String }, ["x", "y"])
        try expectError("SELECT * FROM mg_rest_gone", status: 404, branch: "mg_rest_t")
        // main is untouched.
        XCTAssertEqual(try contents("mg_rest"), [1: "a", 2: "b"])
        try expectError("SELECT * FROM mg_rest_new", status: 404)
        XCTAssertEqual(try count("mg_rest_gone"), 1)
        // Unknown branches and self-merge.
        XCTAssertEqual(try merge("mg_rest_nope", into: "main").status, 404)
        XCTAssertEqual(try merge("mg_rest_s", into: "mg_rest_nope").status, 404)
        XCTAssertEqual(try merge("mg_rest_t", into: "mg_rest_t").status, 400)
        XCTAssertEqual(try merge("mg_rest_s", into: "main", strategy: "bogus").status, 400)
    }

    /// Sets up table `<p>` on main with keys 1…6 and two sibling branches
    /// `<p>_s` (source) and `<p>_t` (target) that change it as follows:
    ///
    ///   key  source        target        kind
    ///   1    update s1     update t1     update/update  → conflict
    ///   2    update same   update same   same change    → no conflict
    ///   3    delete        delete        delete/delete  → no conflict
    ///   4    update s4     –             source only    → applied
    ///   5    update s5     delete        update/delete  → conflict
    ///   6    delete        update t6     delete/update  → conflict
    ///   10   insert src10  insert tgt10  insert/insert  → conflict
    ///   20   insert src20  –             source only    → applied
    ///   30   –             insert tgt30  target only    → kept
    ///   40   insert dup    insert dup    same insert    → no conflict
    func conflictScenario(_ p: String, file: StaticString = #filePath, line: UInt = #line) throws -> (source: String, target: String) {
        try results("""
            CREATE TABLE \(p) (id INT PRIMARY KEY, v TEXT);
            INSERT INTO \(p) VALUES (1, 'base1'), (2, 'base2'), (3, 'base3'), (4, 'base4'), (5, 'base5'), (6, 'base6')
            """, file: file, line: line)
        try results("CREATE BRANCH \(p)_s; CREATE BRANCH \(p)_t", file: file, line: line)
        try results("""
            UPDATE \(p) SET v = 's1' WHERE id = 1; UPDATE \(p) SET v = 'same' WHERE id = 2; DELETE FROM \(p) WHERE id = 3;
            UPDATE \(p) SET v = 's4' WHERE id = 4; UPDATE \(p) SET v = 's5' WHERE id = 5; DELETE FROM \(p) WHERE id = 6;
            INSERT INTO \(p) VALUES (10, 'src10'), (20, 'src20'), (40, 'dup')
            """, branch: "\(p)_s", file: file, line: line)
        try results("""
            UPDATE \(p) SET v = 't1' WHERE id = 1; UPDATE \(p) SET v = 'same' WHERE id = 2; DELETE FROM \(p) WHERE id = 3;
            DELETE FROM \(p) WHERE id = 5; UPDATE \(p) SET v = 't6' WHERE id = 6;
            INSERT INTO \(p) VALUES (10, 'tgt10'), (30, 'tgt30'), (40, 'dup')
            """, branch: "\(p)_t", file: file, line: line)
        return ("\(p)_s", "\(p)_t")
    }

    static let targetBeforeMerge = [1: "t1", 2: "same", 4: "base4", 6: "t6", 10: "tgt10", 30: "tgt30", 40: "dup"]
    static let targetWins = [1: "t1", 2: "same", 4: "s4", 6: "t6", 10: "tgt10", 20: "src20", 30: "tgt30", 40: "dup"]
    static let sourceWins = [1: "s1", 2: "same", 4: "s4", 5: "s5", 10: "src10", 20: "src20", 30: "tgt30", 40: "dup"]

    func conflictKeys(_ response: HTTPTestClient.Response) -> [String] {
        ((response.object["conflicts"] as? [[String: Any]]) ?? []).map { "\($0["table"] as? String ?? "?")/\($0["key"] as? String ?? "?")" }.sorted()
    }

    func testMergeConflictMatrixWithFail() throws {
        let p = "mg_fail"
        let (s, t) = try conflictScenario(p)
        let before = try scn()
        let r = try merge(s, into: t)
        XCTAssertEqual(r.status, 409, r.text)
        XCTAssertEqual(r.object["code"] as? String, "HB001")
        XCTAssertNotNil(r.object["error"] as? String)
        XCTAssertEqual(r.object["completed"] as? Bool, false)
        XCTAssertEqual(r.object["merged_keys"] as? Int, 0)
        XCTAssertTrue(r.object["merge_scn"] is NSNull, r.text)
        XCTAssertEqual(conflictKeys(r), ["\(p)/1", "\(p)/10", "\(p)/5", "\(p)/6"], "every conflict listed, and only those: \(r.text)")
        let conflicts = (r.object["conflicts"] as? [[String: Any]]) ?? []
        func conflict(_ key: String) -> [String: Any] { conflicts.first { $0["key"] as? String == key } ?? [:] }
        XCTAssertEqual((conflict("1")["base"] as? [String: Any])?["v"] as? String, "base1")
        XCTAssertEqual((conflict("1")["source"] as? [String: Any])?["v"] as? String, "s1")
        XCTAssertEqual((conflict("1")["target"] as? [String: Any])?["v"] as? String, "t1")
        XCTAssertEqual((conflict("1")["source"] as? [String: Any])?["id"] as? Int, 1)
        XCTAssertTrue(conflict("10")["base"] is NSNull, "insert/insert has no base: \(conflict("10"))")
        XCTAssertEqual((conflict("10")["source"] as? [String: Any])?["v"] as? String, "src10")
        XCTAssertEqual((conflict("10")["target"] as? [String: Any])?["v"] as? String, "tgt10")
        XCTAssertEqual((conflict("5")["source"] as? [String: Any])?["v"] as? String, "s5")
        XCTAssertTrue(conflict("5")["target"] is NSNull, "update/delete: target deleted: \(conflict("5"))")
        XCTAssertTrue(conflict("6")["source"] is NSNull, "delete/update: source deleted: \(conflict("6"))")
        XCTAssertEqual((conflict("6")["target"] as? [String: Any])?["v"] as? String, "t6")
        // Nothing applied, no commit, the source still active.
        XCTAssertEqual(try contents(p, branch: t), Self.targetBeforeMerge)
        XCTAssertEqual(try scn(), before)
        XCTAssertEqual(try branchInfo(s).object["state"] as? String, "active")

        // The same through SQL: 409 HB001, default strategy and explicit 'fail'.
        for sql in ["MERGE BRANCH \(s) INTO \(t)", "MERGE DATABASE BRANCH \(s) INTO \(t) WITH (strategy = 'fail')",
                    "MERGE BRANCH \(s) INTO \(t) WITH (conflict_resolution = fail)"] {
            let e = try expectError(sql, status: 409, code: "HB001")
            XCTAssertTrue((e.object["message"] as? String ?? "").contains("conflict"), e.text)
        }
        XCTAssertEqual(try contents(p, branch: t), Self.targetBeforeMerge)
        XCTAssertEqual(try scn(), before)
        // A request that merges with conflicts writes nothing else either.
        try expectError("INSERT INTO \(p) VALUES (99, 'x'); MERGE BRANCH \(s) INTO \(t)", status: 409, code: "HB001", branch: t)
        XCTAssertEqual(try contents(p, branch: t), Self.targetBeforeMerge)
    }

    func testMergeStrategyOursAndTargetWins() throws {
        var (s, t) = try conflictScenario("mg_ours")
        var r = try merge(s, into: t, strategy: "ours")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["completed"] as? Bool, true)
        XCTAssertEqual(r.object["merged_keys"] as? Int, 2, "keys 4 and 20: \(r.text)")
        XCTAssertEqual(conflictKeys(r), ["mg_ours/1", "mg_ours/10", "mg_ours/5", "mg_ours/6"], "conflicts are reported even when resolved")
        XCTAssertEqual(try contents("mg_ours", branch: t), Self.targetWins)
        XCTAssertEqual(try branchInfo(s).object["state"] as? String, "merged")

        (s, t) = try conflictScenario("mg_tw")
        let all = try results("MERGE BRANCH \(s) INTO \(t) WITH (strategy = 'target_wins')")
        let row = (all.first?["rows"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(row["merged_keys"] as? Int, 2, "\(all)")
        XCTAssertEqual(row["conflicts"] as? Int, 4)
        XCTAssertEqual(row["completed"] as? Bool, true)
        XCTAssertEqual(try contents("mg_tw", branch: t), Self.targetWins)
        XCTAssertEqual(try rows("SELECT status FROM pg_database_branches() WHERE branch_name = '\(s)'").first?["status"] as? String, "merged")
    }

    func testMergeStrategyTheirsAndBranchWins() throws {
        var (s, t) = try conflictScenario("mg_theirs")
        let all = try results("MERGE BRANCH \(s) INTO \(t) WITH (strategy = theirs)")
        let row = (all.first?["rows"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(row["merged_keys"] as? Int, 6, "keys 1, 4, 5, 6, 10, 20: \(all)")
        XCTAssertEqual(try contents("mg_theirs", branch: t), Self.sourceWins)
        XCTAssertEqual(try branchInfo(s).object["state"] as? String, "merged")

        (s, t) = try conflictScenario("mg_bw")
        let r = try merge(s, into: t, strategy: "branch_wins")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["merged_keys"] as? Int, 6, r.text)
        XCTAssertEqual(r.object["completed"] as? Bool, true)
        XCTAssertEqual(conflictKeys(r).count, 4)
        XCTAssertEqual(try contents("mg_bw", branch: t), Self.sourceWins)
        // The source keeps its own data.
        XCTAssertEqual(try contents("mg_bw", branch: s),
                       [1: "s1", 2: "same", 4: "s4", 5: "s5", 10: "src10", 20: "src20", 40: "dup"])
    }

    func testDeleteBranchAfterMerge() throws {
        try results("CREATE TABLE mg_del (id INT PRIMARY KEY, v TEXT); INSERT INTO mg_del VALUES (1, 'a')")
        try results("CREATE BRANCH mg_del_rest; CREATE BRANCH mg_del_sql")
        try results("INSERT INTO mg_del VALUES (2, 'rest')", branch: "mg_del_rest")
        try results("INSERT INTO mg_del VALUES (3, 'sql')", branch: "mg_del_sql")
        let r = try merge("mg_del_rest", into: "main", deleteAfter: true)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["merged_keys"] as? Int, 1)
        XCTAssertEqual(try branchInfo("mg_del_rest").status, 404)
        let listed = (try client.send(method: "GET", path: "/v1/branches").object["branches"] as? [[String: Any]] ?? [])
            .compactMap { $0["name"] as? String }
        XCTAssertFalse(listed.contains("mg_del_rest"))
        try results("MERGE BRANCH mg_del_sql INTO main WITH (strategy = 'branch_wins', delete_branch_after = true)")
        XCTAssertEqual(try branchInfo("mg_del_sql").status, 404)
        XCTAssertEqual(try rows("SELECT * FROM pg_database_branches() WHERE branch_name = 'mg_del_sql'").count, 0)
        XCTAssertEqual(try contents("mg_del"), [1: "a", 2: "rest", 3: "sql"])
        // delete_branch_after = false keeps it, merged.
        try results("CREATE BRANCH mg_del_keep; INSERT INTO mg_del VALUES (4, 'keep')")
        try results("INSERT INTO mg_del VALUES (5, 'k')", branch: "mg_del_keep")
        XCTAssertEqual(try merge("mg_del_keep", into: "main", deleteAfter: false).status, 200)
        XCTAssertEqual(try branchInfo("mg_del_keep").object["state"] as? String, "merged")
        XCTAssertEqual(try contents("mg_del"), [1: "a", 2: "rest", 3: "sql", 4: "keep", 5: "k"])
    }

    /// Schema changes on one side only merge without conflict; data changes
    /// on both sides survive.
    func testMergeSchemaChangeOnOneSide() throws {
        try results("CREATE TABLE mg_sch (id INT PRIMARY KEY, v TEXT); INSERT INTO mg_sch VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        try results("CREATE BRANCH mg_sch_s")
        try results("""
            ALTER TABLE mg_sch ADD COLUMN score INT; UPDATE mg_sch SET score = 10 WHERE id = 1; INSERT INTO mg_sch VALUES (4, 'd', 40)
            """, branch: "mg_sch_s")
        try results("UPDATE mg_sch SET v = 'main2' WHERE id = 2; INSERT INTO mg_sch VALUES (5, 'e')")
        let r = try merge("mg_sch_s", into: "main")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual((r.object["conflicts"] as? [Any])?.count, 0, r.text)
        XCTAssertEqual(r.object["merged_keys"] as? Int, 2, r.text)
        let all = try results("SELECT id, v, score FROM mg_sch ORDER BY id")
        let got = (all.first?["rows"] as? [[String: Any]] ?? []).map {
            "\(text($0["id"])):\(text($0["v"])):\(text($0["score"]))"
        }
        XCTAssertEqual(got, ["1:a:10", "2:main2:null", "3:c:null", "4:d:40", "5:e:null"])

        // The other way round: the target changes the schema, the source only data.
        try results("CREATE TABLE mg_sch2 (id INT PRIMARY KEY, v TEXT); INSERT INTO mg_sch2 VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        try results("CREATE BRANCH mg_sch2_s")
        try results("UPDATE mg_sch2 SET v = 'src' WHERE id = 1; DELETE FROM mg_sch2 WHERE id = 2", branch: "mg_sch2_s")
        try results("ALTER TABLE mg_sch2 ADD COLUMN note TEXT; UPDATE mg_sch2 SET note = 'n' WHERE id = 3")
        let r2 = try merge("mg_sch2_s", into: "main")
        XCTAssertEqual(r2.status, 200, r2.text)
        XCTAssertEqual((r2.object["conflicts"] as? [Any])?.count, 0, r2.text)
        let rows2 = try rows("SELECT id, v, note FROM mg_sch2 ORDER BY id").map {
            "\(text($0["id"])):\(text($0["v"])):\(text($0["note"]))"
        }
        XCTAssertEqual(rows2, ["1:src:null", "3:c:n"])

        // Each side adds a different column.
        try results("CREATE TABLE mg_sch3 (id INT PRIMARY KEY, v TEXT); INSERT INTO mg_sch3 VALUES (1, 'a'), (2, 'b')")
        try results("CREATE BRANCH mg_sch3_s")
        try results("ALTER TABLE mg_sch3 ADD COLUMN a INT; UPDATE mg_sch3 SET a = 1 WHERE id = 1", branch: "mg_sch3_s")
        try results("ALTER TABLE mg_sch3 ADD COLUMN b TEXT; UPDATE mg_sch3 SET b = 'x' WHERE id = 2")
        let r3 = try merge("mg_sch3_s", into: "main")
        XCTAssertEqual(r3.status, 200, r3.text)
        XCTAssertEqual((r3.object["conflicts"] as? [Any])?.count, 0, r3.text)
        let cols = try results("SELECT * FROM mg_sch3").first?["columns"] as? [String] ?? []
        XCTAssertEqual(Set(cols), ["id", "v", "a", "b"])
        let rows3 = try rows("SELECT id, a, b FROM mg_sch3 ORDER BY id").map {
            "\(text($0["id"])):\(text($0["a"])):\(text($0["b"]))"
        }
        XCTAssertEqual(rows3, ["1:1:null", "2:null:x"])
    }

    /// Both sides add the same column with different types: a schema
    /// conflict; resolving it never drops the data changes.
    func testMergeSchemaConflictKeepsDataChanges() throws {
        for strategy in ["fail", "ours", "theirs"] {
            let p = "mg_schc_\(strategy)"
            try results("CREATE TABLE \(p) (id INT PRIMARY KEY, v TEXT); INSERT INTO \(p) VALUES (1, 'a'), (2, 'b')")
            try results("CREATE BRANCH \(p)_s; CREATE BRANCH \(p)_t")
            try results("ALTER TABLE \(p) ADD COLUMN extra INT; UPDATE \(p) SET v = 'src' WHERE id = 1; INSERT INTO \(p) (id, v) VALUES (9, 'new')",
                        branch: "\(p)_s")
            try results("ALTER TABLE \(p) ADD COLUMN extra TEXT; UPDATE \(p) SET v = 'tgt' WHERE id = 2", branch: "\(p)_t")
            let r = try merge("\(p)_s", into: "\(p)_t", strategy: strategy)
            let keys = conflictKeys(r)
            XCTAssertTrue(keys.contains("\(p)/schema"), "\(strategy): schema conflict reported: \(r.text)")
            if strategy == "fail" {
                XCTAssertEqual(r.status, 409, r.text)
                XCTAssertEqual(try contents(p, branch: "\(p)_t"), [1: "a", 2: "tgt"])
            } else {
                XCTAssertEqual(r.status, 200, "\(strategy): \(r.text)")
                XCTAssertEqual(try contents(p, branch: "\(p)_t"), [1: "src", 2: "tgt", 9: "new"],
                               "\(strategy): the data changes of both sides survive")
                XCTAssertTrue((try results("SELECT * FROM \(p)", branch: "\(p)_t").first?["columns"] as? [String] ?? []).contains("extra"))
            }
        }
    }

    // MARK: Concurrency

    /// Eight clients each create a branch and write to it at once while a
    /// ninth writes to main; then all eight merge into main at once.
    func testConcurrentBranchCreationWritesAndMerges() throws {
        try results("CREATE TABLE cc (id INT PRIMARY KEY, owner TEXT); INSERT INTO cc SELECT g, 'base' FROM generate_series(1, 5) g")
        let writers = 8, perWriter = 15
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var items: [String] = []
            var merged: [Int] = []
            func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
            func addMerged(_ n: Int) { lock.lock(); merged.append(n); lock.unlock() }
        }
        let failures = Failures()
        let client = self.client
        @Sendable func post(_ path: String, _ object: [String: Any]) throws -> HTTPTestClient.Response {
            let data = try JSONSerialization.data(withJSONObject: object)
            return try client.post(path, json: String(decoding: data, as: UTF8.self))
        }
        DispatchQueue.concurrentPerform(iterations: writers + 1) { i in
            do {
                if i == writers {
                    for k in 0..<perWriter {
                        let r = try client.sql("INSERT INTO cc VALUES ($1, 'main')", [900_000 + k])
                        if r.status != 200 { failures.add("main insert \(k): \(r.status) \(r.text)") }
                    }
                    return
                }
                let name = "cc_b\(i)"
                let created = try post("/v1/branches", ["name": name])
                if created.status != 201 { failures.add("create \(name): \(created.status) \(created.text)"); return }
                for k in 0..<perWriter {
                    let r = try client.sql("INSERT INTO cc VALUES ($1, $2)", [(i + 1) * 1000 + k, name], extra: ["branch": name])
                    if r.status != 200 { failures.add("insert on \(name): \(r.status) \(r.text)") }
                }
                let read = try client.sql("SELECT count(*) AS n, count(DISTINCT owner) AS o FROM cc WHERE owner <> 'base'",
                                          extra: ["branch": name])
                let row = ((read.object["results"] as? [[String: Any]])?.first?["rows"] as? [[String: Any]])?.first
                if row?["n"] as? Int != perWriter || row?["o"] as? Int != 1 {
                    failures.add("\(name) read back \(read.text)")
                }
            } catch {
                failures.add("thread \(i): \(error)")
            }
        }
        XCTAssertEqual(failures.items, [])

        for i in 0..<writers {
            let name = "cc_b\(i)"
            XCTAssertEqual(try count("cc", branch: name), 5 + perWriter, name)
            let owners = try rows("SELECT DISTINCT owner FROM cc WHERE owner <> 'base'", branch: name).compactMap { $0["owner"] as? String }
            XCTAssertEqual(owners, [name], "\(name) sees only its own writes")
            let stats = try branchInfo(name).object["stats"] as? [String: Any] ?? [:]
            XCTAssertEqual(stats["modified_keys"] as? Int, perWriter, name)
            XCTAssertEqual(stats["commit_count"] as? Int, perWriter, name)
        }
        XCTAssertEqual(try count("cc"), 5 + perWriter, "main sees only its own writes")

        // The same name created by eight clients at once: exactly one wins.
        DispatchQueue.concurrentPerform(iterations: writers) { _ in
            do {
                let r = try post("/v1/branches", ["name": "cc_same"])
                failures.add("status \(r.status)")
            } catch {
                failures.add("error \(error)")
            }
        }
        let statuses = failures.items.sorted()
        XCTAssertEqual(statuses.filter { $0 == "status 201" }.count, 1, "\(statuses)")
        XCTAssertEqual(statuses.filter { $0 == "status 409" }.count, writers - 1, "\(statuses)")
        failures.items = []

        // All merge into main at once: disjoint keys, no conflicts.
        DispatchQueue.concurrentPerform(iterations: writers) { i in
            do {
                let r = try post("/v1/branches/cc_b\(i)/merge", ["target": "main"])
                if r.status != 200 { failures.add("merge cc_b\(i): \(r.status) \(r.text)") }
                failures.addMerged((r.object["merged_keys"] as? Int) ?? -1)
            } catch {
                failures.add("merge \(i): \(error)")
            }
        }
        XCTAssertEqual(failures.items, [])
        XCTAssertEqual(failures.merged.reduce(0, +), writers * perWriter, "\(failures.merged)")
        XCTAssertEqual(try count("cc"), 5 + perWriter + writers * perWriter)
        for i in 0..<writers {
            XCTAssertEqual(try count("cc WHERE owner = 'cc_b\(i)'"), perWriter)
        }
        // The commit log stayed consistent under concurrency.
        let counts = try rows("SELECT (SELECT count(*) FROM pg_snapshots) AS a, (SELECT count(*) FROM pg_scn_map) AS b, (SELECT count(*) FROM pg_transaction_map) AS c, (SELECT count(DISTINCT scn) FROM pg_scn_map) AS d").first ?? [:]
        XCTAssertEqual(counts["a"] as? Int, counts["b"] as? Int)
        XCTAssertEqual(counts["b"] as? Int, counts["c"] as? Int)
        XCTAssertEqual(counts["b"] as? Int, counts["d"] as? Int)
    }

    /// CREATE BRANCH after writes in the same request: the writes are
    /// committed first, so the branch sees them; inside BEGIN it is refused
    /// and the block's writes are rolled back with the request.
    func testCreateBranchAfterWritesInTheSameRequest() throws {
        try results("CREATE TABLE cb_after (id INT PRIMARY KEY, v TEXT); INSERT INTO cb_after VALUES (1, 'a'); CREATE BRANCH cb_after_b")
        XCTAssertEqual(try contents("cb_after", branch: "cb_after_b"), [1: "a"])
        XCTAssertEqual(try contents("cb_after"), [1: "a"])
        try expectError("BEGIN; INSERT INTO cb_after VALUES (2, 'b'); CREATE BRANCH cb_after_c; COMMIT", status: 400, code: "25001")
        XCTAssertEqual(try contents("cb_after"), [1: "a"], "the block's write was rolled back")
        XCTAssertEqual(try client.send(method: "GET", path: "/v1/branches/cb_after_c").status, 404)
    }

    /// A primary-key lookup AS OF the past reads the past (the point-select
    /// fast path must not answer it from the current state).
    func testPrimaryKeyLookupAsOf() throws {
        try results("CREATE TABLE pk_asof (id INT PRIMARY KEY, v TEXT); INSERT INTO pk_asof VALUES (1, 'old')")
        let before = try scn()
        try results("UPDATE pk_asof SET v = 'new' WHERE id = 1")
        XCTAssertEqual(try rows("SELECT v FROM pk_asof AS OF SCN \(before) WHERE id = 1").first?["v"] as? String, "old")
        XCTAssertEqual(try rows("SELECT v FROM pk_asof AS OF SCN \(before) WHERE id = $1", [1]).first?["v"] as? String, "old")
        XCTAssertEqual(try rows("SELECT v FROM pk_asof AS OF SCN \(before) WHERE id IN (1, 2)").first?["v"] as? String, "old")
        XCTAssertEqual(try rows("SELECT v FROM pk_asof WHERE id = 1").first?["v"] as? String, "new")
    }

    /// A column added on the source (ALTER rewrites every row there) is not
    /// a change to every row: a row only the target updated keeps its
    /// update, with no conflict, and only the source's real edit counts.
    func testAddedColumnOnSourceDoesNotConflictWithTargetUpdates() throws {
        try results("CREATE TABLE addcol (id INT PRIMARY KEY, v TEXT); INSERT INTO addcol VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        try results("CREATE BRANCH addcol_f")
        try results("ALTER TABLE addcol ADD COLUMN z INT DEFAULT 7; UPDATE addcol SET v = 'f3' WHERE id = 3", branch: "addcol_f")
        try results("UPDATE addcol SET v = 'main2' WHERE id = 2")
        let r = try merge("addcol_f", into: "main")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["merged_keys"] as? Int, 1, r.text)
        XCTAssertEqual((r.object["conflicts"] as? [Any])?.count, 0, r.text)
        let merged = try rows("SELECT id, v, z FROM addcol ORDER BY id")
        XCTAssertEqual(merged.map { text($0["v"]) }, ["a", "main2", "f3"])
        XCTAssertEqual(merged.map { text($0["z"]) }, ["7", "7", "7"])
    }

    /// Renaming a table or a column, or dropping and recreating a table, on
    /// the source merges as that change, with the rows merged key by key.
    func testMergeRenamesAndRecreatedTables() throws {
        try results("""
            CREATE TABLE mr_r (id INT PRIMARY KEY, v TEXT); INSERT INTO mr_r VALUES (1, 'a'), (2, 'b'), (3, 'c');
            CREATE TABLE mr_s (id INT PRIMARY KEY, v TEXT); INSERT INTO mr_s VALUES (1, 'x'), (2, 'y');
            CREATE TABLE mr_c (id INT PRIMARY KEY, v TEXT); INSERT INTO mr_c VALUES (1, 'keep')
            """)
        try results("CREATE BRANCH mr_b")
        try results("""
            DELETE FROM mr_r WHERE id = 1; ALTER TABLE mr_r RENAME TO mr_r2;
            DROP TABLE mr_s; CREATE TABLE mr_s (id INT PRIMARY KEY, v TEXT); INSERT INTO mr_s VALUES (3, 'z');
            ALTER TABLE mr_c RENAME COLUMN v TO w
            """, branch: "mr_b")
        try results("UPDATE mr_r SET v = 'main' WHERE id = 2")
        let r = try merge("mr_b", into: "main")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual((r.object["conflicts"] as? [Any])?.count, 0, r.text)
        XCTAssertEqual(try contents("mr_r2"), [2: "main", 3: "c"], "deleted row stays deleted, the target's update stays")
        try expectError("SELECT * FROM mr_r", status: 404)
        XCTAssertEqual(try contents("mr_s"), [3: "z"], "the recreated table replaces the old one")
        XCTAssertEqual(text(try rows("SELECT w FROM mr_c WHERE id = 1").first?["w"]), "keep", "a renamed column keeps its data")
    }
}

import Core
@testable import Engine
import XCTest

/// Importing HeliosDB Nano SQL dumps (`Database.importNanoDump`): both
/// dialects, the rewrites for what Helios lacks, one transaction, and
/// errors that name the dump line.
final class NanoImportTests: XCTestCase {
    var db: Database!

    override func setUp() { db = Database() }

    @discardableResult
    func run(_ sql: String, branch: String = "main") throws -> [Row] {
        try db.execute(SQLRequest(sql: sql, parameters: [], branch: branch)).last!.rows
    }

    static let v2Dump = #"""
    -- HeliosDB Nano Database Dump
    -- Generated: 2026-08-16 10:00:00
    -- Database: heliosdb-nano
    -- Format: heliosdb-nano sql v2
    -- Restore with EmbeddedDatabase::execute_sql_script, into an EMPTY database.

    -- Table: child
    CREATE TABLE IF NOT EXISTS "child" ("a" INT4 NOT NULL, "b" INT4 NOT NULL, "pid" INT4 NOT NULL, "qty" INT4 NOT NULL DEFAULT 7, "created" TIMESTAMPTZ DEFAULT now(), PRIMARY KEY ("a", "b"), CONSTRAINT child_qty_check CHECK (("qty" > 0)));
    -- Table: docs
    CREATE TABLE IF NOT EXISTS "docs" ("id" INT4 PRIMARY KEY, "body" TEXT, "meta" JSONB, "tags" TEXT[], "counts" INT4[], "blob" BYTEA, "at" TIME, "embedding" VECTOR(3));
    -- Table: my "odd" table
    CREATE TABLE IF NOT EXISTS "my ""odd"" table" ("select" TEXT, "n" NUMERIC, "f" FLOAT4, "d" FLOAT8, "u" UUID, "day" DATE, "ts" TIMESTAMP);

    -- Data: child
    INSERT INTO "child" ("a", "b", "pid", "qty", "created") VALUES (1, 1, 1, 7, '2026-08-16T01:11:00.123456789+00:00'::timestamptz);

    -- Data: docs
    INSERT INTO "docs" ("id", "body", "meta", "tags", "counts", "blob", "at", "embedding") VALUES (1, E'line1\nline2;\t\\', '{"k":[1,2]}'::jsonb, '{"a,b",NULL,"say \"hi\""}'::TEXT[], '{1,2,3}'::INT4[], E'\\x00ff00'::bytea, '01:00:00.123456789'::time, '[1.0,2.5,0.0]'::vector(3)), (2, 'O''Brien; -- not a comment', NULL, '{}'::TEXT[], NULL, E'\\x'::bytea, NULL, '[0.0,-1.5,2.25]'::vector(3));

    -- Data: my "odd" table
    INSERT INTO "my ""odd"" table" ("select", "n", "f", "d", "u", "day", "ts") VALUES ('日本', '3.14159'::numeric, 1.5::float4, 'NaN'::float8, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '2026-08-16'::date, '2025-08-16 01:00:00.123456789'::timestamp), (NULL, NULL, '-Infinity'::float4, -0.0, NULL, NULL, NULL);

    -- Foreign keys
    ALTER TABLE "child" ADD CONSTRAINT child_pid_fk FOREIGN KEY ("pid") REFERENCES "docs" ("id") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;

    -- Indexes
    CREATE INDEX "idx_docs_embedding" ON "docs" USING hnsw ("embedding");
    """#

    func testVersion2DumpImportsWithItsValues() throws {
        let report = try db.importNanoDump(Self.v2Dump)
        XCTAssertEqual(report.format, "heliosdb-nano sql v2")
        XCTAssertEqual(report.tablesCreated, ["child", "docs", "my \"odd\" table"])
        XCTAssertEqual(report.rowsInserted, 5)
        XCTAssertEqual(report.indexesCreated, 1)
        XCTAssertEqual(report.statements, 8)
        XCTAssertEqual(report.warnings.count, 5, "\(report.warnings)")
        XCTAssertTrue(report.warnings.contains { $0.contains("docs.tags TEXT[] imported as JSONB") })
        XCTAssertTrue(report.warnings.contains { $0.contains("docs.at TIME imported as TEXT") })
        XCTAssertTrue(report.warnings.contains { $0.hasPrefix("line 24: foreign key checked at once, not deferred") })

        let docs = try run("SELECT body, meta->'k'->>1, tags, counts, blob, at, embedding FROM docs ORDER BY id")
        XCTAssertEqual(docs[0][0], .text("line1\nline2;\t\\"))
        XCTAssertEqual(docs[0][1], .text("2"))
        XCTAssertEqual(try run("SELECT tags->>0, tags->>2, jsonb_typeof(tags->1), counts->>2 FROM docs WHERE id = 1"),
                       [[.text("a,b"), .text("say \"hi\""), .text("null"), .text("3")]])
        XCTAssertEqual(docs[0][4], .bytes([0, 255, 0]))
        XCTAssertEqual(docs[0][5], .text("01:00:00.123456789"))
        XCTAssertEqual(docs[0][6], .vector([1, 2.5, 0]))
        XCTAssertEqual(docs[1][0], .text("O'Brien; -- not a comment"))
        XCTAssertEqual(docs[1][4], .bytes([]))
        XCTAssertEqual(try run("SELECT jsonb_array_length(tags) FROM docs WHERE id = 2"), [[.integer(0)]])

        let odd = try run(#"SELECT "select", n::text, f, d, u::text, day::text, ts::text FROM "my ""odd"" table" ORDER BY "select""#)
        XCTAssertEqual(odd[0][0], .text("日本"))
        XCTAssertEqual(odd[0][5], .text("2026-08-16"))
        XCTAssertEqual(odd[0][6], .text("2025-08-16 01:00:00.123457"), "nanoseconds round to microseconds")
        if case .double(let d) = odd[0][3] { XCTAssertTrue(d.isNaN) } else { XCTFail("NaN") }
        XCTAssertEqual(odd[1][2], .double(-.infinity))
        XCTAssertEqual(try run("SELECT qty, created::text FROM child"), [[.integer(7), .text("2026-08-16 01:11:00.123457+00")]])
        XCTAssertEqual(try run("SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_docs_embedding'"), [[.integer(1)]])
        XCTAssertEqual(try run("SELECT id FROM docs ORDER BY embedding <-> '[0,-1,2]' LIMIT 1"), [[.integer(2)]])
        // The foreign key came along, with its name and ON DELETE CASCADE.
        XCTAssertThrowsError(try run("INSERT INTO child (a, b, pid) VALUES (9, 9, 42)")) { error in
            XCTAssertTrue((error as! EngineError).message.contains("child_pid_fk"), "\(error)")
        }
        try run("DELETE FROM docs WHERE id = 1")
        XCTAssertEqual(try run("SELECT count(*) FROM child"), [[.integer(0)]])
    }

    func testForeignKeysNanoDidNotEnforceOrThatRowsBreak() throws {
        let dump = """
        -- Format: heliosdb-nano sql v2
        CREATE TABLE IF NOT EXISTS "p" ("id" INT4 PRIMARY KEY);
        CREATE TABLE IF NOT EXISTS "c" ("pid" INT4);
        INSERT INTO "c" ("pid") VALUES (1), (NULL);
        ALTER TABLE "c" ADD CONSTRAINT c_fk FOREIGN KEY ("pid") REFERENCES "p" ("id") NOT ENFORCED;
        """
        let report = try db.importNanoDump(dump)
        XCTAssertTrue(report.warnings.contains { $0.contains("NOT ENFORCED") })
        XCTAssertEqual(try run("SELECT count(*) FROM c"), [[.integer(2)]])
        db = Database()
        XCTAssertThrowsError(try db.importNanoDump(dump.replacingOccurrences(of: " NOT ENFORCED", with: ""))) { error in
            XCTAssertEqual((error as? EngineError)?.sqlState, "23503")
            XCTAssertTrue((error as! EngineError).message.contains("(line 5)"))
        }
        XCTAssertThrowsError(try run("SELECT * FROM c"), "nothing applied")
    }

    func testVersion1DumpWithDebugValues() throws {
        let dump = #"""
        -- HeliosDB Nano Database Dump
        -- Generated: 2026-05-01 12:00:00
        -- Database: heliosdb-nano

        -- Table: users
        CREATE TABLE IF NOT EXISTS users (
          id INT4 PRIMARY KEY NOT NULL,
          name Varchar(Some(50)),
          note Text,
          meta JSONB,
          price NUMERIC,
          score FLOAT8,
          key UUID,
          born DATE,
          seen TIMESTAMPTZ,
          raw BYTEA,
          v VECTOR(2),
          tags TEXT[]
        );

        INSERT INTO users VALUES
          (1, 'Alice', 'multi
        line; text', 'Json("{\"a\":[1,\"x\"]}")', 'Numeric("3.14159")', NaN, 'Uuid(a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11)', 'Date(2024-01-01)', '2024-01-01 10:30:00 UTC', 'Bytes([0, 171])', 'Vector([1.0, 2.0])', 'Array([Int4(1), Text("b"), Null])'),
          (2, 'Bob', NULL, NULL, NULL, -inf, NULL, NULL, NULL, NULL, NULL, NULL);
        """#
        let report = try db.importNanoDump(dump)
        XCTAssertEqual(report.format, "heliosdb-nano sql v1")
        XCTAssertEqual(report.rowsInserted, 2)
        let rows = try run("SELECT name, note, meta->'a'->>1, price::text, key::text, born::text, seen::text, raw, v, tags FROM users WHERE id = 1")
        XCTAssertEqual(rows, [[.text("Alice"), .text("multi\nline; text"), .text("x"), .text("3.14159"),
                               .text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), .text("2024-01-01"), .text("2024-01-01 10:30:00+00"),
                               .bytes([0, 171]), .vector([1, 2]), try XCTUnwrap(run(#"SELECT '[1,"b",null]'::jsonb"#).first?.first)]])
        XCTAssertEqual(try run("SELECT score FROM users WHERE id = 2"), [[.double(-.infinity)]])
        if case .double(let nan) = try run("SELECT score FROM users WHERE id = 1")[0][0] { XCTAssertTrue(nan.isNaN) } else { XCTFail() }
    }

    func testAnErrorAppliesNothingAndNamesTheLine() throws {
        let dump = """
        -- Format: heliosdb-nano sql v2
        CREATE TABLE IF NOT EXISTS "t" ("id" INT4 PRIMARY KEY);
        INSERT INTO "t" ("id") VALUES (1), (2);
        INSERT INTO "t" ("id") VALUES (2);
        """
        XCTAssertThrowsError(try db.importNanoDump(dump)) { error in
            let error = error as! EngineError
            XCTAssertEqual(error.sqlState, "23505")
            XCTAssertTrue(error.message.hasPrefix("dump statement 3 (line 4):"), error.message)
        }
        XCTAssertThrowsError(try run("SELECT * FROM t"), "the table's creation was rolled back too")
        XCTAssertThrowsError(try db.importNanoDump("CREATE TABLE x (a INT);\nCREATE TABLE y (a NOTATYPE);")) { error in
            XCTAssertTrue((error as! EngineError).message.contains("(line 2)"))
        }
        XCTAssertThrowsError(try run("SELECT * FROM x"))
        XCTAssertEqual(try db.importNanoDump(dump.replacingOccurrences(of: "VALUES (2);", with: "VALUES (3);")).rowsInserted, 3)
    }

    func testMalformedDumpsAreRefused() {
        for (text, state) in [("", "22P02"), ("-- only a comment\n", "22P02"), ("INSERT INTO t VALUES ('open", "42601"),
                              ("CREATE TABLE \"t (a INT);", "42601"), ("SELECT $x$ never closed", "42601"),
                              ("/* unclosed comment", "42601"), ("hello world", "42601")] {
            XCTAssertThrowsError(try db.importNanoDump(text), text) { error in
                XCTAssertEqual((error as? EngineError)?.sqlState, state, "\(text): \(error)")
            }
        }
        XCTAssertThrowsError(try db.importNanoDump("CREATE TABLE t (a INT);", branch: "nope")) { error in
            XCTAssertEqual((error as? EngineError)?.sqlState, "3D000")
        }
    }

    func testImportIntoABranchLeavesMainAlone() throws {
        try run("CREATE BRANCH dev")
        let report = try db.importNanoDump(Self.v2Dump, branch: "dev")
        XCTAssertEqual(report.branch, "dev")
        XCTAssertEqual(try run("SELECT count(*) FROM docs", branch: "dev"), [[.integer(2)]])
        XCTAssertThrowsError(try run("SELECT count(*) FROM docs"))
    }

    func testScannerSplitsOnlyOnStatementSemicolons() throws {
        let text = "SELECT ';', \"a;b\", E'\\';' -- c;\n; /* x; */ SELECT $t$ ; $t$;\nSELECT 1"
        let pieces = try DumpScanner.statements(Array(text.utf8)).statements
        XCTAssertEqual(pieces.count, 3)
        XCTAssertEqual(pieces.map(\.line), [1, 2, 3])
        XCTAssertEqual(PostgresArrayText.json(#"{{1,2},{3,NULL}}"#, elementType: "INT8"), "[[1,2],[3,null]]")
        XCTAssertEqual(PostgresArrayText.json(#"{t,f,"true"}"#, elementType: "BOOLEAN"), "[true,false,true]")
        XCTAssertEqual(PostgresArrayText.json(#"{"a\\b",c d}"#, elementType: "TEXT"), #"["a\\b","c d"]"#)
        XCTAssertNil(PostgresArrayText.json("{1,2", elementType: "INT4"))
        XCTAssertNil(PostgresArrayText.json("1,2}", elementType: "INT4"))
    }
}

/// What the black-box review of the import found, each kept fixed.
final class NanoImportEdgeTests: XCTestCase {
    var db: Database!

    override func setUp() { db = Database() }

    @discardableResult
    func run(_ sql: String, branch: String = "main") throws -> [Row] {
        try db.execute(SQLRequest(sql: sql, parameters: [], branch: branch)).last!.rows
    }

    func testTruncatedAndMutatedDumpsNeverTrap() {
        let samples = [NanoImportTests.v2Dump, "SELECT '{1, '::INT4[]", "CREATE TABLE t (a TIME(6", "INSERT INTO t VALUES ('[]'::vector(",
                       "CREATE TABLE t (a INT4[", "INSERT INTO t (a) VALUES ('{\"x'::TEXT[]);", "CREATE TABLE IF NOT EXISTS"]
        var rng = SplitMix64(seed: 11)
        let alphabet = Array("'\"{}[](),;:\\E$ -\n".utf8)
        for sample in samples {
            let bytes = Array(sample.utf8)
            for cut in stride(from: 0, through: bytes.count, by: max(1, bytes.count / 300)) {
                _ = try? Database().importNanoDump(String(decoding: bytes[0..<cut], as: UTF8.self))
            }
            for _ in 0..<200 {
                var mutated = bytes
                for _ in 0..<3 {
                    let i = Int(rng.next() % UInt64(max(1, mutated.count)))
                    if !mutated.isEmpty { mutated[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                }
                _ = try? Database().importNanoDump(String(decoding: mutated, as: UTF8.self))
            }
        }
    }

    func testOnlyDumpStatementsRunAndNothingOutsideTheTransaction() throws {
        try run("CREATE BRANCH keep")
        try run("CREATE TABLE mine (id INT PRIMARY KEY)")
        for (statement, tag) in [("CREATE BRANCH x", "CREATE BRANCH"), ("DROP BRANCH keep", "DROP BRANCH"),
                                 ("MERGE BRANCH keep INTO main", "MERGE"), ("ROLLBACK", "ROLLBACK"),
                                 ("USE BRANCH keep", "USE BRANCH"), ("DROP TABLE mine", "DROP TABLE"),
                                 ("SELECT 1", "SELECT"), ("DELETE FROM mine", "DELETE")] {
            let dump = "CREATE TABLE t (a INT);\nINSERT INTO t VALUES (1);\n\(statement);\n"
            XCTAssertThrowsError(try db.importNanoDump(dump), statement) { error in
                let error = error as! EngineError
                XCTAssertEqual(error.sqlState, "0A000", statement)
                XCTAssertTrue(error.message.hasPrefix("dump statement 3 (line 3): \(tag)"), error.message)
            }
            XCTAssertThrowsError(try run("SELECT * FROM t"), statement)
        }
        XCTAssertEqual(try run("SELECT count(*) FROM pg_database_branches() WHERE branch_name IN ('keep', 'x')"), [[.integer(1)]])
        XCTAssertEqual(try run("SELECT count(*) FROM mine"), [[.integer(0)]])
    }

    func testVersion1ConvertsDebugTextOnlyForItsType() throws {
        let dump = """
        CREATE TABLE IF NOT EXISTS notes (id INT4 PRIMARY KEY, body TEXT, day DATE, span INTERVAL, tags Array(Text), v VECTOR(2));
        INSERT INTO notes VALUES (1, 'Date(tomorrow)', 'Date(2024-02-29)', 'Interval(5000000)', 'Array([Text("a"), Null])', 'Vector([1.0, 2.0])'),
          (2, 'Json("hello")', NULL, NULL, NULL, NULL), (3, '2024-01-01 00:00:00 UTC', NULL, NULL, NULL, NULL);
        """
        let report = try db.importNanoDump(dump)
        XCTAssertEqual(report.rowsInserted, 3)
        XCTAssertEqual(try run("SELECT body FROM notes ORDER BY id"),
                       [[.text("Date(tomorrow)")], [.text("Json(\"hello\")")], [.text("2024-01-01 00:00:00 UTC")]])
        XCTAssertEqual(try run("SELECT day::text, span::text, tags->>0, v FROM notes WHERE id = 1"),
                       [[.text("2024-02-29"), .text("00:00:05"), .text("a"), .vector([1, 2])]])
    }

    func testSmallerFindings() throws {
        // A byte-order mark, a comment between keywords, TIME(6) WITHOUT TIME ZONE,
        // an empty vector, a newer format, numbers that count left-out statements.
        let dump = "\u{FEFF}-- Format: heliosdb-nano sql v3\nSET x = 1;\nCREATE/**/TABLE \"t\" (\"a\" TIME(6) WITHOUT TIME ZONE, \"v\" VECTOR(2), \"n\" NUMERIC);\n"
            + "INSERT INTO \"t\" (\"a\", \"v\") VALUES ('01:02:03', '[]'::vector(2)), ('04:05:06', '[1.0,2.0]'::vector(2));\n"
        let report = try db.importNanoDump(dump)
        XCTAssertEqual(report.format, "heliosdb-nano sql v2")
        XCTAssertEqual(report.rowsInserted, 2)
        let warnings = report.warnings.joined(separator: "\n")
        for expected in ["newer than this importer knows", "left out (session settings", "t.a TIME imported as TEXT",
                         "1 empty vector(s) imported as NULL", "t.n NUMERIC is stored as double precision"] {
            XCTAssertTrue(warnings.contains(expected), "\(expected) in \(warnings)")
        }
        XCTAssertEqual(try run("SELECT a, v FROM t ORDER BY a"), [[.text("01:02:03"), .null], [.text("04:05:06"), .vector([1, 2])]])
        XCTAssertThrowsError(try db.importNanoDump("SET y = 2;\nCREATE TABLE u (a INT);\nINSERT INTO u VALUES ('x');")) { error in
            XCTAssertTrue((error as! EngineError).message.hasPrefix("dump statement 3 (line 3)"), "\(error)")
        }
        // A table that already exists is kept, reported, and not counted as created.
        let again = try db.importNanoDump("CREATE TABLE IF NOT EXISTS \"t\" (\"a\" TEXT);\nINSERT INTO \"t\" (\"a\") VALUES ('07:08:09');")
        XCTAssertEqual(again.tablesCreated, [])
        XCTAssertTrue(again.warnings.contains { $0.contains("table t already existed") })
        XCTAssertEqual(try run("SELECT count(*) FROM t"), [[.integer(3)]])
    }

    func testFractionalSecondsRoundAsPostgreSQL() throws {
        XCTAssertEqual(try run("SELECT '2025-01-01 00:00:00.1234567'::timestamp::text, '2025-01-01 00:00:00.1234564'::timestamp::text, '2025-01-01 23:59:59.9999996'::timestamp::text"),
                       [[.text("2025-01-01 00:00:00.123457"), .text("2025-01-01 00:00:00.123456"), .text("2025-01-02 00:00:00")]])
    }
}

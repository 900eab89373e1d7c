import Foundation
import Synchronization
import TestSupport
import XCTest

/// The crash harness, short form (the long one is Benchmarks/crash/): clients
/// commit three-row transactions and note each only after its
/// acknowledgement; the server is killed with SIGKILL at a random moment and
/// restarted on the same data directory; every acknowledged transaction must
/// be there in full and no transaction may be partly there.
final class CrashRecoveryTests: XCTestCase {
    func testAcknowledgedCommitsSurviveKillNine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helios-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
        XCTAssertEqual(try server.client().sql("CREATE TABLE crash (id BIGINT PRIMARY KEY, part INT, writer INT)").status, 200)
        let acknowledged = Mutex<[Int64]>([])
        var kills = 0
        // HELIOS_CRASH_KILLS raises the count (Benchmarks/crash/run.sh runs 100).
        let cycles = ProcessInfo.processInfo.environment["HELIOS_CRASH_KILLS"].flatMap(Int.init) ?? 5
        for cycle in 0..<cycles {
            let stop = Atomic<Bool>(false)
            let port = server.port
            let writers = (0..<4).map { writer in
                Thread {
                    let client = HTTPTestClient(port: port)
                    var n: Int64 = 0
                    while !stop.load(ordering: .relaxed) {
                        n += 1
                        let base = Int64(cycle) * 100_000_000 + Int64(writer) * 1_000_000 + n * 10
                        let sql = "INSERT INTO crash VALUES (\(base), 0, \(writer)), (\(base + 1), 1, \(writer)), (\(base + 2), 2, \(writer))"
                        guard let response = try? client.sql(sql) else { break }
                        if response.status == 200 { acknowledged.withLock { $0.append(base) } } else { break }
                    }
                }
            }
            writers.forEach { $0.start() }
            usleep(UInt32.random(in: 150_000...400_000))
            server.stop(signal: SIGKILL, keepData: true)
            kills += 1
            stop.store(true, ordering: .relaxed)
            usleep(50_000)
            server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
            XCTAssertTrue(server.log.contains("recovered"), server.log)
        }
        defer { server.stop() }
        let rows = try server.client().sql("SELECT id, part FROM crash", [], extra: ["format": "arrays"])
        XCTAssertEqual(rows.status, 200)
        let result = (rows.object["results"] as? [[String: Any]])?.first
        var parts: [Int64: Int] = [:]
        for row in (result?["rows"] as? [[Any]]) ?? [] {
            guard let id = (row[0] as? NSNumber)?.int64Value else { continue }
            parts[id - id % 10, default: 0] += 1
        }
        let acked = acknowledged.withLock { $0 }
        XCTAssertGreaterThan(acked.count, 20, "the clients committed something")
        let lost = acked.filter { parts[$0] != 3 }
        let partial = parts.filter { $0.value != 3 }
        XCTAssertEqual(lost.count, 0, "acknowledged transactions missing or incomplete after \(kills) kills")
        XCTAssertEqual(partial.count, 0, "transactions partly visible: \(partial.prefix(5))")
        print("crash harness: \(kills) kills, \(acked.count) acknowledged transactions, all present; \(parts.count - Set(acked).count) unacknowledged ones complete, 0 partial")
    }

    /// A clean stop writes a checkpoint; the restart loads it (replaying an
    /// empty log) and everything is there: rows, history, branches.
    func testCleanStopCheckpointsAndRestartLoadsIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helios-ckpt-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
        let client = server.client()
        XCTAssertEqual(try client.sql("CREATE TABLE ck (id INT PRIMARY KEY, v TEXT); INSERT INTO ck VALUES (1, 'a'), (2, 'b')").status, 200)
        let scn = try client.sql("SELECT current_scn() AS s")
        let past = ((scn.object["results"] as? [[String: Any]])?.first?["rows"] as? [[String: Any]])?.first?["s"] as? Int ?? 0
        XCTAssertEqual(try client.sql("UPDATE ck SET v = 'changed' WHERE id = 1; CREATE BRANCH ck_b").status, 200)
        XCTAssertEqual(try client.sql("DELETE FROM ck WHERE id = 2", [], extra: ["branch": "ck_b"]).status, 200)
        XCTAssertEqual(server.stop(keepData: true), 0)
        XCTAssertTrue(server.log.contains("checkpoint 1 on shutdown"), server.log)
        server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
        defer { server.stop() }
        XCTAssertTrue(server.log.contains("0 log record(s) replayed"), server.log)
        func values(_ sql: String, branch: String? = nil) throws -> [String] {
            let r = try server.client().sql(sql, [], extra: branch.map { ["branch": $0] } ?? [:])
            let rows = ((r.object["results"] as? [[String: Any]])?.last?["rows"] as? [[String: Any]]) ?? []
            return rows.map { "\($0["v"] ?? "nil")" }
        }
        XCTAssertEqual(try values("SELECT v FROM ck ORDER BY id"), ["changed", "b"])
        XCTAssertEqual(try values("SELECT v FROM ck AS OF SCN \(past) ORDER BY id"), ["a", "b"])
        XCTAssertEqual(try values("SELECT v FROM ck ORDER BY id", branch: "ck_b"), ["changed"])
    }

    /// A stop asked for while the log replays ends the process at once (a
    /// container's stop timeout must not run out), the next start replays
    /// the same log, and a replay that took a while is checkpointed so a
    /// later crash does not repeat it.
    func testStopDuringReplayAndCheckpointAfterIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helios-replay-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
        XCTAssertEqual(try server.client().sql("CREATE TABLE rv (id INT PRIMARY KEY, v VECTOR(16)); CREATE INDEX rv_i ON rv USING hnsw (v)").status, 200)
        let rows = 12_000
        for start in stride(from: 0, to: rows, by: 1_000) {
            let values = (start..<(start + 1_000)).map { i in
                "(\(i), '[\((0..<16).map { String((i * 31 + $0 * 17) % 101) }.joined(separator: ","))]')"
            }
            XCTAssertEqual(try server.client().sql("INSERT INTO rv VALUES " + values.joined(separator: ",")).status, 200)
        }
        XCTAssertEqual(server.stop(signal: SIGKILL, keepData: true), SIGKILL)

        let replaying = Process()
        replaying.executableURL = URL(fileURLWithPath: HeliosProcess.binaryPath())
        replaying.arguments = ["serve", "--port", "0", "--no-access-log", "--data-dir", directory]
        let pipe = Pipe()
        replaying.standardError = pipe
        replaying.standardOutput = pipe
        try replaying.run()
        usleep(300_000)
        let asked = Date()
        kill(replaying.processIdentifier, SIGTERM)
        replaying.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(output.contains("during recovery"), output)
        XCTAssertLessThan(Date().timeIntervalSince(asked), 2, "stopped mid-replay, not after it")
        XCTAssertEqual(replaying.terminationStatus, 128 + SIGTERM)

        server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
        defer { server.stop() }
        XCTAssertTrue(server.log.contains("13 log record(s) replayed"), server.log)
        let count = try server.client().sql("SELECT count(*) AS n FROM rv")
        XCTAssertEqual(((count.object["results"] as? [[String: Any]])?.first?["rows"] as? [[String: Any]])?.first?["n"] as? Int, rows)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !server.log.contains("checkpoint 1:") { usleep(100_000) }
        XCTAssertTrue(server.log.contains("checkpoint 1:"), "a long replay is checkpointed: \(server.log)")
    }

    /// Sequences continue above every value handed out before the restart,
    /// and a transaction still open at shutdown leaves nothing behind.
    func testSequencesAndOpenTransactionsAcrossRestart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helios-seq-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
        var client = server.client()
        XCTAssertEqual(try client.sql("CREATE TABLE sq (id SERIAL PRIMARY KEY, v TEXT); INSERT INTO sq (v) VALUES ('a'), ('b'), ('c')").status, 200)
        let opened = try client.send(method: "POST", path: "/v1/transactions", body: Array("{}".utf8))
        let id = try XCTUnwrap(opened.object["transaction_id"] as? String)
        XCTAssertEqual(try client.sql("INSERT INTO sq (v) VALUES ('in flight')", [], extra: ["transaction_id": id]).status, 200)
        for signal in [SIGKILL, SIGTERM] {
            server.stop(signal: signal, keepData: true)
            server = try HeliosProcess(arguments: ["--no-access-log"], dataDirectory: directory)
            client = server.client()
            let r = try client.sql("SELECT v FROM sq ORDER BY id")
            let rows = ((r.object["results"] as? [[String: Any]])?.first?["rows"] as? [[String: Any]]) ?? []
            XCTAssertFalse(rows.contains { $0["v"] as? String == "in flight" }, "the open transaction's write is gone")
        }
        XCTAssertEqual(try client.sql("INSERT INTO sq (v) VALUES ('d')").status, 200)
        let r = try client.sql("SELECT id, v FROM sq ORDER BY id")
        let rows = ((r.object["results"] as? [[String: Any]])?.first?["rows"] as? [[String: Any]]) ?? []
        XCTAssertEqual(rows.map { $0["v"] as? String ?? "" }, ["a", "b", "c", "d"])
        XCTAssertEqual(rows.last?["id"] as? Int, 4, "the sequence continues above every committed value")
        server.stop()
    }
}

import Foundation
import XCTest

/// Runs the golden sqllogictest files of `golden/` against the embedded
/// engine. Every failing record is reported as its own test failure, as
/// `file.slt:line: what differs`, followed by the record's SQL.
///
/// - One test method per known file (`swift test --filter SQLLogicTests.GoldenFileTests/testStrings`).
/// - `testOtherGoldenFiles` runs every other `golden/*.slt` (files moved in later).
/// - `testPendingGoldenFiles` runs `golden/pending/*.slt` only when
///   `HELIOS_SLT_PENDING=1`: features the engine does not support yet.
/// - `HELIOS_SLT_PATH=/some/dir/or/file.slt` makes `testExternalFiles` run
///   files from disk (no rebuild needed while writing a file).
/// - `HELIOS_SLT_ENGINE=postgresql` runs the records marked `skipif helios`
///   (known bugs) to see which pass now.
/// - `HELIOS_SLT_TRACE=1` prints each record's location to stderr before it
///   runs, to find the record when the engine crashes the test process.
final class GoldenFileTests: XCTestCase {
    static let knownFiles = [
        "types_and_casts", "null_logic", "arithmetic", "strings", "dml",
        "aggregates", "order_limit", "transactions", "errors",
    ]

    static var goldenDirectory: URL? {
        Bundle.module.url(forResource: "golden", withExtension: nil)
    }

    func testTypesAndCasts() { runGolden("types_and_casts") }
    func testNullLogic() { runGolden("null_logic") }
    func testArithmetic() { runGolden("arithmetic") }
    func testStrings() { runGolden("strings") }
    func testDML() { runGolden("dml") }
    func testAggregates() { runGolden("aggregates") }
    func testOrderLimit() { runGolden("order_limit") }
    func testTransactions() { runGolden("transactions") }
    func testErrors() { runGolden("errors") }

    func testOtherGoldenFiles() throws {
        let others = try Self.sltFiles(in: XCTUnwrap(Self.goldenDirectory))
            .filter { !Self.knownFiles.contains($0.deletingPathExtension().lastPathComponent) }
        for file in others { run(file, name: file.lastPathComponent) }
    }

    func testPendingGoldenFiles() throws {
        guard ProcessInfo.processInfo.environment["HELIOS_SLT_PENDING"] == "1" else {
            throw XCTSkip("golden/pending/*.slt run only with HELIOS_SLT_PENDING=1")
        }
        let pending = try XCTUnwrap(Self.goldenDirectory).appendingPathComponent("pending")
        let files = Self.sltFiles(in: pending)
        XCTAssertFalse(files.isEmpty, "no .slt files in \(pending.path)")
        for file in files { run(file, name: "pending/" + file.lastPathComponent) }
    }

    func testExternalFiles() throws {
        guard let path = ProcessInfo.processInfo.environment["HELIOS_SLT_PATH"], !path.isEmpty else {
            throw XCTSkip("set HELIOS_SLT_PATH to a .slt file or a directory of them")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return XCTFail("HELIOS_SLT_PATH: \(path) does not exist")
        }
        let url = URL(fileURLWithPath: path)
        let files = isDirectory.boolValue ? Self.sltFiles(in: url) : [url]
        for file in files { run(file, name: file.path) }
    }

    // MARK: - Helpers

    private func runGolden(_ name: String) {
        guard let directory = Self.goldenDirectory else { return XCTFail("the golden/ resource is missing") }
        let file = directory.appendingPathComponent(name + ".slt")
        guard FileManager.default.fileExists(atPath: file.path) else {
            return XCTFail("golden/\(name).slt does not exist")
        }
        run(file, name: name + ".slt")
    }

    private func run(_ file: URL, name: String) {
        let result = SLTRunner().run(file: file, displayName: name)
        print("[SLT] " + result.summary)
        for failure in result.failures {
            XCTFail(failure.description)
        }
        if result.records == 0 { XCTFail("\(name): no records") }
    }

    static func sltFiles(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".slt") }.sorted().map { directory.appendingPathComponent($0) }
    }
}

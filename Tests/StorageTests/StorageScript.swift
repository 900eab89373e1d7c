import Core
@testable import Storage
import XCTest

/// A tiny golden-script runner for MVCC tests, in the spirit of toydb's
/// `testscripts/mvcc/`. Each line is
///
///     <txn>: <command> [args…] [=> <expected>]
///
/// against one table `kv (k INTEGER PRIMARY KEY, v TEXT)` created before the script.
/// `#` starts a comment. Commands:
///
///     begin                     start transaction <txn>
///     get K          => V|none  read key K
///     scan           => K=V …   all visible rows, sorted by key ('-' for none)
///     insert K V     [=> E]     E is an SQLSTATE when the write must fail
///     update K V     [=> E]     replace the row at K
///     rekey K K2 V   [=> E]     update the row at K to (K2, V): moves the row
///     delete K
///     mark NAME / rollbackto NAME   savepoints
///     commit         [=> ok|readonly|scn N|E]   (default ok)
///     rollback
///     check: => N               (no txn) store.lastCommittedSCN
///
/// Values are bare words (`a`, `x1`) or `null`.
struct StorageScript {
    let store: any StorageEngine
    let table: TableSchema
    private var txns: [String: any StorageTransaction] = [:]
    private var marks: [String: StorageMark] = [:]

    init() throws {
        let store = MemoryStore()
        let setup = try store.begin(branch: .main)
        let schema = TableSchema(id: 0, name: "kv",
                                 columns: [ColumnSchema(name: "k", type: .integer, notNull: true),
                                           ColumnSchema(name: "v", type: .text)],
                                 primaryKey: [0])
        self.table = try setup.createTable(schema)
        _ = try setup.commit()
        self.store = store
    }

    mutating func run(_ script: String, file: StaticString = #filePath, line: UInt = #line) {
        for (number, rawLine) in script.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            if text.isEmpty { continue }
            step(text, context: "script line \(number + 1): \(text)", file: file, line: line)
        }
    }

    private mutating func step(_ text: String, context: String, file: StaticString, line: UInt) {
        let halves = text.components(separatedBy: "=>")
        let expected = halves.count > 1 ? halves[1].trimmingCharacters(in: .whitespaces) : nil
        guard let colon = halves[0].firstIndex(of: ":") else {
            return XCTFail("\(context): missing 'txn:'", file: file, line: line)
        }
        let name = String(halves[0][..<colon]).trimmingCharacters(in: .whitespaces)
        let words = halves[0][halves[0].index(after: colon)...].split(separator: " ").map(String.init)
        if name == "check" {
            XCTAssertEqual(store.lastCommittedSCN.description, expected, context, file: file, line: line)
            return
        }
        guard let command = words.first else { return XCTFail("\(context): no command", file: file, line: line) }
        let args = Array(words.dropFirst())

        if command == "begin" {
            do { txns[name] = try store.begin(branch: .main) } catch {
                XCTFail("\(context): begin failed: \(error)", file: file, line: line)
            }
            return
        }
        guard let txn = txns[name] else { return XCTFail("\(context): unknown txn \(name)", file: file, line: line) }

        switch command {
        case "get":
            let row = txn.get(table, key: RowKey(key(args[0])))
            XCTAssertEqual(row.map { $0[1].description } ?? "none", expected, context, file: file, line: line)
        case "scan":
            let rows = txn.scan(table).map(\.row).sorted { Value.order($0[0], $1[0]) < 0 }
            let shown = rows.isEmpty ? "-" : rows.map { "\($0[0])=\($0[1])" }.joined(separator: " ")
            XCTAssertEqual(shown, expected, context, file: file, line: line)
            for (key, row) in txn.scan(table) {
                XCTAssertEqual(key, RowKey(row[0]), "\(context): scan key matches row", file: file, line: line)
            }
        case "insert":
            expectOutcome(expected, context, file, line) { () throws(StorageError) in
                try txn.insert(table, row: [key(args[0]), value(args[1])])
            }
        case "update":
            expectOutcome(expected, context, file, line) { () throws(StorageError) in
                try txn.update(table, key: RowKey(key(args[0])), row: [key(args[0]), value(args[1])])
            }
        case "rekey":
            expectOutcome(expected, context, file, line) { () throws(StorageError) in
                try txn.update(table, key: RowKey(key(args[0])), row: [key(args[1]), value(args[2])])
            }
        case "delete":
            expectOutcome(expected, context, file, line) { () throws(StorageError) in
                try txn.delete(table, key: RowKey(key(args[0])))
            }
        case "mark":
            marks[args[0]] = txn.mark()
        case "rollbackto":
            guard let mark = marks[args[0]] else { return XCTFail("\(context): no mark", file: file, line: line) }
            txn.rollback(to: mark)
        case "rollback":
            txn.rollback()
            txns[name] = nil
        case "commit":
            commit(txn, expected: expected ?? "ok", context: context, file: file, line: line)
            txns[name] = nil
        default:
            XCTFail("\(context): unknown command \(command)", file: file, line: line)
        }
    }

    private func commit(_ txn: any StorageTransaction, expected: String, context: String,
                        file: StaticString, line: UInt) {
        let before = store.lastCommittedSCN
        do throws(StorageError) {
            let scn = try txn.commit()
            switch expected {
            case "ok":
                XCTAssertEqual(scn, before.next, "\(context): commit takes the next SCN", file: file, line: line)
            case "readonly":
                XCTAssertNil(scn, context, file: file, line: line)
                XCTAssertEqual(store.lastCommittedSCN, before, context, file: file, line: line)
            default:
                if expected.hasPrefix("scn ") {
                    XCTAssertEqual(scn?.description, String(expected.dropFirst(4)), context, file: file, line: line)
                } else {
                    XCTFail("\(context): committed at \(String(describing: scn)), expected \(expected)",
                            file: file, line: line)
                }
            }
        } catch {
            XCTAssertEqual(error.sqlState, expected, "\(context): \(error)", file: file, line: line)
            XCTAssertEqual(store.lastCommittedSCN, before, "\(context): a failed commit takes no SCN",
                           file: file, line: line)
        }
    }

    private func expectOutcome(_ expected: String?, _ context: String, _ file: StaticString, _ line: UInt,
                               _ body: () throws(StorageError) -> Void) {
        do throws(StorageError) {
            try body()
            if let expected, expected != "ok" {
                XCTFail("\(context): succeeded, expected \(expected)", file: file, line: line)
            }
        } catch {
            XCTAssertEqual(error.sqlState, expected ?? "ok", "\(context): \(error)", file: file, line: line)
        }
    }

    private func key(_ word: String) -> Value { Int64(word).map(Value.integer) ?? .text(word) }
    private func value(_ word: String) -> Value { word == "null" ? .null : .text(word) }
}

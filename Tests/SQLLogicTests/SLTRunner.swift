import Core
import Engine
import Foundation

/// One record that did not give the expected answer.
struct SLTFailure: CustomStringConvertible {
    var file: String
    var line: Int
    var sql: String
    var message: String

    var description: String {
        let indentedSQL = sql.split(separator: "\n", omittingEmptySubsequences: false)
            .map { "      " + $0 }.joined(separator: "\n")
        return "\(file):\(line): \(message)\n    SQL:\n\(indentedSQL)"
    }
}

struct SLTFileResult {
    var file: String
    var records = 0
    var passed = 0
    var skipped = 0
    var failures: [SLTFailure] = []
    /// Records not run because of `halt` or a parse error.
    var halted = false

    var summary: String {
        "\(file): \(records) records, \(passed) passed, \(failures.count) failed, \(skipped) skipped"
            + (halted ? " (halted)" : "")
    }
}

/// The last statement result of a request (the engine's StatementResult, copied).
struct Answer {
    var statementType: String
    var columns: [String]
    var columnTypes: [DataType]
    var rows: [Row]
    var affectedRows: Int
}

/// Runs sqllogictest records against an embedded `Database`. Each file gets a
/// fresh database; each record is one request (`db.execute`), so a record's
/// statements share one transaction unless they contain BEGIN/COMMIT. A
/// statement or query record is judged by the result of its last statement.
struct SLTRunner {
    /// The name `skipif` / `onlyif` match: `helios`, or HELIOS_SLT_ENGINE
    /// (e.g. `postgresql` runs the records skipped as Helios bugs, to see
    /// which of them pass now).
    static let engineName = ProcessInfo.processInfo.environment["HELIOS_SLT_ENGINE"].flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? "helios"
    /// Guard against runaway queries: each record must finish within this.
    var timeoutMilliseconds = 20_000
    /// Print each record's location before running it (HELIOS_SLT_TRACE=1),
    /// to find the record when the engine crashes the test process.
    var trace = ProcessInfo.processInfo.environment["HELIOS_SLT_TRACE"] == "1"

    func run(file: URL, displayName: String? = nil) -> SLTFileResult {
        let name = displayName ?? file.lastPathComponent
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            var result = SLTFileResult(file: name)
            result.failures.append(SLTFailure(file: name, line: 0, sql: "", message: "cannot read file: \(error)"))
            return result
        }
        return run(script: text, name: name)
    }

    func run(script: String, name: String) -> SLTFileResult {
        var result = SLTFileResult(file: name)
        let records: [SLTRecord]
        do {
            records = try SLTScript.parse(script)
        } catch {
            result.failures.append(SLTFailure(file: name, line: error.line, sql: "", message: "parse error: \(error.message)"))
            result.halted = true
            return result
        }
        let db = Database()
        var sortMode = SLTSortMode.nosort
        for record in records {
            if record.isTest { result.records += 1 }
            guard !result.halted else {
                if record.isTest { result.skipped += 1 }
                continue
            }
            guard record.runs(on: Self.engineName) else {
                if record.isTest { result.skipped += 1 }
                continue
            }
            switch record.kind {
            case .halt:
                result.halted = true
                continue
            case .sortMode(let mode):
                sortMode = mode
                continue
            default:
                break
            }
            if trace { FileHandle.standardError.write(Data("[SLT] \(name):\(record.line)\n".utf8)) }
            if let message = check(record, on: db, defaultSort: sortMode) {
                result.failures.append(SLTFailure(file: name, line: record.line, sql: record.sql, message: message))
            } else {
                result.passed += 1
            }
        }
        return result
    }

    /// nil when the record passes, else what went wrong.
    func check(_ record: SLTRecord, on db: Database, defaultSort: SLTSortMode) -> String? {
        let outcome: Result<Answer, EngineError>
        do {
            let results = try db.execute(SQLRequest(sql: record.sql, parameters: [],
                                                    timeoutMilliseconds: timeoutMilliseconds))
            guard let last = results.last else { return "the request returned no result at all" }
            outcome = .success(Answer(statementType: last.statementType, columns: last.columns,
                                      columnTypes: last.columnTypes, rows: last.rows, affectedRows: last.affectedRows))
        } catch {
            outcome = .failure(error)
        }
        switch (record.kind, outcome) {
        case (.statementOK, .success):
            return nil
        case (.statementCount(let expected), .success(let result)):
            return result.affectedRows == expected ? nil
                : "statement count: expected \(expected) affected rows, got \(result.affectedRows)"
        case (.statementError(let expectation), .failure(let error)), (.queryError(let expectation), .failure(let error)):
            return Self.mismatch(error, expectation)
        case (.statementError(let expectation), .success(let result)), (.queryError(let expectation), .success(let result)):
            let wanted = expectation.pattern.map { " (\($0))" } ?? expectation.message.map { " (\($0))" } ?? ""
            return "expected an error\(wanted), but the request succeeded"
                + (result.columns.isEmpty ? " (\(result.statementType), \(result.affectedRows) affected rows)"
                   : " with \(result.rows.count) row(s):\n" + Self.indent(Self.lines(of: result)))
        case (.statementOK, .failure(let error)), (.statementCount, .failure(let error)), (.query, .failure(let error)):
            return "unexpected error \(error.sqlState): \(error.message)" + (error.position.map { " (at position \($0))" } ?? "")
        case let (.query(types, sort, expected), .success(result)):
            return Self.compare(result, types: types, sort: sort ?? defaultSort, expected: expected)
        case (.halt, _), (.sortMode, _):
            return nil
        }
    }

    // MARK: - Errors

    /// nil when `error` is what the record expects.
    static func mismatch(_ error: EngineError, _ expectation: SLTErrorExpectation) -> String? {
        let actual = "\(error.sqlState): \(error.message)"
        if let message = expectation.message {
            let wanted = message.trimmingCharacters(in: .whitespacesAndNewlines)
            if error.message != wanted && actual != wanted {
                return "wrong error message:\n    expected: \(wanted)\n    actual:   \(actual)"
            }
        }
        if let pattern = expectation.pattern, !errorMatches(error, pattern) {
            return "wrong error: expected \(isSQLState(pattern) ? "SQLSTATE " : "")\(pattern)\n    actual: \(actual)"
        }
        return nil
    }

    static func isSQLState(_ s: String) -> Bool {
        s.count == 5 && s.allSatisfy { ($0.isASCII && $0.isNumber) || ($0.isASCII && $0.isUppercase) }
            && s.contains(where: \.isNumber)
    }

    /// An SQLSTATE equal to the error's, text appearing in the message, or a
    /// regular expression matching (part of) the message.
    static func errorMatches(_ error: EngineError, _ pattern: String) -> Bool {
        if isSQLState(pattern) { return error.sqlState == pattern }
        if error.message.contains(pattern) { return true }
        guard let regex = try? Regex(pattern) else { return false }
        return error.message.contains(regex)
    }

    // MARK: - Query results

    /// PostgreSQL's text output of one value, as sqllogictest-rs prints it.
    /// (No exhaustive switch: Value gains cases, e.g. dates, whose
    /// `description` already is PostgreSQL's output form.)
    static func text(_ value: Value) -> String {
        if value.isNull { return "NULL" }
        if case .boolean(let b) = value { return b ? "t" : "f" }
        if case .text(let s) = value { return s.isEmpty ? "(empty)" : s }
        return value.description
    }

    /// Collapses runs of whitespace to one space and trims, as sqllogictest-rs does.
    static func normalize(_ line: String) -> String {
        line.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func lines(of result: Answer) -> [String] {
        result.rows.map { row in normalize(row.map(text).joined(separator: " ")) }
    }

    /// I: integer types; R: double precision (or another non-integer
    /// number); B: boolean; T: text and every other type (dates, timestamps…
    /// print as text); ?: anything.
    static func typeLetter(matches type: DataType, _ letter: Character) -> Bool {
        switch letter {
        case "I": type.isInteger
        case "R": type.isNumeric && !type.isInteger
        case "B": type == .boolean
        case "T": !type.isNumeric && type != .boolean
        default: true
        }
    }

    static func compare(_ result: Answer, types: String, sort: SLTSortMode, expected: [String]) -> String? {
        var problems: [String] = []
        let letters = Array(types)
        if result.columns.count != letters.count {
            problems.append("expected \(letters.count) column(s) (\(types)), got \(result.columns.count): "
                            + result.columns.joined(separator: ", "))
        } else {
            for (i, letter) in letters.enumerated() where i < result.columnTypes.count {
                if !typeLetter(matches: result.columnTypes[i], letter) {
                    problems.append("column \(i + 1) (\(result.columns[i])): expected type \(letter), got \(result.columnTypes[i])")
                }
            }
        }
        var actual = lines(of: result)
        var wanted = expected.map(normalize)
        switch sort {
        case .nosort:
            break
        case .rowsort:
            actual.sort(); wanted.sort()
        case .valuesort:
            // One value per entry; a value containing spaces counts as several, on both sides.
            actual = actual.flatMap { $0.split(separator: " ").map(String.init) }.sorted()
            wanted = wanted.flatMap { $0.split(separator: " ").map(String.init) }.sorted()
        }
        if actual != wanted {
            var message = "query result differs (\(sort.rawValue))"
            if let k = (0..<max(wanted.count, actual.count)).first(where: { k in
                k >= wanted.count || k >= actual.count || wanted[k] != actual[k]
            }) {
                let e = k < wanted.count ? "\"\(wanted[k])\"" : "<no row>"
                let a = k < actual.count ? "\"\(actual[k])\"" : "<no row>"
                message += "; first difference at row \(k + 1): expected \(e), actual \(a)"
            }
            message += "\n    expected (\(wanted.count) rows):\n" + indent(wanted)
            message += "\n    actual (\(actual.count) rows):\n" + indent(actual)
            problems.append(message)
        }
        return problems.isEmpty ? nil : problems.joined(separator: "\n    ")
    }

    static func indent(_ lines: [String]) -> String {
        lines.isEmpty ? "      (none)" : lines.map { "      " + $0 }.joined(separator: "\n")
    }
}

import Foundation

// The sqllogictest-rs file format (`.slt`), as far as the golden files use it.
//
//   # comment                      (only between records)
//   skipif helios | onlyif helios  (lines right before a record; several allowed)
//   halt                           (stop the file here; may be conditional)
//   control sortmode rowsort       (default sort mode for the rest of the file)
//   hash-threshold N               (accepted and ignored)
//
//   statement ok | statement count N | statement error [pattern]
//   <SQL, one or more lines>
//   [----
//   <exact expected error message, statement error only>]
//
//   query <types> [nosort|rowsort|valuesort] [label] | query error [pattern]
//   <SQL>
//   ----
//   <one row per line, values separated by single spaces>
//
// A record ends at the first blank line. Type letters: I integer types,
// R double precision (or numeric), T text, B boolean, ? any.

/// What a record expects of an error.
struct SLTErrorExpectation: Equatable {
    /// The text after `statement error` / `query error`: an SQLSTATE, a
    /// substring of the message or a regular expression over it; nil = any error.
    var pattern: String?
    /// The lines after `----`: the exact error message.
    var message: String?
}

enum SLTSortMode: String, Equatable {
    case nosort, rowsort, valuesort
}

struct SLTCondition: Equatable {
    var only: Bool
    var engine: String

    /// Whether a record with this condition runs on `engine`.
    func allows(_ engine: String) -> Bool {
        only ? self.engine == engine : self.engine != engine
    }
}

struct SLTRecord: Equatable {
    enum Kind: Equatable {
        case statementOK
        case statementCount(Int)
        case statementError(SLTErrorExpectation)
        /// `sort` nil: the file's `control sortmode`, else nosort.
        case query(types: String, sort: SLTSortMode?, expected: [String])
        case queryError(SLTErrorExpectation)
        case halt
        case sortMode(SLTSortMode)
    }

    var kind: Kind
    /// 1-based line of the record's header.
    var line: Int
    var conditions: [SLTCondition] = []
    var sql: String = ""

    func runs(on engine: String) -> Bool { conditions.allSatisfy { $0.allows(engine) } }

    var isTest: Bool {
        switch kind {
        case .halt, .sortMode: false
        default: true
        }
    }
}

struct SLTParseError: Error, CustomStringConvertible {
    var line: Int
    var message: String
    var description: String { "line \(line): \(message)" }
}

enum SLTScript {
    static let typeLetters: Set<Character> = ["I", "R", "T", "B", "?"]

    static func parse(_ text: String) throws(SLTParseError) -> [SLTRecord] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        var records: [SLTRecord] = []
        var conditions: [SLTCondition] = []
        var conditionLine = 0
        var i = 0

        func isBlank(_ k: Int) -> Bool { lines[k].allSatisfy(\.isWhitespace) }

        /// Lines from `start` to the next blank line or `----` (exclusive).
        func block(from start: Int, stopAtSeparator: Bool) -> (lines: [String], next: Int) {
            var k = start, out: [String] = []
            while k < lines.count, !isBlank(k) {
                if stopAtSeparator, lines[k].trimmingCharacters(in: .whitespaces) == "----" { break }
                out.append(lines[k]); k += 1
            }
            return (out, k)
        }

        while i < lines.count {
            let trimmed = lines[i].trimmingCharacters(in: .whitespaces)
            let lineNumber = i + 1
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                if trimmed.isEmpty, !conditions.isEmpty {
                    throw SLTParseError(line: conditionLine, message: "skipif/onlyif must directly precede a record")
                }
                i += 1
                continue
            }
            var tokens = trimmed.split(whereSeparator: \.isWhitespace).map(String.init)
            let head = tokens[0]
            // Trailing comments on header lines (not on error patterns, which may contain '#').
            let isErrorHeader = (head == "statement" || head == "query") && tokens.count >= 2 && tokens[1] == "error"
            if !isErrorHeader, let hash = tokens.firstIndex(where: { $0.hasPrefix("#") }) {
                tokens.removeSubrange(hash...)
            }
            switch head {
            case "skipif", "onlyif":
                guard tokens.count == 2 else {
                    throw SLTParseError(line: lineNumber, message: "\(head) needs exactly one engine name")
                }
                if conditions.isEmpty { conditionLine = lineNumber }
                conditions.append(SLTCondition(only: head == "onlyif", engine: tokens[1].lowercased()))
                i += 1
                continue
            case "halt":
                records.append(SLTRecord(kind: .halt, line: lineNumber, conditions: conditions))
                conditions = []
                i += 1
                continue
            case "hash-threshold":
                i += 1
                continue
            case "control":
                guard tokens.count == 3, tokens[1] == "sortmode", let mode = SLTSortMode(rawValue: tokens[2]) else {
                    throw SLTParseError(line: lineNumber, message: "unsupported control directive: \(trimmed)")
                }
                records.append(SLTRecord(kind: .sortMode(mode), line: lineNumber, conditions: conditions))
                conditions = []
                i += 1
                continue
            case "statement", "query":
                break
            default:
                throw SLTParseError(line: lineNumber, message: "unsupported directive: \(trimmed)")
            }

            let (sqlLines, afterSQL) = block(from: i + 1, stopAtSeparator: true)
            guard !sqlLines.isEmpty else {
                throw SLTParseError(line: lineNumber, message: "record has no SQL")
            }
            var resultLines: [String]?
            var next = afterSQL
            if afterSQL < lines.count, !isBlank(afterSQL) {   // at "----"
                let (body, end) = block(from: afterSQL + 1, stopAtSeparator: false)
                resultLines = body
                next = end
            }
            let errorPattern: String? = {
                // Everything after "statement error" / "query error", verbatim.
                guard let range = trimmed.range(of: "error") else { return nil }
                let rest = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
                return rest.isEmpty ? nil : rest
            }()

            let kind: SLTRecord.Kind
            if head == "statement" {
                let mode = tokens.count > 1 ? tokens[1] : "ok"
                switch mode {
                case "ok":
                    guard tokens.count == 2 else { throw SLTParseError(line: lineNumber, message: "unexpected text after statement ok") }
                    kind = .statementOK
                case "count":
                    guard tokens.count == 3, let n = Int(tokens[2]), n >= 0 else {
                        throw SLTParseError(line: lineNumber, message: "statement count needs a row count")
                    }
                    kind = .statementCount(n)
                case "error":
                    kind = .statementError(SLTErrorExpectation(pattern: errorPattern,
                                                               message: resultLines.map { $0.joined(separator: "\n") }))
                    resultLines = nil
                default:
                    throw SLTParseError(line: lineNumber, message: "unknown statement mode \"\(mode)\"")
                }
                if resultLines != nil {
                    throw SLTParseError(line: lineNumber, message: "---- is only allowed after statement error or query")
                }
            } else {
                guard tokens.count >= 2 else { throw SLTParseError(line: lineNumber, message: "query needs column types") }
                if tokens[1] == "error" {
                    kind = .queryError(SLTErrorExpectation(pattern: errorPattern,
                                                           message: resultLines.map { $0.joined(separator: "\n") }))
                } else {
                    let types = tokens[1]
                    guard types.allSatisfy({ typeLetters.contains($0) }) else {
                        throw SLTParseError(line: lineNumber, message: "bad column types \"\(types)\" (use I R T B ?)")
                    }
                    var sort: SLTSortMode?
                    for option in tokens.dropFirst(2) {
                        if let mode = SLTSortMode(rawValue: option) {
                            guard sort == nil else { throw SLTParseError(line: lineNumber, message: "two sort modes") }
                            sort = mode
                        }
                        // anything else is a label, which is accepted and ignored
                    }
                    kind = .query(types: types, sort: sort, expected: resultLines ?? [])
                }
            }
            records.append(SLTRecord(kind: kind, line: lineNumber, conditions: conditions,
                                     sql: sqlLines.joined(separator: "\n")))
            conditions = []
            i = next
        }
        if !conditions.isEmpty {
            throw SLTParseError(line: conditionLine, message: "skipif/onlyif at the end of the file")
        }
        return records
    }
}

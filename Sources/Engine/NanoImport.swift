import Core
import SQL

/// What an import did (the answer of `POST /v1/import` and `heliosd import`).
public struct NanoImportReport: Sendable {
    /// "heliosdb-nano sql v2" or "heliosdb-nano sql v1".
    public var format: String
    public var branch: String
    /// Statements run (those left out are in `warnings`).
    public var statements: Int
    public var tablesCreated: [String]
    public var rowsInserted: Int
    public var indexesCreated: Int
    /// What was changed or left out to fit Helios, with dump line numbers.
    public var warnings: [String]
    public var milliseconds: Double
}

extension Database {
    /// Imports a HeliosDB Nano SQL dump (`NanoDump`) into `branch`, as one
    /// transaction: on any error nothing is applied, and the error names
    /// the statement and its line in the dump.
    public func importNanoDump(_ text: String, branch: String = "main") throws(EngineError) -> NanoImportReport {
        let started = ExecutionContext.now()
        let branchID = try resolveBranch(branch)
        let dump = try NanoDump.read(text)
        // Tables the branch has already: CREATE TABLE IF NOT EXISTS keeps them.
        var existing: Set<String>
        do {
            let reader = try storage.begin(branch: branchID)
            existing = Set(reader.tableNames())
            reader.rollback()
        } catch {
            throw EngineError(error)
        }
        let session = Session(database: self, branch: branchID, readSCN: nil)
        let context = ExecutionContext(parameters: [], deadline: nil)
        var report = NanoImportReport(format: dump.format.rawValue, branch: branch, statements: 0, tablesCreated: [],
                                      rowsInserted: 0, indexesCreated: 0, warnings: dump.warnings, milliseconds: 0)
        do throws(EngineError) {
            for source in dump.statements {
                let parsed: [Statement]
                do { parsed = try Parser.parse(source.text) } catch { throw Self.located(EngineError(error), source) }
                for statement in parsed {
                    try Self.admit(statement, source)
                    let result: StatementResult
                    do { result = try session.run(statement, context: context) } catch { throw Self.located(EngineError(error), source) }
                    report.statements += 1
                    switch result.statementType {
                    case "INSERT": report.rowsInserted += result.affectedRows
                    case "CREATE INDEX": report.indexesCreated += 1
                    case "CREATE TABLE":
                        guard case .createTable(let create) = statement else { break }
                        if existing.insert(create.name).inserted {
                            report.tablesCreated.append(create.name)
                        } else {
                            report.warnings.append("line \(source.line): table \(create.name) already existed: its definition was kept and the dump's rows go into it")
                        }
                    default: break
                    }
                }
            }
            try session.finish()
        } catch {
            session.fail()
            throw error
        }
        report.milliseconds = Double(ExecutionContext.now() - started) / 1e6
        return report
    }

    /// What a dump is made of: tables, views, rows, indexes and
    /// constraints. Anything else (DROP, branch statements, transaction
    /// control, queries) is refused before it runs, so a failed import
    /// leaves nothing behind: those would act outside the transaction.
    private static func admit(_ statement: Statement, _ source: NanoDump.Statement) throws(EngineError) {
        switch statement {
        case .createTable, .createView, .createIndex, .insert: return
        case .alterTable(let alter):
            switch alter.action {
            case .addConstraint, .addColumn: return
            default: break
            }
        default: break
        }
        throw located(EngineError(SQLState.featureNotSupported,
                                  "\(statement.tag) is not part of a dump (an import creates tables, views and indexes, inserts rows and adds columns and constraints)"),
                      source)
    }

    private static func located(_ error: EngineError, _ source: NanoDump.Statement) -> EngineError {
        let text = source.text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        let excerpt = text.count > 80 ? String(text.prefix(77)) + "..." : text
        return EngineError(error.sqlState, "dump statement \(source.number) (line \(source.line)): \(error.message) [\(excerpt)]")
    }
}

import Core
import SQL
import Storage

/// Branch statements: CREATE/DROP/MERGE/USE BRANCH, SHOW BRANCHES and
/// VACUUM. They act on the store's branch registry directly, outside the
/// request's transaction (like PostgreSQL's CREATE DATABASE, they are not
/// undone by a later ROLLBACK).
extension Session {
    func runBranchStatement(_ statement: Statement, context: ExecutionContext) throws(EngineError) -> StatementResult {
        let storage = database.storage
        do {
            // A request reading the past (as_of) writes nothing, branches included.
            if readSCN != nil {
                switch statement {
                case .createBranch, .dropBranch, .mergeBranch, .vacuum:
                    throw EngineError("25006", "cannot change branches in a read-only request: it reads the past (as_of)")
                default: break
                }
            }
            if case .createBranch = statement { try settlePendingWrites() }
            switch statement {
            case .createBranch(let create):
                return try createBranch(create, context: context)
            case let .dropBranch(name, ifExists, _):
                if ifExists && storage.branchID(named: name) == nil { return StatementResult(statementType: "DROP BRANCH") }
                try storage.dropBranch(name: name)
                return StatementResult(statementType: "DROP BRANCH")
            case .mergeBranch(let merge):
                return try mergeBranch(merge, context: context)
            case let .useBranch(name, position):
                guard let id = storage.branchID(named: name) else {
                    throw EngineError("3D000", "branch \"\(name)\" not found", position: position)
                }
                if state.explicit || state.transaction?.hasWrites == true {
                    throw EngineError("25001", "USE BRANCH cannot run inside a transaction that has begun or written; commit first",
                                      position: position)
                }
                state.transaction?.rollback()
                state.transaction = nil
                branch = id
                return StatementResult(statementType: "USE BRANCH")
            case .showBranches:
                let view = SystemViews.branches(storage)
                return StatementResult(statementType: "SELECT", columns: view.columns.map(\.name),
                                       columnTypes: view.columns.map(\.type), rows: view.rows)
            case .vacuum:
                let report = database.collectHistory()
                return StatementResult(statementType: "VACUUM", columns: ["horizon_scn", "versions_collected", "commits_collected"],
                                       columnTypes: [.bigint, .bigint, .bigint],
                                       rows: [[.integer(Int64(report.horizonSCN.rawValue)), .integer(Int64(report.versionsCollected)),
                                               .integer(Int64(report.commitsCollected))]])
            default:
                throw EngineError(SQLState.internalError, "not a branch statement")
            }
        } catch let error as EngineError {
            throw error
        } catch let error as any DatabaseError {
            throw EngineError(error)
        } catch {
            throw EngineError(SQLState.internalError, "\(error)")
        }
    }

    private func createBranch(_ create: CreateBranch, context: ExecutionContext) throws -> StatementResult {
        let storage = database.storage
        let result = StatementResult(statementType: "CREATE BRANCH")
        for option in create.options {
            let value = try constant(option.value, context)
            switch option.name {
            case "replication_factor":
                guard case .integer(let n) = value, n >= 1 else {
                    throw EngineError("22023", "replication_factor must be a positive integer", position: option.position)
                }
            case "region":
                guard case .text = value else { throw EngineError("22023", "region must be a string", position: option.position) }
            default:
                throw EngineError("22023", "unknown branch option: \(option.name)", position: option.position)
            }
        }
        if storage.branchID(named: create.name) != nil {
            if create.ifNotExists { return result }
            throw EngineError("42710", "branch \"\(create.name)\" already exists", position: create.position)
        }
        let parent = try create.parent ?? currentBranchName()
        guard let parentID = storage.branchID(named: parent) else {
            throw EngineError("3D000", "branch \"\(parent)\" not found", position: create.position)
        }
        var scn: SCN?
        if let point = create.asOf {
            scn = try storage.resolve(Executor.historyPoint(point, on: try current(), context: context, position: create.position))
        } else if parentID == branch, let open = state.transaction {
            // AS OF NOW from inside a transaction: the state it reads.
            scn = open.snapshotSCN
        }
        try storage.createBranch(name: create.name, parent: parent, at: scn)
        return result
    }

    private func mergeBranch(_ merge: MergeBranch, context: ExecutionContext) throws -> StatementResult {
        var strategy = MergeStrategy.fail
        var deleteAfter = false
        for option in merge.options {
            let value = try constant(option.value, context)
            switch option.name {
            case "strategy", "conflict_resolution":
                guard case .text(let name) = value, let s = MergeStrategy(name: name) else {
                    throw EngineError("22023", "unknown merge strategy \(value.description): use fail, ours, theirs, target_wins or branch_wins",
                                      position: option.position)
                }
                strategy = s
            case "delete_branch_after":
                guard case .boolean(let b) = try constant(option.value, context, as: .boolean) else {
                    throw EngineError("22023", "delete_branch_after must be a boolean", position: option.position)
                }
                deleteAfter = b
            default:
                throw EngineError("22023", "unknown merge option: \(option.name)", position: option.position)
            }
        }
        let outcome = try database.store.merge(source: merge.source, into: merge.target, strategy: strategy,
                                               deleteSource: deleteAfter)
        if !outcome.completed { throw MergeConflictError(outcome) }
        return StatementResult(statementType: "MERGE BRANCH", columns: ["merge_scn", "merged_keys", "conflicts", "completed"],
                               columnTypes: [.bigint, .bigint, .bigint, .boolean],
                               rows: [[outcome.scn.map { .integer(Int64($0.rawValue)) } ?? .null, .integer(Int64(outcome.mergedKeys)),
                                       .integer(Int64(outcome.conflicts.count)), .boolean(outcome.completed)]],
                               affectedRows: outcome.mergedKeys)
    }

    /// CREATE BRANCH forks from committed state: writes made earlier in the
    /// same request are committed first, so the branch sees them (a
    /// statement boundary, as PostgreSQL's CREATE DATABASE cannot share a
    /// transaction). Inside an explicit BEGIN block that would break the
    /// block, so it is refused. MERGE BRANCH commits on its own; a request's
    /// other writes stay in the request's transaction.
    private func settlePendingWrites() throws {
        guard let open = state.transaction, open.hasWrites else { return }
        if state.explicit {
            throw EngineError("25001", "CREATE/MERGE BRANCH cannot run inside a transaction block that has written; commit first")
        }
        try commitCurrent()
    }

    func currentBranchName() throws -> String {
        guard let name = database.storage.branchName(of: branch) else {
            throw EngineError("3D000", "branch \(branch) not found")
        }
        return name
    }

    private func constant(_ e: Expression, _ context: ExecutionContext, as type: DataType? = nil) throws -> Value {
        let access = try current()
        return try Executor.evaluateConstant(e, on: access, context: context, as: type)
    }
}

/// A merge with the `fail` strategy met conflicts: nothing was applied.
struct MergeConflictError: DatabaseError {
    let outcome: MergeOutcome
    init(_ outcome: MergeOutcome) { self.outcome = outcome }
    var sqlState: String { "HB001" }
    var message: String {
        let keys = outcome.conflicts.prefix(10).map { "\($0.table) key \($0.key)" }.joined(separator: ", ")
        return "merge has \(outcome.conflicts.count) conflict\(outcome.conflicts.count == 1 ? "" : "s") (\(keys)); nothing was applied (use strategy 'ours' or 'theirs' to resolve)"
    }
    var position: Int? { nil }
}

import Core
import Vector

/// Runs one parsed statement against a transaction's data. Transaction
/// control (BEGIN/COMMIT/ROLLBACK) belongs to the engine, not here.
public enum Executor {
    public static func execute(_ statement: Statement, on data: any SQLDataAccess,
                               context: ExecutionContext) throws(SQLError) -> StatementResult {
        try context.checkDeadline()
        switch statement {
        case .select(let query):
            if let answer = PointSelect.run(query, on: data, context: context) { return answer }
            let planner = Planner(data: data, parameters: context.parameters)
            let planned = try planner.planQuery(query, outer: nil, correlation: CorrelationFlag())
            let rows = try PlanRunner(data: data, context: context).run(planned.plan)
            return StatementResult(statementType: "SELECT", columns: planned.columns.map(\.name),
                                   columnTypes: planned.columns.map(\.type), rows: rows)
        case let .explain(inner, analyze):
            return try explain(inner, analyze: analyze, on: data, context: context)
        case .insert(let insert):
            return try WriteExecutor(data: data, context: context).insert(insert)
        case .update(let update):
            return try WriteExecutor(data: data, context: context).update(update)
        case .delete(let delete):
            return try WriteExecutor(data: data, context: context).delete(delete)
        case .createTable(let create):
            return try SchemaExecutor(data: data, context: context).createTable(create)
        case .dropTable(let drop):
            return try SchemaExecutor(data: data, context: context).dropTable(drop)
        case .createView(let view):
            return try SchemaExecutor(data: data, context: context).createView(view)
        case .dropView(let drop):
            return try SchemaExecutor(data: data, context: context).dropView(drop)
        case .createIndex(let index):
            return try SchemaExecutor(data: data, context: context).createIndex(index)
        case .dropIndex(let drop):
            return try SchemaExecutor(data: data, context: context).dropIndex(drop)
        case .alterTable(let alter):
            return try SchemaExecutor(data: data, context: context).alterTable(alter)
        case let .truncate(names, position):
            return try WriteExecutor(data: data, context: context).truncate(names, position: position)
        default:
            throw SQLError(SQLState.featureNotSupported, "\(statement.tag) is handled by the session")
        }
    }

    /// EXPLAIN: the plan tree of a query, one operator per row.
    /// With ANALYZE the statement also runs (as in PostgreSQL) and the
    /// answer ends with its row count and time.
    static func explain(_ statement: Statement, analyze: Bool, on data: any SQLDataAccess,
                        context: ExecutionContext) throws(SQLError) -> StatementResult {
        var lines: [String]
        switch statement {
        case .select(let query):
            let planner = Planner(data: data, parameters: context.parameters)
            // A quantized index cannot search on its codes before its
            // quantizer trains: the scan is exact until then, and EXPLAIN says so.
            lines = try planner.planQuery(query, outer: nil, correlation: CorrelationFlag()).plan.explain { table, index in
                data.vectorIndexUntrainedUntil(table, index: index).map {
                    "Strategy: exact scan (the quantizer trains at \($0) vectors)"
                }
            }
        default:
            lines = ["\(statement.tag) on the rows its WHERE clause selects"]
        }
        if analyze {
            let started = ExecutionContext.now()
            var context = context
            let log = VectorSearchLog()
            context.vectorSearchLog = log
            let result = try execute(statement, on: data, context: context)
            let ms = Double(ExecutionContext.now() - started) / 1_000_000
            for stats in log.searches {
                lines.append("Vector Search: strategy=\(stats.strategy) ef_search=\(stats.efSearch) candidates_examined=\(stats.candidatesExamined) reranked=\(stats.reranked) filter_exhausted=\(stats.filterExhausted)")
            }
            lines.append("Rows: \(statement.tag == "SELECT" ? result.rows.count : result.affectedRows)")
            lines.append("Execution Time: \(Value.format((ms * 1000).rounded() / 1000)) ms")
        }
        return StatementResult(statementType: "EXPLAIN", columns: ["QUERY PLAN"], columnTypes: [.text],
                               rows: lines.map { [.text($0)] })
    }

    /// Evaluates an expression that reads no row (a statement option, an
    /// AS OF point), cast to `type` when given.
    public static func evaluateConstant(_ e: Expression, on data: any SQLDataAccess, context: ExecutionContext,
                                        as type: DataType? = nil) throws(SQLError) -> Value {
        let (bound, _) = try Binder(columns: [], parameters: context.parameters).bind(e)
        let value = try bound.evaluate([], Environment(runner: PlanRunner(data: data, context: context)))
        return try type.map { (t) throws(SQLError) in try Casts.cast(value, to: t, explicit: true) } ?? value
    }

    /// The history point an `AS OF` clause names, its expressions evaluated
    /// (SCN and transaction as non-negative integers, TIMESTAMP as a
    /// timestamp, date or text).
    public static func historyPoint(_ point: TemporalPoint, on data: any SQLDataAccess, context: ExecutionContext,
                                    position: Int? = nil) throws(SQLError) -> HistoryPoint {
        func number(_ e: Expression, _ what: String) throws(SQLError) -> UInt64 {
            guard case .integer(let n) = try evaluateConstant(e, on: data, context: context, as: .bigint), n >= 0 else {
                throw SQLError(SQLState.invalidParameterValue, "\(what) must be a non-negative integer", position: position)
            }
            return UInt64(n)
        }
        switch point {
        case .now: return .now
        case .scn(let e): return .scn(SCN(try number(e, "SCN")))
        case .transaction(let e): return .transaction(TransactionID(rawValue: try number(e, "transaction id")))
        case .timestamp(let e):
            let value = try evaluateConstant(e, on: data, context: context)
            switch value {
            case .timestamp(let micros, _): return .timestamp(micros: micros)
            case .date(let days): return .timestamp(micros: try Temporal.midnight(days))
            case .text:
                guard case .timestamp(let micros, _) = try Casts.cast(value, to: .timestampWithTimeZone) else {
                    throw SQLError("22007", "invalid timestamp for AS OF", position: position)
                }
                return .timestamp(micros: micros)
            default:
                throw SQLError(SQLState.datatypeMismatch, "AS OF TIMESTAMP needs a timestamp, not \(Casts.typeName(value))",
                               position: position)
            }
        }
    }

    static func table(_ name: String, in data: any SQLDataAccess, position: Int) throws(SQLError) -> TableSchema {
        guard let table = data.table(named: name) else {
            throw SQLError(SQLState.undefinedTable, "relation \"\(name)\" does not exist", position: position)
        }
        return table
    }

    /// Runs a storage call, converting its error into this layer's type
    /// (keeping the SQLSTATE and message).
    public static func storage<T>(_ body: () throws -> T) throws(SQLError) -> T {
        do {
            return try body()
        } catch let error as SQLError {
            throw error
        } catch let error as any DatabaseError {
            throw SQLError(error.sqlState, error.message)
        } catch {
            throw SQLError(SQLState.internalError, "\(error)")
        }
    }
}


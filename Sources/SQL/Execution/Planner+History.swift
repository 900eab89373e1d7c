import Core

/// Time travel in FROM: `t AS OF …` reads the table (and, through a view,
/// every table inside it) after a past commit; `t VERSIONS BETWEEN …`
/// lists every version of its rows in a range of commits, with Oracle's
/// version pseudo-columns appended.
extension Planner {
    /// The SCN an `AS OF` point names (errors say "not found" for unknown,
    /// future or collected points).
    func resolveHistory(_ point: TemporalPoint, position: Int) throws(SQLError) -> SCN {
        let history = try Executor.historyPoint(point, on: data, context: ExecutionContext(parameters: parameters),
                                                position: position)
        do {
            return try data.resolve(history)
        } catch let error as any DatabaseError {
            throw SQLError(error.sqlState, error.message, position: position)
        } catch {
            throw SQLError(SQLState.internalError, "\(error)", position: position)
        }
    }

    /// `t VERSIONS BETWEEN a AND b`.
    func planVersions(_ reference: TableReference, _ from: TemporalPoint, _ through: TemporalPoint,
                      label: String) throws(SQLError) -> Relation {
        let low = try resolveHistory(from, position: reference.position)
        let high = try resolveHistory(through, position: reference.position)
        guard let table = data.table(named: reference.name, at: high) ?? data.table(named: reference.name) else {
            throw SQLError(SQLState.undefinedTable, "relation \"\(reference.name)\" does not exist", position: reference.position)
        }
        if table.isView {
            throw SQLError(SQLState.featureNotSupported, "VERSIONS BETWEEN needs a table, not the view \"\(table.name)\"",
                           position: reference.position)
        }
        let data = self.data
        let width = table.columns.count
        let plan = Plan.generated(name: "\(table.name) versions") { _ in
            data.versions(of: table, from: low, through: high).map { version -> Row in
                var row = Array(version.row.prefix(width))
                while row.count < width { row.append(.null) }
                row.append(.integer(Int64(version.startSCN.rawValue)))
                row.append(version.endSCN.map { .integer(Int64($0.rawValue)) } ?? .null)
                row.append(version.transactionID.map { .integer(Int64($0.rawValue)) } ?? .null)
                row.append(.text(version.operation))
                row.append(version.startMicros.map { .timestamp($0, zoned: true) } ?? .null)
                row.append(version.endMicros.map { .timestamp($0, zoned: true) } ?? .null)
                return row
            }
        }
        var columns = table.columns.map { ScopeColumn(table: label, name: $0.name, type: $0.type) }
        columns += [("versions_startscn", DataType.bigint), ("versions_endscn", .bigint), ("versions_xid", .bigint),
                    ("versions_operation", .text), ("versions_starttime", .timestampWithTimeZone), ("versions_endtime", .timestampWithTimeZone)]
            .map { ScopeColumn(table: label, name: $0.0, type: $0.1) }
        return Relation(plan: plan, columns: Self.rename(columns, reference.columnAliases, table: label), label: label)
    }

    /// Engine views called as functions: `pg_database_branches()`,
    /// `pg_branch_stats(['branch'])`; one argument filters the first column.
    func engineFunctionView(_ name: String, _ arguments: [Expression],
                            binder: Binder) throws(SQLError) -> (plan: Plan, columns: [ScopeColumn])? {
        guard let content = data.systemView(named: name) else { return nil }
        let columns = content.columns.map { ScopeColumn(table: nil, name: $0.name, type: $0.type) }
        let bound = try arguments.first.map { (argument) throws(SQLError) in try binder.bind(argument).0 }
        let data = self.data
        let plan = Plan.generated(name: name) { (env) throws(SQLError) in
            guard let bound else { return content.rows }
            let wanted = try bound.evaluate([], env)
            if let special = data.systemView(named: name, argument: wanted) { return special.rows }
            return content.rows.filter { $0.first == wanted }
        }
        return (plan, columns)
    }
}

import Core

/// The SELECT list bound to expressions, with output names and types, plus
/// hidden trailing columns for ORDER BY expressions not in the list.
struct Projection {
    var expressions: [BoundExpression] = []
    var names: [String] = []
    var types: [DataType] = []
    var order: [SortKey] = []
    var hiddenCount = 0

    static func bind(_ select: Select, orderBy: [OrderItem] = [], binder: Binder, scope: [ScopeColumn]) throws(SQLError) -> Projection {
        var p = Projection()
        for item in select.items {
            switch item {
            case let .wildcard(table, position):
                if binder.isAggregating {
                    throw SQLError(SQLState.groupingError, "column \"\(scope.first?.name ?? "*")\" must appear in the GROUP BY clause or be used in an aggregate function", position: position)
                }
                let matching = scope.enumerated().filter { table == nil || $0.element.table == table }
                if matching.isEmpty {
                    if let table { throw SQLError(SQLState.undefinedTable, "missing FROM-clause entry for table \"\(table)\"", position: position) }
                    throw SQLError(SQLState.syntaxError, "SELECT * with no tables specified is not valid", position: position)
                }
                for (i, column) in matching {
                    p.expressions.append(.slot(i)); p.names.append(column.name); p.types.append(column.type)
                }
            case let .expression(e, alias):
                let (b, t) = try binder.bind(e)
                p.expressions.append(b)
                p.names.append(alias ?? Self.derivedName(e))
                p.types.append(t ?? .text)
            }
        }
        for item in orderBy {
            let slot = try p.slot(for: item.expression, binder: binder, distinct: select.distinct)
            p.order.append(SortKey(slot: slot, descending: item.descending, nullsFirst: item.nullsFirst))
        }
        return p
    }

    /// ORDER BY resolves an ordinal, then an output column name, then any
    /// expression over the input (added as a hidden column).
    private mutating func slot(for e: Expression, binder: Binder, distinct: Bool) throws(SQLError) -> Int {
        let visible = names.count
        if case .literal(.integer(let n), let position) = e {
            guard n >= 1, n <= visible else {
                throw SQLError("42P10", "ORDER BY position \(n) is not in select list", position: position)
            }
            return Int(n) - 1
        }
        if case .column(nil, let name, _) = e {
            let matches = names.indices.filter { names[$0] == name }
            if matches.count == 1 { return matches[0] }
        }
        let (b, t) = try binder.bind(e)
        if distinct {
            throw SQLError("42P10", "for SELECT DISTINCT, ORDER BY expressions must appear in select list", position: e.position)
        }
        _ = t
        expressions.append(b)
        hiddenCount += 1
        return expressions.count - 1
    }

    /// PostgreSQL's output column name for an unaliased expression.
    static func derivedName(_ e: Expression) -> String {
        switch e {
        case .column(_, let name, _): name
        case .function(let name, _, _, _, _): name
        case .cast(let inner, let type, _):
            if case .column = inner { derivedName(inner) } else { castName(type) }
        case .caseWhen: "case"
        default: "?column?"
        }
    }

    private static func castName(_ type: DataType) -> String {
        switch type {
        case .smallint: "int2"
        case .integer: "int4"
        case .bigint: "int8"
        case .double: "float8"
        case .text: "text"
        case .boolean: "bool"
        }
    }
}

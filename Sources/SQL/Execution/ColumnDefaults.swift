import Core

/// Column defaults. A default without function calls is a constant,
/// evaluated once at CREATE TABLE / ADD COLUMN and stored as a value; one
/// that calls functions (`now()`, `random()`, `gen_random_uuid()`) is kept
/// as SQL text and evaluated for each row it fills, as in PostgreSQL.
enum ColumnDefaults {
    /// Whether `e` must be evaluated per row: any function call, or a form
    /// not known to be constant (per-row evaluation is always right).
    static func isPerRow(_ e: Expression) -> Bool {
        switch e {
        case .literal, .parameter: false
        case .unary(_, let a, _), .cast(let a, _, _), .isNull(let a, _, _), .isTruth(let a, _, _, _): isPerRow(a)
        case .binary(_, let a, let b, _), .isDistinctFrom(let a, let b, _, _): isPerRow(a) || isPerRow(b)
        default: true
        }
    }

    /// Sets `column`'s default from `e`: a checked constant, or the text of
    /// a per-row expression (checked by evaluating it once).
    static func define(_ e: Expression, on column: inout ColumnSchema, parameters: [Value], env: Environment) throws(SQLError) {
        let (bound, _) = try Binder(columns: [], parameters: parameters).bind(e)
        let value = try Casts.cast(bound.evaluate([], env), to: column.type)
        if isPerRow(e) {
            column.defaultExpression = try ExpressionPrinter.sql(e)
            column.defaultValue = nil
        } else {
            column.defaultValue = value
        }
    }

    /// A column's default as an expression: its per-row expression bound
    /// (parsed from the catalog's text), or its constant.
    static func expression(_ column: ColumnSchema) throws(SQLError) -> BoundExpression {
        guard let text = column.defaultExpression else { return .constant(column.defaultValue ?? .null) }
        guard case .select(let query)? = try Parser.parse("SELECT " + text).first,
              case .select(let select) = query.body, case .expression(let e, _)? = select.items.first else {
            throw SQLError(SQLState.internalError, "stored default of column \"\(column.name)\" does not parse: \(text)")
        }
        return try Binder(columns: [], parameters: []).bind(e).0
    }

    /// A table's per-row defaults, bound once for a statement.
    static func perRow(_ table: TableSchema) throws(SQLError) -> [(column: Int, expression: BoundExpression)] {
        var result: [(Int, BoundExpression)] = []
        for (i, column) in table.columns.enumerated() where column.defaultExpression != nil {
            result.append((i, try expression(column)))
        }
        return result
    }

    /// A column's default for one row.
    static func value(_ column: ColumnSchema, env: Environment) throws(SQLError) -> Value {
        try Casts.cast(expression(column).evaluate([], env), to: column.type)
    }
}

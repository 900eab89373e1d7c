import Core

/// A physical query plan: a tree of operators, each producing rows (arrays
/// of values) from its children. Row layouts are positional: a join's row
/// is the left row followed by the right row; an aggregate's row is the
/// group keys followed by the aggregate results; a window node appends one
/// column per window function.
indirect enum Plan {
    /// Literal rows (VALUES, or one empty row for SELECT without FROM).
    case values([[BoundExpression]])
    case scan(TableSchema)
    /// Point lookups by primary key; each entry is one key's expressions.
    case keyLookup(TableSchema, [[BoundExpression]])
    /// Rows whose `column` lies between the bounds, through an ordered index.
    case indexRange(TableSchema, column: Int, lower: BoundExpression?, lowerInclusive: Bool,
                    upper: BoundExpression?, upperInclusive: Bool)
    /// Rows of a WITH query, computed once per statement.
    case commonTable(CommonTableResult)
    /// The working set of a recursive WITH query during iteration.
    case recursiveWorkingSet(CommonTableResult)
    case filter(Plan, BoundExpression)
    case project(Plan, [BoundExpression])
    case nestedLoopJoin(Plan, Plan, JoinKind, condition: BoundExpression?, leftWidth: Int, rightWidth: Int)
    case hashJoin(Plan, Plan, JoinKind, leftKeys: [BoundExpression], rightKeys: [BoundExpression],
                  residual: BoundExpression?, leftWidth: Int, rightWidth: Int)
    /// Semi (EXISTS/IN) or anti (NOT EXISTS) join: keeps left rows by whether a match exists.
    case semiJoin(Plan, Plan, leftKeys: [BoundExpression], rightKeys: [BoundExpression], anti: Bool)
    case aggregate(Plan, groupKeys: [BoundExpression], aggregates: [AggregateCall])
    case window(Plan, [WindowCall])
    /// DISTINCT (all columns) or DISTINCT ON (the given expressions, first row per value).
    case distinct(Plan, on: [BoundExpression]?)
    case sort(Plan, [PlanSortKey])
    /// ORDER BY … LIMIT n: keeps only the best n (+ offset) rows while reading.
    case topN(Plan, [PlanSortKey], count: BoundExpression, offset: BoundExpression?)
    case limit(Plan, count: BoundExpression?, offset: BoundExpression?)
    /// LIMIT over sorted input, with the rows that tie with the last one kept.
    case limitWithTies(Plan, [PlanSortKey], count: BoundExpression, offset: BoundExpression?)
    case setOperation(SetOperator, all: Bool, Plan, Plan)
    case recursiveUnion(anchor: Plan, recursive: Plan, all: Bool, table: CommonTableResult)
    /// Keeps the first `width` columns (drops hidden sort columns).
    case truncate(Plan, width: Int)
    /// Rows produced by a callback at run time (system views and table functions).
    case generated(name: String, produce: (Environment) throws(SQLError) -> [Row])
    /// The nearest rows by an HNSW index (see VectorScan.swift).
    case vectorScan(TableSchema, VectorScanSpec)
    /// `left JOIN LATERAL right`: the right plan runs once per left row,
    /// which it reads as its enclosing row (inner or left join).
    case lateralJoin(Plan, Plan, JoinKind, condition: BoundExpression?, leftWidth: Int, rightWidth: Int)
}

struct PlanSortKey {
    var expression: BoundExpression
    var descending: Bool
    var nullsFirst: Bool?
}

/// The result of a WITH query: planned once, run at most once per statement.
final class CommonTableResult {
    let name: String
    var plan: Plan?
    var rows: [Row]?
    var columns: [ScopeColumn]
    init(name: String, columns: [ScopeColumn]) { self.name = name; self.columns = columns }
}

extension JoinKind {
    var title: String { rawValue.prefix(1) + rawValue.dropFirst().lowercased() }
}

extension Plan {
    /// The plan tree as EXPLAIN prints it, one operator per line;
    /// `vectorNote` may add a line under an HNSW scan (table, index name).
    func explain(indent: Int = 0, vectorNote: ((TableSchema, String) -> String?)? = nil) -> [String] {
        let pad = String(repeating: "  ", count: indent) + (indent > 0 ? "-> " : "")
        func child(_ p: Plan) -> [String] { p.explain(indent: indent + 1, vectorNote: vectorNote) }
        switch self {
        case .values(let rows): return [pad + "Values (\(rows.count) row\(rows.count == 1 ? "" : "s"))"]
        case .scan(let t): return [pad + "Seq Scan on \(t.name)"]
        case let .keyLookup(t, keys): return [pad + "Primary Key Lookup on \(t.name) (\(keys.count) key\(keys.count == 1 ? "" : "s"))"]
        case let .indexRange(t, column, _, _, _, _):
            return [pad + "Index Range Scan on \(t.name) (\(t.columns[column].name))"]
        case .commonTable(let c): return [pad + "CTE Scan on \(c.name)"]
        case .recursiveWorkingSet(let c): return [pad + "WorkTable Scan on \(c.name)"]
        case let .filter(p, _): return [pad + "Filter"] + child(p)
        case let .project(p, e): return [pad + "Project (\(e.count) column\(e.count == 1 ? "" : "s"))"] + child(p)
        case let .nestedLoopJoin(l, r, kind, condition, _, _):
            return [pad + "Nested Loop \(kind.title) Join\(condition == nil ? "" : " (condition)")"] + child(l) + child(r)
        case let .lateralJoin(l, r, kind, condition, _, _):
            return [pad + "Nested Loop \(kind.title) Lateral Join\(condition == nil ? "" : " (condition)")"] + child(l) + child(r)
        case let .hashJoin(l, r, kind, keys, _, residual, _, _):
            return [pad + "Hash \(kind.title) Join (\(keys.count) key\(keys.count == 1 ? "" : "s")\(residual == nil ? "" : ", residual filter"))"] + child(l) + child(r)
        case let .semiJoin(l, r, _, _, anti): return [pad + (anti ? "Hash Anti Join" : "Hash Semi Join")] + child(l) + child(r)
        case let .aggregate(p, keys, aggs):
            return [pad + (keys.isEmpty ? "Aggregate" : "Hash Aggregate") + " (\(keys.count) key\(keys.count == 1 ? "" : "s"), \(aggs.count) aggregate\(aggs.count == 1 ? "" : "s"))"] + child(p)
        case let .window(p, calls): return [pad + "WindowAgg (\(calls.count) function\(calls.count == 1 ? "" : "s"))"] + child(p)
        case let .distinct(p, on): return [pad + (on == nil ? "Distinct" : "Distinct On")] + child(p)
        case let .sort(p, keys): return [pad + "Sort (\(keys.count) key\(keys.count == 1 ? "" : "s"))"] + child(p)
        case let .topN(p, keys, _, _): return [pad + "Top-N Sort (\(keys.count) key\(keys.count == 1 ? "" : "s"))"] + child(p)
        case let .limit(p, _, _): return [pad + "Limit"] + child(p)
        case let .limitWithTies(p, _, _, _): return [pad + "Limit With Ties"] + child(p)
        case let .setOperation(op, all, l, r): return [pad + op.rawValue.prefix(1) + op.rawValue.dropFirst().lowercased() + (all ? " All" : "")] + child(l) + child(r)
        case let .recursiveUnion(a, r, _, c): return [pad + "Recursive Union (\(c.name))"] + child(a) + child(r)
        case let .truncate(p, _): return p.explain(indent: indent, vectorNote: vectorNote)
        case .generated(let name, _): return [pad + "Function Scan on \(name)"]
        case let .vectorScan(t, spec):
            let note = vectorNote?(t, spec.indexName).map { String(repeating: "  ", count: indent + 2) + $0 }
            return [pad + "HNSW Index Scan using \(spec.indexName) on \(t.name) (\(t.columns[spec.column].name) \(spec.metric.sqlOperator) query"
                    + (spec.filter == nil ? ")" : ", filter applied during the graph search)")] + (note.map { [$0] } ?? [])
        }
    }
}

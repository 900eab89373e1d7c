import Core
import Vector

// Index-assisted nearest-neighbour queries. A query shaped
//
//     SELECT … FROM t [WHERE p] ORDER BY col <op> q LIMIT k [OFFSET o]
//
// whose table has an HNSW index on `col` for `<op>` plans as a top-N over
// a vector scan: storage returns the k + o nearest rows passing `p`
// (applied during the graph search, at the reader's branch and snapshot),
// and the top-N above orders them by the exact distance as before (rows
// whose vector is NULL follow when fewer than k + o have one, as in the
// exact plan). Any other shape keeps the exact plan, including more
// ORDER BY keys after the distance (`…, id`): they order rows tied on
// distance, which an approximate search cannot promise to return all of
// (pgvector's index does not serve such an ORDER BY either).

/// What a vector scan asks storage for.
struct VectorScanSpec {
    var indexName: String
    var column: Int
    var metric: VectorMetric
    var dimensions: Int
    /// The query vector (a constant or parameter, or an enclosing row's
    /// column: a LATERAL item's or a correlated subquery's).
    var query: BoundExpression
    var count: BoundExpression
    var offset: BoundExpression?
    /// WHERE over the table's rows, applied during the search.
    var filter: BoundExpression?
}

/// Collects what vector searches did during a statement (EXPLAIN ANALYZE).
public final class VectorSearchLog: @unchecked Sendable {
    public private(set) var searches: [VectorSearchStats] = []
    public init() {}
    func record(_ stats: VectorSearchStats) { searches.append(stats) }
}

enum VectorScanPlanner {
    /// Rewrites `topN(project(scan|filter(scan)))` ordered by an indexed
    /// vector distance; returns `plan` unchanged otherwise.
    static func rewrite(_ plan: Plan) -> Plan {
        // (NULLS FIRST puts rows without a vector, which the index does not hold, first: exact plan.)
        guard case let .topN(input, keys, count, offset) = plan, keys.count == 1, let first = keys.first, !first.descending,
              first.nullsFirst != true,
              case let .project(source, expressions) = input, case .slot(let slot) = first.expression,
              slot < expressions.count, case let .scalar(function, arguments) = expressions[slot],
              let metric = function.vectorMetric, arguments.count == 2 else { return plan }
        let (column, query): (Int, BoundExpression)
        switch (arguments[0], arguments[1]) {
        case (.slot(let c), let q) where q.isFixedQuery: (column, query) = (c, q)
        case (let q, .slot(let c)) where q.isFixedQuery: (column, query) = (c, q)
        default: return plan
        }
        let table: TableSchema, filter: BoundExpression?
        switch source {
        case .scan(let t): (table, filter) = (t, nil)
        case .filter(.scan(let t), let predicate): (table, filter) = (t, predicate)
        default: return plan
        }
        guard column < table.columns.count, case .vector(let dimensions) = table.columns[column].type,
              let index = table.indexes.first(where: { index in
                  index.method == "hnsw" && index.columns == [column]
                      && VectorMetric(indexOptions: index.options) == metric
              }) else { return plan }
        let spec = VectorScanSpec(indexName: index.name, column: column, metric: metric, dimensions: dimensions,
                                  query: query, count: count, offset: offset, filter: filter)
        return .topN(.project(.vectorScan(table, spec), expressions), keys, count: count, offset: offset)
    }
}

extension PlanRunner {
    /// Runs a vector scan: the nearest rows storage finds, filter applied.
    func runVectorScan(_ table: TableSchema, _ spec: VectorScanSpec, _ env: Environment) throws(SQLError) -> [Row] {
        let queryValue = try spec.query.evaluate([], env)
        let exact = spec.filter.map { Plan.filter(.scan(table), $0) } ?? .scan(table)
        guard case .vector(let query) = queryValue else {
            // A NULL query makes every distance NULL: the rows are those of
            // the exact plan (the top-N above keeps k of them, as it would).
            if queryValue.isNull { return try run(exact, env) }
            throw SQLError("22000", "a vector search needs a vector, not \(Casts.typeName(queryValue))")
        }
        if spec.dimensions > 0 && query.count != spec.dimensions {
            // As the exact plan: the error comes with the first distance
            // computed, so none without a row holding a vector.
            let rows = try run(exact, env)
            guard rows.contains(where: { !$0[spec.column].isNull }) else { return rows }
            throw VectorFunctions.differentDimensions(spec.dimensions, query.count)
        }
        func integer(_ e: BoundExpression?) throws(SQLError) -> Int {
            guard let e else { return 0 }
            switch try e.evaluate([], env) {
            case .integer(let n): return Int(max(n, 0))
            case .null: return 0
            default: throw SQLError(SQLState.datatypeMismatch, "argument of LIMIT must be type bigint")
            }
        }
        let k = try integer(spec.count) + integer(spec.offset)
        guard k > 0 else { return [] }
        var filter: ((Row) -> Bool)?
        var failure: SQLError?
        if let predicate = spec.filter {
            let compiled = predicate.compiledPredicate()
            filter = { row in
                if failure != nil { return false }
                do throws(SQLError) { return try compiled(row, env) } catch { failure = error; return false }
            }
        }
        let request = VectorSearchRequest(column: spec.column, metric: spec.metric, query: query, k: k,
                                          efSearch: context.efSearch, filter: filter, indexName: spec.indexName)
        let result = data.vectorSearch(table, request)
        if let failure { throw failure }
        context.vectorSearchLog?.record(result.stats)
        guard result.rows.count < k else { return result.rows }
        // Fewer than k rows with a vector match: the exact plan would go on
        // with the matching rows whose vector is NULL (a NULL distance sorts
        // last), which the graph does not hold. The top-N above orders them.
        let withoutVector = try run(exact, env).lazy.filter { $0[spec.column].isNull }.prefix(k - result.rows.count)
        return result.rows + withoutVector
    }
}

extension BoundExpression {
    /// Whether the value is fixed for one run of the plan: a constant, or
    /// a column of an enclosing row (possibly cast).
    fileprivate var isFixedQuery: Bool {
        switch self {
        case .constant, .untypedConstant, .outerSlot: true
        case .cast(let inner, _): inner.isFixedQuery
        default: false
        }
    }
}

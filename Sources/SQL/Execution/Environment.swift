import Core

/// What evaluation needs beyond the current row: the rows of enclosing
/// queries (for correlated subqueries), and the runner that executes
/// subquery plans against the transaction.
final class Environment {
    let runner: PlanRunner
    /// Enclosing queries' current rows, innermost last.
    var outer: [Row] = []

    init(runner: PlanRunner) { self.runner = runner }

    func outerValue(depth: Int, slot: Int) -> Value {
        outer[outer.count - depth][slot]
    }
}

/// A subquery inside an expression, planned once; uncorrelated ones are
/// run once per statement and their result reused.
final class SubqueryExpression {
    enum Kind {
        case scalar
        case exists
        /// `probe [NOT] IN (subquery)`.
        case membership(BoundExpression, negated: Bool)
        /// `probe op ANY|ALL (subquery)`.
        case quantified(BinaryOperator, BoundExpression, Quantifier)
    }

    let kind: Kind
    let plan: Plan
    let correlated: Bool
    private var cachedRows: [Row]?
    private var cachedSet: ValueNumbering?
    private var cachedHasNull = false

    init(kind: Kind, plan: Plan, correlated: Bool) {
        self.kind = kind; self.plan = plan; self.correlated = correlated
    }

    func evaluate(_ row: Row, _ env: Environment) throws(SQLError) -> Value {
        switch kind {
        case .scalar:
            let rows = try results(row, env, limit: 2)
            if rows.count > 1 {
                throw SQLError("21000", "more than one row returned by a subquery used as an expression")
            }
            return rows.first?.first ?? .null
        case .exists:
            return .boolean(!(try results(row, env, limit: 1)).isEmpty)
        case let .membership(probe, negated):
            let v = try probe.evaluate(row, env)
            if !correlated {
                let (set, hasNull) = try membershipSet(row, env)
                if set.isEmpty && !hasNull { return .boolean(negated) }
                if v.isNull { return .null }
                if set.contains(Self.normalize(v)) { return .boolean(!negated) }
                return hasNull ? .null : .boolean(negated)
            }
            let candidates = try results(row, env, limit: nil)
            if candidates.isEmpty { return .boolean(negated) }
            if v.isNull { return .null }
            var sawNull = false
            for candidate in candidates {
                let c = candidate.first ?? .null
                if c.isNull { sawNull = true; continue }
                if try BoundExpression.compare(.equal, v, c) { return .boolean(!negated) }
            }
            return sawNull ? .null : .boolean(negated)
        case let .quantified(op, probe, quantifier):
            let v = try probe.evaluate(row, env)
            let rows = try results(row, env, limit: nil)
            if rows.isEmpty { return .boolean(quantifier == .all) }
            if v.isNull { return .null }
            var sawNull = false
            for candidate in rows {
                let c = candidate.first ?? .null
                if c.isNull { sawNull = true; continue }
                let holds = try BoundExpression.compare(op, v, c)
                if quantifier == .any && holds { return .boolean(true) }
                if quantifier == .all && !holds { return .boolean(false) }
            }
            return sawNull ? .null : .boolean(quantifier == .all)
        }
    }

    /// Numbers compare across integer and double: a double holding a whole
    /// number is keyed as that integer, so 1 and 1.0 meet.
    static func normalize(_ v: Value) -> Value {
        if case .double(let d) = v, let i = Int64(exactly: d) { return .integer(i) }
        return v
    }

    private func membershipSet(_ row: Row, _ env: Environment) throws(SQLError) -> (ValueNumbering, Bool) {
        if let cachedSet { return (cachedSet, cachedHasNull) }
        var set = ValueNumbering()
        var hasNull = false
        for r in try results(row, env, limit: nil) {
            let v = r.first ?? .null
            if v.isNull { hasNull = true } else { _ = set.number(Self.normalize(v)) }
        }
        cachedSet = set; cachedHasNull = hasNull
        return (set, hasNull)
    }

    private func results(_ row: Row, _ env: Environment, limit: Int?) throws(SQLError) -> [Row] {
        if !correlated, let cachedRows { return cachedRows }
        env.outer.append(row)
        defer { env.outer.removeLast() }
        let rows = try env.runner.run(plan, env)
        if !correlated { cachedRows = rows }
        return rows
    }
}

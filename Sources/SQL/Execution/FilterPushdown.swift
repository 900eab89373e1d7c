import Core

/// Moving WHERE conditions below joins. A conjunct that reads only one
/// input of a join is applied to that input before the join, as
/// PostgreSQL does: fewer rows are joined, and a maintained view's delta
/// join filters changed rows before it looks anything up. A conjunct moves
/// into the left input of inner and left joins and into the right input of
/// inner and right joins (never into the side an outer join pads with
/// nulls, where it must see the padded rows). Conjuncts with subqueries,
/// references to an enclosing query or non-deterministic calls stay where
/// they are.
enum FilterPushdown {
    /// `plan` filtered by `predicates`, each applied as deep as it can go.
    static func apply(_ predicates: [BoundExpression], to plan: Plan) -> Plan {
        var result = plan
        for predicate in predicates {
            for conjunct in conjuncts(predicate) { result = sink(conjunct, into: result).plan }
        }
        return result
    }

    static func conjuncts(_ e: BoundExpression) -> [BoundExpression] {
        if case let .and(l, r) = e { return conjuncts(l) + conjuncts(r) }
        return [e]
    }

    /// The plan with `conjunct` applied; `onTop` when it ended up as a
    /// filter directly above `plan` (so a filter there can absorb it).
    private static func sink(_ conjunct: BoundExpression, into plan: Plan) -> (plan: Plan, onTop: Bool) {
        guard conjunct.isMovable, let slots = conjunct.slotsIfLocal() else { return (.filter(plan, conjunct), true) }
        switch plan {
        case let .filter(input, predicate):
            let (below, onTop) = sink(conjunct, into: input)
            // Landing right above `input`: one filter with both conditions.
            return onTop ? (.filter(input, .and(predicate, conjunct)), true) : (.filter(below, predicate), false)
        case let .hashJoin(l, r, kind, lk, rk, residual, lw, rw):
            if let (left, right) = sink(conjunct, slots, into: l, r, kind, leftWidth: lw) {
                return (.hashJoin(left, right, kind, leftKeys: lk, rightKeys: rk, residual: residual, leftWidth: lw, rightWidth: rw), false)
            }
        case let .nestedLoopJoin(l, r, kind, condition, lw, rw):
            if let (left, right) = sink(conjunct, slots, into: l, r, kind, leftWidth: lw) {
                return (.nestedLoopJoin(left, right, kind, condition: condition, leftWidth: lw, rightWidth: rw), false)
            }
        default:
            break
        }
        return (.filter(plan, conjunct), true)
    }

    /// The join's inputs with `conjunct` (reading `slots` of the joined
    /// row) sunk into the one side it reads, when that side may take it.
    private static func sink(_ conjunct: BoundExpression, _ slots: Set<Int>, into left: Plan, _ right: Plan,
                             _ kind: JoinKind, leftWidth: Int) -> (Plan, Plan)? {
        if kind.keepsFilters(onLeft: true), slots.allSatisfy({ $0 < leftWidth }) {
            return (sink(conjunct, into: left).plan, right)
        }
        if kind.keepsFilters(onLeft: false), slots.allSatisfy({ $0 >= leftWidth }) {
            return (left, sink(conjunct.shiftingSlots(by: -leftWidth), into: right).plan)
        }
        return nil
    }
}

private extension JoinKind {
    /// Whether a WHERE condition on that side's columns may be applied to
    /// that input before joining: that side is not padded with nulls.
    func keepsFilters(onLeft: Bool) -> Bool {
        switch self {
        case .inner, .cross: true
        case .left: onLeft
        case .right: !onLeft
        case .full: false
        }
    }
}

extension BoundExpression {
    /// Free of subqueries, enclosing-row references and calls whose value
    /// may change between evaluations (now(), random(), current_scn()):
    /// safe to evaluate at another point of a plan, and a function of the
    /// row alone (what a maintained view's delta rules need).
    var isMovable: Bool {
        switch self {
        case .constant, .untypedConstant, .slot: return true
        case .outerSlot, .subquery: return false
        case .negate(let x), .not(let x), .isNull(let x, _), .cast(let x, _), .isTruth(let x, _, _): return x.isMovable
        case let .arithmetic(_, l, r, _), let .concat(l, r), let .compare(_, l, r), let .and(l, r), let .or(l, r),
             let .like(l, r, _, _), let .isDistinct(l, r, _):
            return l.isMovable && r.isMovable
        case let .inList(x, items, _): return x.isMovable && items.allSatisfy(\.isMovable)
        case let .caseWhen(branches, e):
            return branches.allSatisfy { $0.condition.isMovable && $0.result.isMovable } && (e?.isMovable ?? true)
        case let .scalar(function, args):
            return ![.now, .random, .genRandomUUID, .currentSCN, .currentSetting].contains(function) && args.allSatisfy(\.isMovable)
        case let .rowCompare(_, l, r): return l.allSatisfy(\.isMovable) && r.allSatisfy(\.isMovable)
        }
    }

    /// The same expression reading slot `i + delta` wherever it read slot
    /// `i`. Only for movable expressions (which have no subqueries).
    func shiftingSlots(by delta: Int) -> BoundExpression {
        func shift(_ e: BoundExpression) -> BoundExpression {
            switch e {
            case .constant, .untypedConstant, .outerSlot, .subquery: return e
            case .slot(let i): return .slot(i + delta)
            case .negate(let x): return .negate(shift(x))
            case .not(let x): return .not(shift(x))
            case let .arithmetic(op, l, r, type): return .arithmetic(op, shift(l), shift(r), type)
            case let .concat(l, r): return .concat(shift(l), shift(r))
            case let .compare(op, l, r): return .compare(op, shift(l), shift(r))
            case let .and(l, r): return .and(shift(l), shift(r))
            case let .or(l, r): return .or(shift(l), shift(r))
            case let .isNull(x, negated): return .isNull(shift(x), negated: negated)
            case let .like(x, pattern, negated, insensitive):
                return .like(shift(x), pattern: shift(pattern), negated: negated, caseInsensitive: insensitive)
            case let .inList(x, items, negated): return .inList(shift(x), items.map(shift), negated: negated)
            case let .cast(x, type): return .cast(shift(x), type)
            case let .caseWhen(branches, e):
                return .caseWhen(branches.map { (shift($0.condition), shift($0.result)) }, elseResult: e.map(shift))
            case let .scalar(function, args): return .scalar(function, args.map(shift))
            case let .isDistinct(l, r, negated): return .isDistinct(shift(l), shift(r), negated: negated)
            case let .isTruth(x, value, negated): return .isTruth(shift(x), value: value, negated: negated)
            case let .rowCompare(op, l, r): return .rowCompare(op, l.map(shift), r.map(shift))
            }
        }
        return shift(self)
    }
}

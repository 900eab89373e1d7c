import Core

/// Chooses an ordered-index range scan when WHERE bounds an indexed column
/// (the first column of a CREATE INDEX, or of the primary key) by values
/// known before the scan: `c = v`, `c BETWEEN a AND b`, `c > v`, `c <= v`…
/// The whole WHERE clause is still applied to the rows found.
enum IndexRangePlanner {
    struct Bounds {
        var lower: BoundExpression?
        var lowerInclusive = true
        var upper: BoundExpression?
        var upperInclusive = true
    }

    static func range(for table: TableSchema, label: String?, conjuncts: [Expression], constantBinder: Binder) -> Plan? {
        var indexed = Set(table.indexes.compactMap(\.columns.first).filter { _ in true })
        if let first = table.primaryKey.first { indexed.insert(first) }
        guard !indexed.isEmpty else { return nil }
        var bounds: [Int: Bounds] = [:]
        func column(_ e: Expression) -> Int? {
            guard case let .column(qualifier, name, _) = e, qualifier == nil || qualifier == label,
                  let i = table.columnIndex(name), indexed.contains(i) else { return nil }
            return i
        }
        func constant(_ e: Expression, for column: Int) -> BoundExpression? {
            guard let (b, t) = try? constantBinder.bind(e) else { return nil }
            if case .subquery = b { return nil }
            let type = table.columns[column].type
            if case .untypedConstant(let v) = b, case .text = v, type != .text {
                return (try? Casts.cast(v, to: type)).map { .constant($0) }
            }
            guard let t else { return nil }
            return t == type || (t.isNumeric && type.isNumeric) || (t.isTemporal && type.isTemporal) ? b : nil
        }
        func apply(_ c: Int, _ op: BinaryOperator, _ value: BoundExpression) {
            var b = bounds[c] ?? Bounds()
            switch op {
            case .equal: b.lower = value; b.upper = value; b.lowerInclusive = true; b.upperInclusive = true
            case .greater: b.lower = value; b.lowerInclusive = false
            case .greaterOrEqual: b.lower = value; b.lowerInclusive = true
            case .less: b.upper = value; b.upperInclusive = false
            case .lessOrEqual: b.upper = value; b.upperInclusive = true
            default: return
            }
            bounds[c] = b
        }
        for conjunct in conjuncts {
            switch conjunct {
            case let .binary(op, l, r, _) where [.equal, .less, .lessOrEqual, .greater, .greaterOrEqual].contains(op):
                if let c = column(l), let v = constant(r, for: c) {
                    apply(c, op, v)
                } else if let c = column(r), let v = constant(l, for: c) {
                    apply(c, op.flipped, v)
                }
            case let .between(x, low, high, false, _):
                if let c = column(x), let lo = constant(low, for: c), let hi = constant(high, for: c) {
                    apply(c, .greaterOrEqual, lo); apply(c, .lessOrEqual, hi)
                }
            default:
                continue
            }
        }
        guard let (c, b) = bounds.sorted(by: { score($0.value) > score($1.value) }).first else { return nil }
        return .indexRange(table, column: c, lower: b.lower, lowerInclusive: b.lowerInclusive,
                           upper: b.upper, upperInclusive: b.upperInclusive)
    }

    /// Prefer equality, then closed ranges, then half-open ones.
    private static func score(_ b: Bounds) -> Int {
        (b.lower != nil ? 1 : 0) + (b.upper != nil ? 1 : 0)
    }
}

extension BinaryOperator {
    /// The operator with its operands swapped: `a < b` is `b > a`.
    var flipped: BinaryOperator {
        switch self {
        case .less: .greater
        case .lessOrEqual: .greaterOrEqual
        case .greater: .less
        case .greaterOrEqual: .lessOrEqual
        default: self
        }
    }
}

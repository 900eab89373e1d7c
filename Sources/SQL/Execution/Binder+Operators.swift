import Core

extension Binder {
    /// Finds a column in this scope; nil when absent, an error when ambiguous.
    func resolveLocal(table: String?, name: String, position: Int) throws(SQLError) -> (Int, DataType)? {
        var found: Int?
        for (i, column) in columns.enumerated() where column.name == name {
            if let table {
                guard column.table == table else { continue }
            } else if column.hiddenByUsing {
                continue
            }
            if found != nil {
                throw SQLError(SQLState.ambiguousColumn, "column reference \"\(name)\" is ambiguous", position: position)
            }
            found = i
        }
        return found.map { ($0, columns[$0].type) }
    }

    /// Resolves a column here or in an enclosing query (marking every query
    /// crossed as correlated).
    func resolve(table: String?, name: String, position: Int) throws(SQLError) -> (BoundExpression, DataType?) {
        if let (slot, type) = try resolveLocal(table: table, name: name, position: position) { return (.slot(slot), type) }
        var binder = self
        var depth = 0
        while let next = binder.outer {
            binder.correlation.isCorrelated = true
            binder = next
            depth += 1
            if let (slot, type) = try binder.resolveForOuterReference(table: table, name: name, position: position) {
                return (.outerSlot(depth: depth, slot: slot), type)
            }
        }
        if let table, !columns.contains(where: { $0.table == table }) {
            throw SQLError(SQLState.undefinedTable, "missing FROM-clause entry for table \"\(table)\"", position: position)
        }
        let label = table.map { "\($0).\(name)" } ?? "\"\(name)\""
        throw SQLError(SQLState.undefinedColumn, "column \(label) does not exist", position: position)
    }

    /// A column of this query read from a subquery: in aggregate mode the
    /// subquery sees grouped rows, so only group keys are readable.
    private func resolveForOuterReference(table: String?, name: String, position: Int) throws(SQLError) -> (Int, DataType)? {
        guard isAggregating, let input = inputBinder else { return try resolveLocal(table: table, name: name, position: position) }
        guard (try input.resolveLocal(table: table, name: name, position: position)) != nil else { return nil }
        let (b, t) = try bind(.column(table: table, name: name, position: position))
        guard case .slot(let slot) = b else { return nil }
        return (slot, t ?? .text)
    }

    /// The type a constant reports: integers that fit 32 bits are INTEGER
    /// (as PostgreSQL types literals), larger ones BIGINT.
    static func literalType(_ v: Value) -> DataType? {
        switch v {
        case .integer(let i): Int32(exactly: i) != nil ? .integer : .bigint
        case .timestamp(_, let zoned): zoned ? .timestampWithTimeZone : .timestamp
        case .null: nil
        default: v.dataType
        }
    }

    func bindBinary(_ op: BinaryOperator, _ l: Expression, _ r: Expression, _ position: Int) throws(SQLError) -> (BoundExpression, DataType?) {
        if case .row(let left, _) = l, case .row(let right, _) = r {
            return try bindRowComparison(op, left, right, position)
        }
        if JSONFunctions.operatorFunction(op) != nil { return try JSONFunctions.bindOperator(op, l, r, binder: self, position: position) }
        let (bl, tl) = try bind(l)
        let (br, tr) = try bind(r)
        if let function = VectorFunctions.operatorFunction(op) {
            return try VectorFunctions.bind(function, [bl, br], [tl, tr], symbol: op.rawValue, position: position)
        }
        // `+ - * ||` with a vector operand (the other a vector or untyped) are pgvector's vector operators.
        if let function = VectorFunctions.arithmeticFunction(op), tl?.isVector == true || tr?.isVector == true {
            return try VectorFunctions.bind(function, [bl, br], [tl, tr], symbol: op.rawValue, position: position)
        }
        switch op {
        case .and, .or:
            let a = try expectBoolean(bl, tl, l.position), b = try expectBoolean(br, tr, r.position)
            return (op == .and ? .and(a, b) : .or(a, b), .boolean)
        case .concat where tl == .jsonb || tr == .jsonb:
            return try JSONFunctions.bindConcat(bl, tl, br, tr, position: position)
        case .concat:
            if let tl, let tr, tl != .text, tr != .text, !bl.isUntypedText, !br.isUntypedText {
                throw SQLError(SQLState.undefinedFunction,
                               "operator does not exist: \(tl.description.lowercased()) || \(tr.description.lowercased())", position: position)
            }
            return (.concat(bl, br), .text)
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            let (cl, ctl) = try coerceForComparison(bl, tl, to: tr, position: position)
            let (cr, ctr) = try coerceForComparison(br, tr, to: ctl, position: position)
            try checkComparable(ctl, ctr, op, position)
            return (.compare(op, cl, cr), .boolean)
        case .subtract where tl == .jsonb:
            return (.scalar(.jsonDelete, [bl, br]), .jsonb)
        default:
            let (cl, ctl) = try coerceForComparison(bl, tl, to: tr, position: position)
            let (cr, ctr) = try coerceForComparison(br, tr, to: ctl, position: position)
            let type = try arithmeticType(op, ctl, ctr, position)
            // Constant folding; an error (1/0) is left for run time, so COALESCE(1, 1/0) still answers 1.
            if let a = cl.constantValue, let b = cr.constantValue, let folded = try? Arithmetic.apply(op, a, b, type) {
                return (.constant(folded), type)
            }
            return (.arithmetic(op, cl, cr, type), type)
        }
    }

    /// `(a, b) op (c, d)`: element-wise, each pair coerced as a comparison.
    private func bindRowComparison(_ op: BinaryOperator, _ left: [Expression], _ right: [Expression],
                                   _ position: Int) throws(SQLError) -> (BoundExpression, DataType?) {
        guard left.count == right.count else {
            throw SQLError(SQLState.syntaxError, "unequal number of entries in row expressions", position: position)
        }
        switch op {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: break
        default: throw SQLError(SQLState.undefinedFunction, "operator \(op.rawValue) is not defined for row values", position: position)
        }
        var ls: [BoundExpression] = [], rs: [BoundExpression] = []
        for (a, b) in zip(left, right) {
            let (ba, ta) = try bind(a), (bb, tb) = try bind(b)
            let (ca, cta) = try coerceForComparison(ba, ta, to: tb, position: position)
            let (cb, ctb) = try coerceForComparison(bb, tb, to: cta, position: position)
            try checkComparable(cta, ctb, op, position)
            ls.append(ca); rs.append(cb)
        }
        return (.rowCompare(op, ls, rs), .boolean)
    }

    /// Adapts an untyped constant (text literal, parameter, NULL) to the type
    /// of the other operand, as PostgreSQL resolves unknown-typed literals.
    /// Beside a vector it becomes a vector of any dimension (so comparing
    /// with a vector of another dimension is false, not an error).
    func coerceForComparison(_ e: BoundExpression, _ type: DataType?, to other: DataType?,
                             position: Int) throws(SQLError) -> (BoundExpression, DataType?) {
        guard case .untypedConstant(let v) = e, var other, type != other else { return (e, type) }
        if other.isVector { other = .vector(dimensions: 0) }
        if case .text = v {
            do {
                return (.constant(try Casts.cast(v, to: other)), other)
            } catch var error {
                error.position = position
                throw error
            }
        }
        if type?.isNumeric == true && other.isNumeric { return (e, type) }
        return (e, type)
    }

    func checkComparable(_ a: DataType?, _ b: DataType?, _ op: BinaryOperator, _ position: Int) throws(SQLError) {
        guard let a, let b else { return }
        if a == b || (a.isNumeric && b.isNumeric) || (a.isTemporal && b.isTemporal) || (a.isVector && b.isVector) { return }
        throw SQLError(SQLState.undefinedFunction,
                       "operator does not exist: \(a.description.lowercased()) \(op.rawValue) \(b.description.lowercased())",
                       position: position)
    }

    func arithmeticType(_ op: BinaryOperator, _ a: DataType?, _ b: DataType?, _ position: Int) throws(SQLError) -> DataType {
        if let type = Temporal.resultType(op, a, b) { return type }
        if op == .modulo, a == .double || b == .double {
            throw SQLError(SQLState.undefinedFunction,
                           "operator does not exist: \((a ?? .double).description.lowercased()) % \((b ?? .double).description.lowercased())",
                           position: position)
        }
        for t in [a, b] {
            if let t, !t.isNumeric {
                throw SQLError(SQLState.undefinedFunction,
                               "operator does not exist: \((a ?? .text).description.lowercased()) \(op.rawValue) \((b ?? .text).description.lowercased())",
                               position: position)
            }
        }
        return ScalarFunctions.widest([a, b]) ?? .integer
    }

    func expectBoolean(_ e: BoundExpression, _ type: DataType?, _ position: Int) throws(SQLError) -> BoundExpression {
        if type == nil || type == .boolean { return e }
        if case .untypedConstant(let v) = e, case .text = v {
            return .constant(try Casts.cast(v, to: .boolean))
        }
        throw SQLError(SQLState.datatypeMismatch,
                       "argument of boolean operator must be type boolean, not type \(type!.description.lowercased())",
                       position: position)
    }

    func bindCase(_ operand: Expression?, _ branches: [WhenClause],
                  _ elseResult: Expression?, _ position: Int) throws(SQLError) -> (BoundExpression, DataType?) {
        var bound: [(condition: BoundExpression, result: BoundExpression)] = []
        var types: [DataType?] = []
        for branch in branches {
            let condition: BoundExpression
            if let operand {
                condition = try bindBinary(.equal, operand, branch.condition, branch.condition.position).0
            } else {
                let (c, t) = try bind(branch.condition)
                condition = try expectBoolean(c, t, branch.condition.position)
            }
            let (r, t) = try bind(branch.result)
            bound.append((condition, r)); types.append(t)
        }
        var boundElse: BoundExpression?
        if let elseResult {
            let (e, t) = try bind(elseResult)
            boundElse = e; types.append(t)
        }
        let resolved = try TypeResolution.resolve(bound.map(\.result) + (boundElse.map { [$0] } ?? []), types,
                                                  context: "CASE", position: position)
        bound = zip(bound, resolved.expressions).map { ($0.0.condition, $0.1) }
        if boundElse != nil { boundElse = resolved.expressions.last }
        let type = resolved.type
        if let type, type.isNumeric {
            bound = bound.map { ($0.condition, Self.widen($0.result, to: type)) }
            boundElse = boundElse.map { Self.widen($0, to: type) }
        }
        return (.caseWhen(bound, elseResult: boundElse), type)
    }

    private static func widen(_ e: BoundExpression, to type: DataType) -> BoundExpression {
        type == .double ? .cast(e, .double) : e
    }

}

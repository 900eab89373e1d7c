import Core

/// JSON and JSONB operators (`->`, `->>`, `#>`, `#>>`, `@>`, `<@`, `?`, `?|`,
/// `?&`) and scalar functions, with PostgreSQL's semantics.
enum JSONFunctions {
    static func operatorFunction(_ op: BinaryOperator) -> ScalarFunction? {
        switch op {
        case .jsonGet: .jsonGet
        case .jsonGetText: .jsonGetText
        case .jsonPath: .jsonPath
        case .jsonPathText: .jsonPathText
        case .contains: .jsonContains
        case .containedBy: .jsonContainedBy
        case .hasKey: .jsonHasKey
        case .hasAnyKey: .jsonHasAnyKey
        case .hasAllKeys: .jsonHasAllKeys
        default: nil
        }
    }

    /// Binds `l op r`. Arguments become (l, isList, r...): for the path and
    /// key-list operators an `ARRAY[...]` right side is bound element by
    /// element (isList true); otherwise r is one value (a text array literal
    /// such as `'{a,0}'` for those operators).
    static func bindOperator(_ op: BinaryOperator, _ l: Expression, _ r: Expression, binder: Binder,
                             position: Int) throws(SQLError) -> (BoundExpression, DataType?) {
        let function = operatorFunction(op)!
        var (bl, tl) = try binder.bind(l)
        if function == .jsonContains || function == .jsonContainedBy, case .untypedConstant(let v) = bl {
            bl = .constant(try Casts.cast(v, to: .jsonb)); tl = .jsonb
        }
        var arguments = [bl]
        let takesList = [ScalarFunction.jsonPath, .jsonPathText, .jsonHasAnyKey, .jsonHasAllKeys].contains(function)
        if takesList, case .array(let items, _) = r {
            arguments.append(.constant(.boolean(true)))
            for item in items { arguments.append(try binder.bind(item).0) }
        } else {
            arguments.append(.constant(.boolean(false)))
            var (br, tr) = try binder.bind(r)
            if function == .jsonContains || function == .jsonContainedBy, case .untypedConstant(let v) = br {
                br = .constant(try Casts.cast(v, to: .jsonb)); tr = .jsonb
            }
            try checkOperand(function, tl, tr, op, position)
            arguments.append(br)
        }
        if let tl, tl != .json, tl != .jsonb {
            throw SQLError(SQLState.undefinedFunction,
                           "operator does not exist: \(tl.description.lowercased()) \(op.rawValue) \((try? binder.bind(r).1).flatMap { $0 }?.description.lowercased() ?? "unknown")",
                           position: position)
        }
        let type = try resultType(function, [tl], position: position)
        return (.scalar(function, arguments), type)
    }

    /// `jsonb || jsonb` (an untyped literal on either side is read as jsonb).
    static func bindConcat(_ bl: BoundExpression, _ tl: DataType?, _ br: BoundExpression, _ tr: DataType?,
                           position: Int) throws(SQLError) -> (BoundExpression, DataType?) {
        // jsonb || text is text concatenation (PostgreSQL's anynonarray || text).
        if tl == .text && !bl.isUntypedText || tr == .text && !br.isUntypedText { return (.concat(bl, br), .text) }
        var sides: [BoundExpression] = []
        for (b, t) in [(bl, tl), (br, tr)] {
            if case .untypedConstant(let v) = b {
                sides.append(.constant(try Casts.cast(v, to: .jsonb)))
            } else if t == nil || t == .jsonb {
                sides.append(b)
            } else {
                throw SQLError(SQLState.undefinedFunction,
                               "operator does not exist: \((tl ?? .text).description.lowercased()) || \((tr ?? .text).description.lowercased())",
                               position: position)
            }
        }
        return (.scalar(.jsonConcat, sides), .jsonb)
    }

    /// jsonb concatenation: objects merge (right wins); otherwise both sides
    /// as arrays (a scalar or object is a one-element array), concatenated.
    static func concat(_ a: JSONDocument, _ b: JSONDocument) -> JSONDocument {
        if case .object(let x) = a, case .object(let y) = b { return JSONDocument.object(x + y).normalized() }
        func items(_ d: JSONDocument) -> [JSONDocument] {
            if case .array(let xs) = d { return xs }
            return [d]
        }
        return .array(items(a) + items(b))
    }

    /// `jsonb - text` drops a key (or equal string elements of an array);
    /// `jsonb - integer` drops an array element (negative from the end).
    static func delete(_ what: Value, from doc: JSONDocument) throws(SQLError) -> JSONDocument {
        switch (doc, what) {
        case (.object, .integer):
            throw SQLError(SQLState.invalidParameterValue, "cannot delete from object using integer index")
        case let (.object(members), _):
            return .object(members.filter { !$0.key.utf8.elementsEqual(what.description.utf8) })
        case let (.array(items), .integer(i)):
            let index = i < 0 ? Int64(items.count) + i : i
            guard index >= 0, index < Int64(items.count) else { return doc }
            var rest = items
            rest.remove(at: Int(index))
            return .array(rest)
        case let (.array(items), _):
            return .array(items.filter { $0 != .string(what.description) })
        default:
            throw SQLError(SQLState.invalidParameterValue, "cannot delete from scalar")
        }
    }

    private static func checkOperand(_ f: ScalarFunction, _ tl: DataType?, _ tr: DataType?, _ op: BinaryOperator,
                                     _ position: Int) throws(SQLError) {
        guard let tr else { return }
        let ok: Bool = switch f {
        case .jsonGet, .jsonGetText: tr == .text || tr.isInteger
        case .jsonContains, .jsonContainedBy: tr == .jsonb
        default: tr == .text
        }
        if !ok {
            throw SQLError(SQLState.undefinedFunction,
                           "operator does not exist: \((tl ?? .text).description.lowercased()) \(op.rawValue) \(tr.description.lowercased())",
                           position: position)
        }
    }

    static func resultType(_ function: ScalarFunction, _ types: [DataType?], position: Int) throws(SQLError) -> DataType {
        func arity(_ range: ClosedRange<Int>) throws(SQLError) {
            guard range.contains(types.count) else {
                throw SQLError(SQLState.undefinedFunction,
                               "function \(function.rawValue) with \(types.count) argument(s) does not exist", position: position)
            }
        }
        switch function {
        case .jsonGet, .jsonPath: return types.first == .json ? .json : .jsonb
        case .jsonGetText, .jsonPathText: return .text
        case .jsonContains, .jsonContainedBy, .jsonHasKey, .jsonHasAnyKey, .jsonHasAllKeys: return .boolean
        case .jsonbBuildObject, .jsonbBuildArray: try arity(0...100); return .jsonb
        case .jsonBuildObject, .jsonBuildArray: try arity(0...100); return .json
        case .toJsonb: try arity(1...1); return .jsonb
        case .toJson: try arity(1...1); return .json
        case .jsonbTypeof, .jsonTypeof: try arity(1...1); return .text
        case .jsonbArrayLength, .jsonArrayLength: try arity(1...1); return .integer
        case .jsonbExtractPath: try arity(1...100); return .jsonb
        case .jsonExtractPath: try arity(1...100); return .json
        case .jsonbExtractPathText, .jsonExtractPathText: try arity(1...100); return .text
        default: return .text
        }
    }

    static func call(_ function: ScalarFunction, _ arguments: [BoundExpression], _ row: Row,
                     _ env: Environment) throws(SQLError) -> Value {
        var values: [Value] = []
        for a in arguments { values.append(try a.evaluate(row, env)) }
        if let built = try build(function, values) { return built }
        guard let first = values.first, !first.isNull else { return .null }
        if function == .jsonDelete {
            guard let doc = try Casts.document(first), !values[1].isNull else { return .null }
            return .json(try delete(values[1], from: doc))
        }
        if function == .jsonConcat {
            guard let a = try Casts.document(first), let b = try Casts.document(values[1]) else { return .null }
            return .json(concat(a, b))
        }
        switch function {
        case .toJsonb: return .json(try document(of: first))
        case .toJson: return .jsonText(jsonText(first, try document(of: first)))
        case .jsonbTypeof, .jsonTypeof: return .text(try Casts.document(first)!.typeName)
        case .jsonbArrayLength, .jsonArrayLength:
            guard case .array(let items) = try Casts.document(first)! else {
                let kind = try Casts.document(first)!.typeName
                throw SQLError(SQLState.invalidParameterValue,
                               "cannot get array length of a \(kind == "object" ? "non-array" : "scalar")")
            }
            return .integer(Int64(items.count))
        case .jsonbExtractPath, .jsonbExtractPathText, .jsonExtractPath, .jsonExtractPathText:
            var path: [String] = []
            for v in values.dropFirst() {
                guard !v.isNull else { return .null }
                path.append(v.description)
            }
            if case .jsonText(let source) = first {
                guard let found = try rawJSON(source).follow(path) else { return .null }
                if function == .jsonbExtractPathText || function == .jsonExtractPathText { return found.unquotedText.map(Value.text) ?? .null }
                return .jsonText(found.text)
            }
            guard let found = try Casts.document(first)!.follow(path) else { return .null }
            if function == .jsonbExtractPathText || function == .jsonExtractPathText { return found.unquotedText.map(Value.text) ?? .null }
            return wrap(found, like: first)
        default:
            return try operate(function, first, values)
        }
    }

    /// jsonb_build_object/array and json_build_object/array (SQL NULLs become JSON null).
    private static func build(_ function: ScalarFunction, _ values: [Value]) throws(SQLError) -> Value? {
        switch function {
        case .jsonbBuildObject, .jsonBuildObject:
            guard values.count % 2 == 0 else {
                throw SQLError(SQLState.invalidParameterValue, "argument list must have even number of elements")
            }
            var members: [JSONDocument.Member] = []
            var i = 0
            while i < values.count {
                guard !values[i].isNull else {
                    throw SQLError(SQLState.invalidParameterValue, "argument \(i + 1): key must not be null")
                }
                members.append(JSONDocument.Member(try keyText(values[i]), try document(of: values[i + 1])))
                i += 2
            }
            if function == .jsonbBuildObject { return .json(JSONDocument.object(members).normalized()) }
            var text = "{"
            for (n, m) in members.enumerated() {
                if n > 0 { text += ", " }
                JSONDocument.writeString(m.key, to: &text)
                text += " : " + jsonText(values[2 * n + 1], m.value)
            }
            return .jsonText(text + "}")
        case .jsonbBuildArray:
            var items: [JSONDocument] = []
            for v in values { items.append(try document(of: v)) }
            return .json(.array(items))
        case .jsonBuildArray:
            var parts: [String] = []
            for v in values { parts.append(jsonText(v, try document(of: v))) }
            return .jsonText("[" + parts.joined(separator: ", ") + "]")
        default: return nil
        }
    }

    /// The operators: values are (document, isList, operand...).
    private static func operate(_ function: ScalarFunction, _ left: Value, _ values: [Value]) throws(SQLError) -> Value {
        let isList = values[1] == .boolean(true)
        let operands = Array(values.dropFirst(2))
        if !isList, operands.first?.isNull ?? true { return .null }
        let doc = try Casts.document(left)!
        /// The right side as a list of texts (nil entries for NULL elements).
        func list() throws(SQLError) -> [String?] {
            if isList { return operands.map { $0.isNull ? nil : $0.description } }
            return try parseTextArray(operands[0].description)
        }
        if case .jsonText(let source) = left, [.jsonGet, .jsonGetText, .jsonPath, .jsonPathText].contains(function) {
            // The json type answers with parts of its text as written.
            let raw = try rawJSON(source)
            let found: RawJSON?
            switch function {
            case .jsonGet, .jsonGetText:
                if case .integer(let i) = operands[0] { found = raw.element(i) } else { found = raw.member(operands[0].description) }
            default:
                var path: [String] = []
                for step in try list() {
                    guard let step else { return .null }
                    path.append(step)
                }
                found = raw.follow(path)
            }
            guard let found else { return .null }
            if function == .jsonGetText || function == .jsonPathText { return found.unquotedText.map(Value.text) ?? .null }
            return .jsonText(found.text)
        }
        switch function {
        case .jsonGet, .jsonGetText:
            let found: JSONDocument?
            if case .integer(let i) = operands[0] { found = doc.element(i) } else { found = doc.member(operands[0].description) }
            guard let found else { return .null }
            if function == .jsonGetText { return found.unquotedText.map(Value.text) ?? .null }
            return wrap(found, like: left)
        case .jsonPath, .jsonPathText:
            var path: [String] = []
            for step in try list() {
                guard let step else { return .null }
                path.append(step)
            }
            guard let found = doc.follow(path) else { return .null }
            if function == .jsonPathText { return found.unquotedText.map(Value.text) ?? .null }
            return wrap(found, like: left)
        case .jsonContains, .jsonContainedBy:
            guard let other = try Casts.document(operands[0]) else { return .null }
            return .boolean(function == .jsonContains ? doc.contains(other) : other.contains(doc))
        case .jsonHasKey:
            return .boolean(hasKey(doc, operands[0].description))
        case .jsonHasAnyKey:
            return .boolean(try list().contains { $0 != nil && hasKey(doc, $0!) })
        case .jsonHasAllKeys:
            return .boolean(try list().allSatisfy { $0 == nil || hasKey(doc, $0!) })
        default:
            throw SQLError(SQLState.internalError, "unexpected JSON function \(function.rawValue)")
        }
    }

    /// `?`: an object key, an array string element, or an equal top-level string.
    static func hasKey(_ doc: JSONDocument, _ key: String) -> Bool {
        switch doc {
        case .object: return doc.member(key) != nil
        case .array(let items): return items.contains(.string(key))
        case .string(let s): return s == key
        default: return false
        }
    }

    static func rawJSON(_ text: String) throws(SQLError) -> RawJSON {
        do {
            return try RawJSON.parse(text)
        } catch {
            throw SQLError(error.sqlState, error.message + ": " + error.detail)
        }
    }

    /// A part of a json or jsonb value, as the same type.
    static func wrap(_ doc: JSONDocument, like source: Value) -> Value {
        if case .jsonText = source { return .jsonText(doc.description) }
        return .json(doc)
    }

    /// An object key from a SQL value (its text form).
    private static func keyText(_ v: Value) throws(SQLError) -> String {
        switch v {
        case .json, .jsonText:
            throw SQLError(SQLState.invalidParameterValue, "key value must be scalar, not array, composite, or json")
        default: return v.description
        }
    }

    /// The JSON for a SQL value, as to_jsonb makes it (NULL is JSON null).
    static func document(of value: Value) throws(SQLError) -> JSONDocument {
        switch value {
        case .null: return .null
        case .boolean(let b): return .bool(b)
        case .integer(let i): return .number(String(i))
        case .double(let d): return .number(d)
        case .text(let s): return .string(s)
        case .json(let d): return d
        case .jsonText(let t): return try Casts.parseJSON(t).normalized()
        case .timestamp(_, let zoned):
            var text = value.description
            if let space = text.firstIndex(of: " ") { text.replaceSubrange(space...space, with: "T") }
            if zoned, text.count >= 3, text.dropLast(2).hasSuffix("+") || text.dropLast(2).hasSuffix("-") { text += ":00" }
            return .string(text)
        case .date, .interval, .uuid, .bytes: return .string(value.description)
        case .vector(let v):
            // An array of numbers (pgvector would give the text as a string).
            return .array(v.map { .number(Double(Value.formatFloat4($0)) ?? Double($0)) })
        }
    }

    /// json (not jsonb) text for a value: json values keep their text.
    private static func jsonText(_ value: Value, _ doc: JSONDocument) -> String {
        if case .jsonText(let t) = value { return t }
        return doc.description
    }

    /// Reads a one-dimensional text array literal: `{a,"b c",NULL}`.
    static func parseTextArray(_ text: String) throws(SQLError) -> [String?] {
        let malformed = SQLError(SQLState.invalidTextRepresentation, "malformed array literal: \"\(text)\"")
        let chars = Array(text.trimmingSpaces())
        guard chars.first == "{", chars.last == "}" else { throw malformed }
        var items: [String?] = []
        var i = 1
        let end = chars.count - 1
        func skipSpaces() { while i < end, chars[i].isWhitespace { i += 1 } }
        skipSpaces()
        if i == end { return [] }
        while true {
            skipSpaces()
            guard i < end else { throw malformed }
            if chars[i] == "\"" {
                var item = ""
                i += 1
                while i < end, chars[i] != "\"" {
                    if chars[i] == "\\" { i += 1; guard i < end else { throw malformed } }
                    item.append(chars[i]); i += 1
                }
                guard i < end else { throw malformed }
                i += 1
                items.append(item)
            } else {
                var item = ""
                while i < end, chars[i] != ",", chars[i] != "\"", chars[i] != "{", chars[i] != "}" {
                    if chars[i] == "\\" { i += 1; guard i < end else { throw malformed } }
                    item.append(chars[i]); i += 1
                }
                let trimmed = item.trimmingSpaces()
                guard !trimmed.isEmpty else { throw malformed }
                items.append(trimmed.uppercased() == "NULL" ? nil : trimmed)
            }
            skipSpaces()
            if i == end { return items }
            guard chars[i] == "," else { throw malformed }
            i += 1
        }
    }
}

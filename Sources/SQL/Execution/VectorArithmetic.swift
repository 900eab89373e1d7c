import Core

// Functions that return vectors, with pgvector's semantics: the operators
// `+`, `-`, `*` (element-wise, in float4 arithmetic) and `||`
// (concatenation), their function forms vector_add, vector_sub,
// vector_mul and vector_concat, and l2_normalize(v) and
// subvector(v, start, count).
//
// Errors as pgvector raises them: operands of different dimensions 22000
// ("different vector dimensions …"); an element overflowing float4 22003
// ("value out of range: overflow"), a product of non-zero elements
// rounding to zero 22003 ("… underflow"); a result of no element 22000 and
// one of more than 16000 elements 54000. NULL in, NULL out.

extension VectorFunctions {
    /// The function a vector operand gives `+`, `-`, `*` or `||`.
    static func arithmeticFunction(_ op: BinaryOperator) -> ScalarFunction? {
        switch op {
        case .add: .vectorAdd
        case .subtract: .vectorSubtract
        case .multiply: .vectorMultiply
        case .concat: .vectorConcat
        default: nil
        }
    }

    /// How many arguments a vector function takes.
    static func arity(_ function: ScalarFunction) -> Int {
        switch function {
        case .vectorDims, .vectorNorm, .l2Normalize: 1
        case .subvector: 3
        default: 2
        }
    }

    /// The result type of a vector function over arguments of these types
    /// (a dimension where it is known, else 0: any).
    static func resultType(_ function: ScalarFunction, _ types: [DataType?]) -> DataType {
        func dimensions(_ type: DataType?) -> Int? {
            if case .vector(let n)? = type, n > 0 { return n }
            return nil
        }
        switch function {
        case .vectorDims: return .integer
        case .vectorAdd, .vectorSubtract, .vectorMultiply:
            return .vector(dimensions: dimensions(types[0]) ?? dimensions(types[1]) ?? 0)
        case .vectorConcat:
            guard let a = dimensions(types[0]), let b = dimensions(types[1]), a + b <= DataType.maxVectorDimensions else {
                return .vector(dimensions: 0)
            }
            return .vector(dimensions: a + b)
        case .l2Normalize: return .vector(dimensions: dimensions(types[0]) ?? 0)
        case .subvector: return .vector(dimensions: 0)
        default: return .double
        }
    }

    /// Binds subvector's integer arguments: integers, or untyped text
    /// literals that read as integers.
    static func integerArgument(_ argument: BoundExpression, _ type: DataType?, function: ScalarFunction,
                                types: [DataType?], position: Int) throws(SQLError) -> BoundExpression {
        if case .text(let text)? = argument.constantValue, argument.isUntypedText {
            guard let n = Int64(text.trimmingSpaces()) else {
                var error = Casts.invalidInput(.integer, text)
                error.position = position
                throw error
            }
            return .constant(.integer(n))
        }
        guard let type else { return argument }
        guard type == .integer || type == .smallint || type == .bigint else {
            throw mismatch(function, types, symbol: nil, position: position)
        }
        return argument
    }

    /// Evaluates a function whose result is a vector (arguments not NULL).
    static func applyReturningVector(_ function: ScalarFunction, _ a: [Float], _ values: [Value]) throws(SQLError) -> Value {
        switch function {
        case .vectorAdd, .vectorSubtract, .vectorMultiply:
            return .vector(try elementwise(function, a, try vector(values[1], function)))
        case .vectorConcat:
            let b = try vector(values[1], function)
            try checkDimensions(a.count + b.count)
            return .vector(a + b)
        case .l2Normalize:
            return .vector(try normalized(a))
        case .subvector:
            guard case .integer(let start) = values[1], case .integer(let count) = values[2] else {
                throw SQLError(SQLState.undefinedFunction, "function subvector needs integer start and count")
            }
            return .vector(try subvector(a, start: start, count: count))
        default:
            throw SQLError(SQLState.undefinedFunction, "function \(function.rawValue) does not return a vector")
        }
    }

    /// `a + b`, `a - b` or `a * b`, element by element in float4.
    static func elementwise(_ function: ScalarFunction, _ a: [Float], _ b: [Float]) throws(SQLError) -> [Float] {
        guard a.count == b.count else { throw differentDimensions(a.count, b.count) }
        var result = [Float](repeating: 0, count: a.count)
        switch function {
        case .vectorAdd: for i in a.indices { result[i] = a[i] + b[i] }
        case .vectorSubtract: for i in a.indices { result[i] = a[i] - b[i] }
        default: for i in a.indices { result[i] = a[i] * b[i] }
        }
        for i in result.indices {
            if result[i].isInfinite { throw overflow }
            if function == .vectorMultiply, result[i] == 0, a[i] != 0, b[i] != 0 {
                throw SQLError(SQLState.numericOutOfRange, "value out of range: underflow")
            }
        }
        return result
    }

    /// The vector divided by its Euclidean norm (computed in double); a
    /// zero vector stays zero.
    static func normalized(_ a: [Float]) throws(SQLError) -> [Float] {
        let length = norm(a)
        guard length > 0 else { return a.map { _ in 0 } }
        let result = a.map { Float(Double($0) / length) }
        if result.contains(where: \.isInfinite) { throw overflow }
        return result
    }

    /// `count` elements from the 1-based `start` on; as substring does, a
    /// start before 1 shortens the result and an end past the last element
    /// is cut there.
    static func subvector(_ a: [Float], start: Int64, count: Int64) throws(SQLError) -> [Float] {
        guard count >= 1 else { throw SQLError(dataException, "vector must have at least 1 dimension") }
        let dimensions = Int64(a.count)
        let end = start > dimensions - count ? dimensions + 1 : start + count
        guard start <= dimensions else { throw SQLError(dataException, "vector must have at least 1 dimension") }
        let first = max(start, 1)
        try checkDimensions(Int(clamping: end - first))
        return Array(a[Int(first - 1)..<Int(end - 1)])
    }

    /// A computed vector's element count: 1 to 16000.
    private static func checkDimensions(_ n: Int) throws(SQLError) {
        if n < 1 { throw SQLError(dataException, "vector must have at least 1 dimension") }
        if n > DataType.maxVectorDimensions {
            throw SQLError("54000", "vector cannot have more than \(DataType.maxVectorDimensions) dimensions")
        }
    }

    private static var overflow: SQLError { SQLError(SQLState.numericOutOfRange, "value out of range: overflow") }
}

extension ScalarFunction {
    /// The vector functions whose result is a vector.
    var returnsVector: Bool {
        switch self {
        case .vectorAdd, .vectorSubtract, .vectorMultiply, .vectorConcat, .l2Normalize, .subvector: true
        default: false
        }
    }
}

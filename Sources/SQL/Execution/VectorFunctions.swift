import Core
import Vector
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// VECTOR values in SQL, with pgvector's semantics: the text form `[1,2,3]`,
// the checks every written or cast vector passes (dimension, finite
// elements), the distance operators `<->` (Euclidean), `<=>` (cosine
// distance), `<#>` (negative inner product) and `<+>` (L1, taxicab), and the functions
// l2_distance, cosine_distance, cosine_similarity, inner_product, l1_distance,
// vector_negative_inner_product, vector_dims and vector_norm (l2_norm); the
// functions returning vectors (`+ - * ||`, l2_normalize, subvector) are in
// VectorArithmetic.swift.
//
// Binding: an untyped text literal or parameter (a JSON array parameter
// arrives as its JSON text) used as an operand of a vector operator or an
// argument of a vector function is read as a vector once, at bind time, and
// becomes a constant. Evaluation: NULL in, NULL out; operands of different
// dimensions fail with 22000. Distances run on the SIMD kernels of
// `Vector.Distances`; cosine similarity is clamped to [-1, 1] as pgvector
// does. `compiled` gives `column <op> constant` (either order) a closure
// that reads the row's array in place and reuses the constant's buffer, so
// `ORDER BY embedding <-> $1 LIMIT k` allocates nothing per row.

enum VectorFunctions {
    /// data_exception: dimension mismatches, NaN and infinite elements.
    static let dataException = "22000"

    // MARK: Text input

    /// Reads pgvector's text form: `[` elements separated by `,` `]`, with
    /// whitespace allowed around every token; elements as strtof reads them.
    /// Malformed text fails with 22P02 naming the input; NaN and infinite
    /// elements with 22000; an element beyond float4's range with 22003.
    static func parse(_ text: String) throws(SQLError) -> [Float] {
        var bytes = Array(text.utf8)
        bytes.append(0)  // strtof reads a C string
        var i = 0
        func skipSpaces() { while isSpace(bytes[i]) { i += 1 } }
        skipSpaces()
        guard bytes[i] == UInt8(ascii: "[") else {
            throw invalid(text, "vector contents must start with \"[\"")
        }
        i += 1
        skipSpaces()
        if bytes[i] == UInt8(ascii: "]") {
            // (pgvector: a data exception, not a syntax error, when nothing follows.)
            var j = i + 1
            while isSpace(bytes[j]) { j += 1 }
            if j == bytes.count - 1 { throw SQLError(dataException, "vector must have at least 1 dimension") }
            throw invalid(text, "a vector must have at least 1 dimension")
        }
        var out: [Float] = []
        while true {
            if out.count == DataType.maxVectorDimensions {
                throw SQLError("54000", "vector cannot have more than \(DataType.maxVectorDimensions) dimensions")
            }
            skipSpaces()
            let start = i
            while i < bytes.count - 1, !isSpace(bytes[i]), bytes[i] != UInt8(ascii: ","), bytes[i] != UInt8(ascii: "]") { i += 1 }
            guard i > start else { throw invalid(text, i < bytes.count - 1 ? "an element is missing" : "the closing \"]\" is missing") }
            out.append(try element(bytes, start, i, of: text))
            skipSpaces()
            guard i < bytes.count - 1 else { throw invalid(text, "the closing \"]\" is missing") }
            let separator = bytes[i]
            i += 1
            if separator == UInt8(ascii: "]") { break }
            guard separator == UInt8(ascii: ",") else { throw invalid(text, "elements must be separated by \",\"") }
        }
        skipSpaces()
        guard i == bytes.count - 1 else { throw invalid(text, "junk after the closing \"]\"") }
        return out
    }

    /// The element in `bytes[start..<end]`, read by strtof (correctly
    /// rounded; also `inf`, `nan`, hex), which must take all of it.
    private static func element(_ bytes: [UInt8], _ start: Int, _ end: Int, of text: String) throws(SQLError) -> Float {
        let (x, length, overflow) = bytes.withUnsafeBufferPointer { p -> (Float, Int, Bool) in
            let token = UnsafeRawPointer(p.baseAddress! + start).assumingMemoryBound(to: CChar.self)
            var stop: UnsafeMutablePointer<CChar>?
            errno = 0
            let x = strtof(token, &stop)
            return (x, stop.map { UnsafePointer($0) - token } ?? 0, errno == ERANGE && x.isInfinite)
        }
        var token: String { String(decoding: bytes[start..<end], as: UTF8.self) }
        guard length == end - start else { throw invalid(text, "\"\(token)\" is not a number") }
        if overflow { throw SQLError(SQLState.numericOutOfRange, "\"\(token)\" is out of range for type vector") }
        try checkElement(x)
        return x
    }

    /// pgvector's vector_isspace.
    private static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || (b >= 0x09 && b <= 0x0D)
    }

    private static func invalid(_ text: String, _ reason: String) -> SQLError {
        let shown = text.unicodeScalars.count > 200 ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(200))) + "…" : text
        return SQLError(SQLState.invalidTextRepresentation, "invalid input syntax for type vector: \"\(shown)\" (\(reason))")
    }

    /// The checks of a vector written to a VECTOR(n) column or cast to
    /// VECTOR(n) (`dimensions` 0: any): 1 to 16000 finite elements, n of them.
    static func check(_ v: [Float], dimensions: Int) throws(SQLError) {
        if dimensions > 0, v.count != dimensions {
            throw SQLError(dataException, "Vector dimension mismatch: expected \(dimensions) dimensions, got \(v.count)")
        }
        if v.isEmpty { throw SQLError(dataException, "vector must have at least 1 dimension") }
        if v.count > DataType.maxVectorDimensions {
            throw SQLError("54000", "vector cannot have more than \(DataType.maxVectorDimensions) dimensions")
        }
        for x in v where !x.isFinite { try checkElement(x) }
    }

    private static func checkElement(_ x: Float) throws(SQLError) {
        if x.isNaN { throw SQLError(dataException, "NaN not allowed in vector") }
        if x.isInfinite { throw SQLError(dataException, "infinite value not allowed in vector") }
    }

    // MARK: Binding

    /// The function a vector operator is bound as.
    static func operatorFunction(_ op: BinaryOperator) -> ScalarFunction? {
        switch op {
        case .l2Distance: .l2Distance
        case .cosineDistance: .cosineDistance
        case .negativeInnerProduct: .negativeInnerProduct
        case .l1Distance: .l1Distance
        default: nil
        }
    }

    /// Binds a vector function or operator over bound arguments: untyped
    /// constants (text literals, parameters) become vector constants, every
    /// other argument must be a vector (or NULL). `symbol` names the operator
    /// in errors; nil for a function call.
    static func bind(_ function: ScalarFunction, _ arguments: [BoundExpression], _ types: [DataType?],
                     symbol: String? = nil, position: Int) throws(SQLError) -> (BoundExpression, DataType?) {
        guard arguments.count == arity(function) else {
            throw SQLError(SQLState.undefinedFunction,
                           "function \(function.rawValue) with \(arguments.count) argument(s) does not exist", position: position)
        }
        var bound: [BoundExpression] = []
        var allConstant = true
        for (k, (argument, type)) in zip(arguments, types).enumerated() {
            if function == .subvector && k > 0 {
                let integer = try integerArgument(argument, type, function: function, types: types, position: position)
                if integer.constantValue == nil { allConstant = false }
                bound.append(integer)
                continue
            }
            switch argument.constantValue {
            case .text(let text)? where argument.isUntypedText:
                do {
                    bound.append(.constant(.vector(try parse(text))))
                } catch var error {
                    error.position = position
                    throw error
                }
            case .vector(let v)?:
                do {
                    try check(v, dimensions: 0)
                } catch var error {
                    error.position = position
                    throw error
                }
                bound.append(.constant(.vector(v)))
            case .null?:
                bound.append(.constant(.null))
            default:
                guard type == nil || type!.isVector else {
                    throw mismatch(function, types, symbol: symbol, position: position)
                }
                allConstant = false
                bound.append(argument)
            }
        }
        let type = resultType(function, types)
        // Constant folding; an error (different dimensions) is left for run time.
        if allConstant, let folded = try? apply(function, bound.map { $0.constantValue! }) {
            return (.constant(folded), type)
        }
        return (.scalar(function, bound), type)
    }

    static func mismatch(_ function: ScalarFunction, _ types: [DataType?], symbol: String?,
                         position: Int) -> SQLError {
        let names = types.map { $0?.errorName ?? "unknown" }
        if let symbol {
            return SQLError(SQLState.undefinedFunction, "operator does not exist: \(names[0]) \(symbol) \(names[1])",
                            position: position)
        }
        return SQLError(SQLState.undefinedFunction,
                        "function \(function.rawValue)(\(names.joined(separator: ", "))) does not exist", position: position)
    }

    // MARK: Evaluation

    static func call(_ function: ScalarFunction, _ arguments: [BoundExpression], _ row: Row,
                     _ env: Environment) throws(SQLError) -> Value {
        var values: [Value] = []
        values.reserveCapacity(arguments.count)
        for argument in arguments { values.append(try argument.evaluate(row, env)) }
        return try apply(function, values)
    }

    static func apply(_ function: ScalarFunction, _ values: [Value]) throws(SQLError) -> Value {
        if values.contains(where: \.isNull) { return .null }
        let a = try vector(values[0], function)
        switch function {
        case .vectorDims: return .integer(Int64(a.count))
        case .vectorNorm: return .double(norm(a))
        case _ where function.returnsVector: return try applyReturningVector(function, a, values)
        default: return try binary(function, a, try vector(values[1], function))
        }
    }

    static func vector(_ value: Value, _ function: ScalarFunction) throws(SQLError) -> [Float] {
        guard case .vector(let v) = value else {
            throw SQLError(SQLState.undefinedFunction, "function \(function.rawValue) needs a vector, not \(Casts.typeName(value))")
        }
        return v
    }

    /// A distance or similarity of two vectors of equal dimension.
    @inline(__always)
    static func binary(_ function: ScalarFunction, _ a: [Float], _ b: [Float]) throws(SQLError) -> Value {
        guard a.count == b.count else { throw differentDimensions(a.count, b.count) }
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                guard let x = pa.baseAddress, let y = pb.baseAddress else { return .null }
                return .double(kernel(function, x, y, a.count))
            }
        }
    }

    static func differentDimensions(_ a: Int, _ b: Int) -> SQLError {
        SQLError(dataException, "different vector dimensions \(a) and \(b)")
    }

    /// The SIMD computation behind each two-vector function.
    @inline(__always)
    static func kernel(_ function: ScalarFunction, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Double {
        switch function {
        case .l2Distance: return Double(Distances.squaredL2(x, y, n)).squareRoot()
        case .innerProduct: return Double(Distances.dot(x, y, n))
        case .negativeInnerProduct: return -Double(Distances.dot(x, y, n))
        case .cosineDistance: return 1 - Distances.cosineSimilarity(x, y, n)
        case .l1Distance: return taxicab(x, y, n)
        default: return Distances.cosineSimilarity(x, y, n)
        }
    }

    /// Σ |x − y| (the taxicab distance), in float4 arithmetic as pgvector
    /// computes it (so it overflows to infinity where pgvector's does).
    @inline(__always)
    private static func taxicab(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Double {
        var sum: Float = 0
        for i in 0..<n { sum += abs(x[i] - y[i]) }
        return Double(sum)
    }

    /// The Euclidean norm, accumulated in double precision as pgvector does.
    static func norm(_ v: [Float]) -> Double {
        var sum = 0.0
        for x in v { sum += Double(x) * Double(x) }
        return sum.squareRoot()
    }

    // MARK: Compiled form

    /// A closure for a vector function; `column <op> constant` and
    /// `constant <op> column` read the row's vector in place.
    static func compiled(_ function: ScalarFunction, _ arguments: [BoundExpression]) -> CompiledExpression {
        if function.returnsVector {
            let parts = arguments.map { $0.compiled() }
            return { (row, env) throws(SQLError) in
                var values: [Value] = []
                values.reserveCapacity(parts.count)
                for part in parts { values.append(try part(row, env)) }
                return try apply(function, values)
            }
        }
        guard arguments.count == 2 else {
            let a = arguments[0].compiled()
            return { (row, env) throws(SQLError) in try apply(function, [try a(row, env)]) }
        }
        switch (arguments[0], arguments[1]) {
        case let (.slot(i), constant) where constant.constantValue != nil:
            return columnAgainstConstant(function, i, constant.constantValue!, columnFirst: true)
        case let (constant, .slot(i)) where constant.constantValue != nil:
            return columnAgainstConstant(function, i, constant.constantValue!, columnFirst: false)
        default:
            let a = arguments[0].compiled(), b = arguments[1].compiled()
            return { (row, env) throws(SQLError) in
                let x = try a(row, env), y = try b(row, env)
                guard case .vector(let u) = x, case .vector(let v) = y else { return try apply(function, [x, y]) }
                return try binary(function, u, v)
            }
        }
    }

    private static func columnAgainstConstant(_ function: ScalarFunction, _ slot: Int, _ constant: Value,
                                              columnFirst: Bool) -> CompiledExpression {
        guard case .vector(let query) = constant else { return { _, _ in .null } }
        let n = query.count
        return { (row, _) throws(SQLError) in
            guard case .vector(let v) = row[slot] else {
                return try apply(function, columnFirst ? [row[slot], constant] : [constant, row[slot]])
            }
            guard v.count == n else {
                throw columnFirst ? differentDimensions(v.count, n) : differentDimensions(n, v.count)
            }
            return v.withUnsafeBufferPointer { p in
                query.withUnsafeBufferPointer { q in
                    .double(kernel(function, p.baseAddress!, q.baseAddress!, n))
                }
            }
        }
    }
}

extension ScalarFunction {
    var isVector: Bool {
        switch self {
        case .l2Distance, .cosineDistance, .cosineSimilarity, .innerProduct, .negativeInnerProduct, .vectorDims, .vectorNorm,
             .l1Distance, .vectorAdd, .vectorSubtract, .vectorMultiply, .vectorConcat, .l2Normalize, .subvector: true
        default: false
        }
    }

    /// The index metric whose ORDER BY this function is (`<->`, `<=>`, `<#>`
    /// and their function forms); nil for the others.
    var vectorMetric: VectorMetric? {
        switch self {
        case .l2Distance: .l2
        case .cosineDistance: .cosine
        case .negativeInnerProduct: .innerProduct
        default: nil
        }
    }
}

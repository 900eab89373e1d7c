import Core

// Vector: the pure algorithms behind vector search, with no knowledge of
// tables, transactions or SQL.
//
//   Distances        SIMD kernels: squared L2 and dot product over Float32.
//   KMeans           k-means with k-means++ seeding (Arthur & Vassilvitskii 2007).
//   ProductQuantizer per-subspace codebooks, 8-bit codes, asymmetric distance
//                    tables (Jégou, Douze, Schmid 2011).
//   ScalarQuantizer  8 bits per dimension with per-dimension ranges.
//   HNSWGraph        the hierarchical navigable small-world graph of Malkov &
//                    Yashunin (2016): layered, heuristic neighbour selection,
//                    searched with a caller's visibility filter.
//
// Storage owns an index's lifecycle (which row versions it holds, when it
// is saved); the SQL layer turns `ORDER BY col <-> $1 LIMIT k` into a search.

/// How an index compares vectors. Distances follow pgvector's operators:
/// `<->` Euclidean, `<=>` cosine distance (1 − cosine similarity), `<#>`
/// negative inner product; smaller is always closer.
public enum VectorMetric: String, Sendable, CaseIterable {
    case l2
    case cosine
    case innerProduct = "inner_product"

    /// The pgvector operator class naming this metric.
    public var operatorClass: String {
        switch self {
        case .l2: "vector_l2_ops"
        case .cosine: "vector_cosine_ops"
        case .innerProduct: "vector_ip_ops"
        }
    }

    /// The SQL operator whose ORDER BY an index of this metric serves.
    public var sqlOperator: String {
        switch self {
        case .l2: "<->"
        case .cosine: "<=>"
        case .innerProduct: "<#>"
        }
    }

    /// The metric an HNSW index's recorded options name (L2 when none).
    public init(indexOptions options: [String: String]) {
        self = options[VectorIndexOptions.operatorClassKey].flatMap(VectorMetric.init(operatorClass:)) ?? .l2
    }

    public init?(operatorClass: String) {
        // Stored options hold the lowercase name: match it without building a lowercased copy.
        if let metric = Self.allCases.first(where: { $0.operatorClass == operatorClass }) { self = metric; return }
        let lowered = operatorClass.lowercased()
        guard let metric = Self.allCases.first(where: { $0.operatorClass == lowered }) else { return nil }
        self = metric
    }

    /// The distance the SQL operator reports, from two raw vectors.
    public func distance(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count)
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                let (x, y, n) = (pa.baseAddress!, pb.baseAddress!, a.count)
                switch self {
                case .l2: return Double(Distances.squaredL2(x, y, n)).squareRoot()
                case .innerProduct: return -Double(Distances.dot(x, y, n))
                case .cosine: return 1 - Distances.cosineSimilarity(x, y, n)
                }
            }
        }
    }
}

/// The vector layer's error type.
public struct VectorError: DatabaseError, Equatable {
    public var sqlState: String
    public var message: String
    public var position: Int? { nil }

    public init(_ sqlState: String, _ message: String) { self.sqlState = sqlState; self.message = message }

    public static func invalid(_ message: String) -> VectorError { VectorError(SQLState.invalidParameterValue, message) }
}

import Core

/// How an index holds its vectors for the graph search.
public enum VectorQuantization: String, Sendable, Equatable {
    /// Full Float32 vectors in the index.
    case none
    /// 8 bits per dimension.
    case scalar
    /// Product quantization: `pq_subquantizers` bytes per vector.
    case product
}

/// The `WITH (…)` options of `CREATE INDEX … USING hnsw`, validated.
/// Names are case-insensitive; each has the aliases of `aliases`.
public struct VectorIndexOptions: Sendable, Equatable {
    public var m = 16
    public var efConstruction = 64
    public var efSearch = 40
    public var quantization = VectorQuantization.none
    /// Subspaces (bytes per vector) for product quantization; nil = dimensions / 8.
    public var pqSubquantizers: Int?
    public var pqCentroids = 256
    /// How many best candidates (by quantized distance) get exact distances;
    /// nil = every candidate the search kept (ef_search of them).
    public var rerankDepth: Int?

    public init() {}

    /// The key under which CREATE INDEX records the operator class among
    /// the options (it is not itself a `WITH` option).
    public static let operatorClassKey = "operator_class"

    /// Option names as `WITH` accepts them, with their aliases.
    public static let aliases: [(name: String, aliases: [String])] = [
        ("m", ["max_connections"]),
        ("ef_construction", ["efconstruction", "ef_build"]),
        ("ef_search", ["efsearch", "ef"]),
        ("quantization", ["compression"]),
        ("pq_subquantizers", ["pq_m", "subquantizers", "num_subquantizers"]),
        ("pq_centroids", ["pq_k", "centroids", "num_centroids"]),
        ("rerank_depth", ["rerank", "rerank_k"]),
    ]

    public static func canonicalName(_ name: String) -> String? {
        let lower = name.lowercased()
        return aliases.first { $0.name == lower || $0.aliases.contains(lower) }?.name
    }

    /// Parses and checks `options` for vectors of `dimensions` (0 = not yet known).
    public init(_ options: [String: String], dimensions: Int) throws(VectorError) {
        for (rawName, value) in options.sorted(by: { $0.key < $1.key }) where rawName != Self.operatorClassKey {
            guard let name = Self.canonicalName(rawName) else {
                let valid = Self.aliases.map(\.name).joined(separator: ", ")
                throw VectorError.invalid("unrecognized parameter \"\(rawName)\" for hnsw index; valid options: \(valid)")
            }
            func integer(_ range: ClosedRange<Int>) throws(VectorError) -> Int {
                guard let n = Int(Self.trimmed(value)), range.contains(n) else {
                    throw VectorError.invalid("invalid value for hnsw option \(name): \"\(value)\" (expected an integer in \(range.lowerBound)…\(range.upperBound))")
                }
                return n
            }
            switch name {
            case "m": m = try integer(2...100)
            case "ef_construction": efConstruction = try integer(4...1000)
            case "ef_search": efSearch = try integer(1...10_000)
            case "pq_subquantizers": pqSubquantizers = try integer(1...16_000)
            case "pq_centroids": pqCentroids = try integer(2...256)
            case "rerank_depth": rerankDepth = try integer(1...100_000)
            default:
                switch Self.trimmed(value).lowercased() {
                case "none", "off", "false", "float", "f32": quantization = .none
                case "scalar", "sq", "int8", "sq8": quantization = .scalar
                case "product", "pq": quantization = .product
                case "auto": quantization = dimensions == 0 || dimensions >= 128 ? .product : .none
                default:
                    throw VectorError.invalid("invalid value for hnsw option quantization: \"\(value)\" (expected none, scalar, product, pq or auto)")
                }
            }
        }
        if efConstruction < 2 * m {
            // hnswlib raises ef_construction to M itself; pgvector demands ≥ 2m.
            throw VectorError.invalid("ef_construction must be greater than or equal to 2 * m")
        }
        if quantization == .product, dimensions > 0 {
            let subquantizers = self.subquantizers(dimensions: dimensions)
            guard subquantizers >= 1, dimensions % subquantizers == 0 else {
                throw VectorError.invalid("pq_subquantizers (\(subquantizers)) must divide the vector dimensions (\(dimensions))")
            }
        }
    }

    /// `value` without surrounding spaces and quotes.
    public static func trimmed(_ value: String) -> String {
        let junk: Set<Character> = [" ", "'", "\""]
        return String(value.drop(while: { junk.contains($0) }).reversed().drop(while: { junk.contains($0) }).reversed())
    }

    /// The subquantizer count for `dimensions`: as set, else the largest
    /// divisor of `dimensions` at most dimensions / 8 (8 dimensions per byte).
    public func subquantizers(dimensions: Int) -> Int {
        if let pqSubquantizers { return pqSubquantizers }
        var m = max(1, dimensions / 8)
        while m > 1 && dimensions % m != 0 { m -= 1 }
        return m
    }

    public var parameters: HNSWParameters {
        HNSWParameters(m: m, efConstruction: efConstruction, efSearch: efSearch)
    }
}

/// Brute-force nearest neighbours for checking vector search answers:
/// every vector compared in Double arithmetic, after the float4 rounding
/// the store applies. Independent of the engine's kernels.
public enum VectorOracle {
    public enum Metric: String, Sendable, CaseIterable {
        case l2, cosine
        case innerProduct = "inner_product"
    }

    /// Deterministic pseudo-random vectors in [-1, 1) (a 64-bit LCG), so a
    /// failing test can be replayed.
    public static func vectors(count: Int, dimensions: Int, seed: UInt64) -> [[Double]] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
        return (0..<count).map { _ in (0..<dimensions).map { _ in Double(Float(next())) } }
    }

    /// The distance the SQL operator gives: `<->`, `<=>` or `<#>` (negative inner product).
    public static func distance(_ a: [Double], _ b: [Double], _ metric: Metric) -> Double {
        let x = a.map { Double(Float($0)) }, y = b.map { Double(Float($0)) }
        var dot = 0.0, na = 0.0, nb = 0.0, squared = 0.0
        for i in x.indices {
            dot += x[i] * y[i]; na += x[i] * x[i]; nb += y[i] * y[i]
            squared += (x[i] - y[i]) * (x[i] - y[i])
        }
        switch metric {
        case .l2: return squared.squareRoot()
        case .cosine: return 1 - dot / (na * nb).squareRoot()
        case .innerProduct: return -dot
        }
    }

    /// The similarity the REST search reports beside the distance.
    public static func score(_ distance: Double, _ metric: Metric) -> Double {
        metric == .cosine ? 1 - distance : -distance
    }

    /// The `k` nearest of `vectors` (id, vector) to `query` that pass `keep`, nearest first.
    public static func nearest(_ query: [Double], in vectors: [(id: String, values: [Double])], k: Int,
                               metric: Metric, keep: (String) -> Bool = { _ in true }) -> [(id: String, distance: Double)] {
        var ranked: [(id: String, distance: Double)] = []
        for vector in vectors where keep(vector.id) {
            ranked.append((id: vector.id, distance: distance(vector.values, query, metric)))
        }
        ranked.sort { (a: (id: String, distance: Double), b: (id: String, distance: Double)) -> Bool in
            a.distance != b.distance ? a.distance < b.distance : a.id < b.id
        }
        return Array(ranked.prefix(k))
    }
}

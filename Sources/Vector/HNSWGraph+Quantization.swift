// Quantized HNSW: the graph is built on full vectors (FAISS's HNSW-PQ
// builds on codes, which caps its recall), while searches walk it on
// compact codes — product-quantized (asymmetric distance tables, one M×K
// table per query) or 8-bit scalar — and re-rank their best candidates with
// exact distances read from the referenced full vectors.
//
// A graph trains its quantizer once it holds `trainingThreshold` vectors
// and answers with exact brute force until then. It retrains (a new
// codebook version, every code re-encoded) when it has grown tenfold since
// the last training on fewer vectors than a full training sample.

/// What a quantized graph learned: a product or a scalar quantizer.
public enum VectorCodebook: Sendable, Equatable {
    case product(ProductQuantizer)
    case scalar(ScalarQuantizer)

    public var codeSize: Int {
        switch self {
        case .product(let pq): pq.codeSize
        case .scalar(let sq): sq.codeSize
        }
    }

    public var version: Int {
        switch self {
        case .product(let pq): pq.version
        case .scalar: 1
        }
    }

    var bytes: Int {
        switch self {
        case .product(let pq): pq.codebookBytes
        case .scalar(let sq): sq.dimensions * 12
        }
    }

    func encode(_ vector: UnsafePointer<Float>, into code: UnsafeMutablePointer<UInt8>) {
        switch self {
        case .product(let pq): pq.encode(vector, into: code)
        case .scalar(let sq): sq.encode(vector, into: code)
        }
    }
}

/// How a graph compresses its vectors for searching.
public struct VectorCompression: Sendable, Equatable {
    public var quantization: VectorQuantization
    public var subquantizers: Int
    public var centroids: Int

    public init(quantization: VectorQuantization = .none, subquantizers: Int = 0, centroids: Int = 256) {
        self.quantization = quantization; self.subquantizers = subquantizers; self.centroids = centroids
    }

    public static let none = VectorCompression()

    /// Vectors needed before training.
    public var trainingThreshold: Int {
        switch quantization {
        case .none: Int.max
        case .scalar: 256
        case .product: max(16 * centroids, 256)
        }
    }

    /// Most vectors a training run samples (FAISS trains on 256 per centroid;
    /// 32 keep training to seconds while re-ranking recovers the precision).
    var trainingSample: Int { quantization == .product ? 32 * centroids : 65_536 }
}

extension HNSWGraph {
    /// Distance from a query to codes through a product quantizer's table.
    struct TableDistance: NodeDistance {
        let table: UnsafePointer<Float>
        let codes: UnsafePointer<UInt8>
        let subquantizers: Int
        let centroids: Int
        let offset: Float
        @inline(__always)
        func callAsFunction(_ node: UInt32) -> Float {
            offset + ProductQuantizer.adcDistance(table: table, code: codes + Int(node) * subquantizers,
                                                  subquantizers: subquantizers, centroids: centroids)
        }
        @inline(__always)
        func prefetch(_ node: UInt32) { Distances.prefetch(codes + Int(node) * subquantizers) }
    }

    /// Distance from a query to 8-bit scalar codes.
    struct ScalarDistance: NodeDistance {
        let quantizer: ScalarQuantizer
        let query: UnsafePointer<Float>
        let codes: UnsafePointer<UInt8>
        let metric: VectorMetric
        @inline(__always)
        func callAsFunction(_ node: UInt32) -> Float {
            let d = quantizer.distance(query: query, code: codes + Int(node) * quantizer.dimensions, metric: metric)
            return metric == .cosine ? 1 + d : d
        }
        @inline(__always)
        func prefetch(_ node: UInt32) { Distances.prefetch(codes + Int(node) * quantizer.dimensions) }
    }

    /// The vector of `node` as codes see it: unit length for cosine
    /// (empty when the owner no longer has it).
    func unitCopy(_ node: UInt32) -> [Float] {
        guard var copy = storedVector(node), copy.count == dimensions else { return [] }
        if metric == .cosine, !ownsVectors { copy.withUnsafeMutableBufferPointer { Distances.normalize($0.baseAddress!, dimensions) } }
        return copy
    }

    /// Encodes node `node` with the current codebook.
    func encodeNode(_ node: UInt32) {
        guard let codebook, let codes else { return }
        let unit = unitCopy(node)
        guard unit.count == dimensions else { return }
        unit.withUnsafeBufferPointer { codebook.encode($0.baseAddress!, into: codes + Int(node) * codebook.codeSize) }
    }

    /// Trains (or retrains) the quantizer on a sample of the stored vectors
    /// and encodes every node. Not thread-safe.
    public func trainQuantizer() throws(VectorError) {
        guard compression.quantization != .none, count > 0 else { return }
        let wanted = min(count, compression.trainingSample)
        let step = Double(count) / Double(wanted)
        var samples: [Float] = []
        samples.reserveCapacity(wanted * dimensions)
        var sampled = 0
        for i in 0..<wanted {
            let unit = unitCopy(UInt32(Double(i) * step))
            if unit.count == dimensions { samples.append(contentsOf: unit); sampled += 1 }
        }
        guard sampled > 0 else { return }
        let sampleCount = sampled
        let trained: VectorCodebook
        switch compression.quantization {
        case .none: return
        case .scalar:
            trained = .scalar(try ScalarQuantizer.train(samples: samples, count: sampleCount, dimensions: dimensions))
        case .product:
            let version = (codebook?.version ?? 0) + 1
            trained = .product(try ProductQuantizer.train(
                samples: samples, count: sampleCount, dimensions: dimensions, subquantizers: compression.subquantizers,
                centroids: compression.centroids, seed: parameters.seed, iterations: 10, version: version))
        }
        installCodebook(trained)
        trainedOn = sampleCount
        for node in 0..<UInt32(count) { encodeNode(node) }
    }

    /// Trains when enough vectors have arrived (or enough more since the
    /// last training); a failure leaves the graph searching exactly.
    func trainIfDue() {
        guard compression.quantization != .none else { return }
        if codebook == nil ? count >= compression.trainingThreshold
            : (trainedOn < compression.trainingSample && count >= 10 * trainedOn) {
            try? trainQuantizer()
        }
    }

    /// Quantized search: exact brute force before training, else the graph
    /// walked on codes with the best `rerankDepth` candidates re-ranked exactly.
    func quantizedSearch(_ prepared: UnsafePointer<Float>, k: Int, ef: Int, rerankDepth: Int?,
                         accept: ((UInt32) -> Bool)?, stats: inout VectorSearchStats) -> [Neighbor] {
        guard let codebook, let codes else { return exhaustive(prepared, k: k, accept: accept, stats: &stats) }
        let found: NeighborHeap
        switch codebook {
        case .product(let pq):
            var table = [Float](repeating: 0, count: pq.tableSize)
            found = table.withUnsafeMutableBufferPointer { t in
                pq.distanceTable(query: prepared, metric: metric, into: t.baseAddress!)
                let distance = TableDistance(table: t.baseAddress!, codes: codes, subquantizers: pq.subquantizers,
                                             centroids: pq.centroids, offset: metric == .cosine ? 1 : 0)
                return searchGraph(distance: distance, ef: ef, accept: accept, examined: &stats.candidatesExamined)
            }
        case .scalar(let sq):
            found = searchGraph(distance: ScalarDistance(quantizer: sq, query: prepared, codes: codes, metric: metric),
                                ef: ef, accept: accept, examined: &stats.candidatesExamined)
        }
        stats.filterExhausted = accept != nil && found.count < ef
        let depth = max(k, min(rerankDepth ?? found.count, found.count))
        let candidates = found.sorted().prefix(depth)
        stats.reranked = true
        return candidates.map { Neighbor(distance: exactDistance(prepared, $0.node), node: $0.node) }
            .sorted { $0.distance < $1.distance }
    }
}

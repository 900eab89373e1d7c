import Core

// An HNSW graph as bytes, so a restart loads the index instead of
// rebuilding it. Layout (little-endian), after the magic "HNSW" and a
// format byte:
//
//   dimensions, metric, m, ef_construction, ef_search, seed,
//   quantization, subquantizers, centroids, owns-vectors flag,
//   count, entry point, max level, trained-on count     (varints / u64)
//   levels            count bytes
//   level-0 links     count × (2m + 1) u32
//   upper links       for each node above level 0: node, then level × (m + 1) u32
//   vectors           count × dimensions f32 (arena graphs only: a quantized
//                     graph's vectors come from its owner's rows)
//   codebook          0, or 1 + kind + quantizer bytes, then count × code size bytes
//
// Decoding checks every size and every link before building the graph,
// so corrupt input fails with an error, never a crash.

extension HNSWGraph {
    static let magic: [UInt8] = Array("HNSW".utf8)
    static let formatVersion: UInt8 = 1

    public func serialized() -> [UInt8] {
        var w = ByteWriter(capacity: count * (level0Stride * 4 + dimensions * 4 + 8) + 256)
        w.raw(Self.magic)
        w.u8(Self.formatVersion)
        w.count(dimensions)
        w.string(metric.rawValue)
        w.count(parameters.m); w.count(parameters.efConstruction); w.count(parameters.efSearch); w.u64(parameters.seed)
        w.string(compression.quantization.rawValue); w.count(compression.subquantizers); w.count(compression.centroids)
        w.bool(ownsVectors)
        w.count(count)
        w.u64(UInt64(entryPoint)); w.zigzag(Int64(maxLevel)); w.count(trainedOn)
        w.raw(UnsafeRawBufferPointer(start: levels, count: count))
        w.raw(UnsafeRawBufferPointer(start: links0, count: count * level0Stride * 4))
        for node in upperLinks.keys.sorted() {
            w.u32(node)
            w.raw(UnsafeRawBufferPointer(start: upperLinks[node]!, count: Int(levels[Int(node)]) * upperStride * 4))
        }
        if let arena { w.raw(UnsafeRawBufferPointer(start: arena, count: count * dimensions * 4)) }
        switch codebook {
        case nil: w.u8(0)
        case .product(let pq)?: w.u8(1); w.bytes(pq.serialized())
        case .scalar(let sq)?: w.u8(2); w.bytes(sq.serialized())
        }
        if let codebook, let codes { w.raw(UnsafeRawBufferPointer(start: codes, count: count * codebook.codeSize)) }
        return w.bytes
    }

    /// Decodes `serialized()` output.
    public static func deserialize(_ bytes: [UInt8]) throws(VectorError) -> HNSWGraph {
        do {
            return try decode(bytes)
        } catch let error as VectorError {
            throw error
        } catch {
            throw VectorError("XX001", "corrupt HNSW index: \(error)")
        }
    }

    private static func corrupt(_ what: String) -> VectorError { VectorError("XX001", "corrupt HNSW index: \(what)") }

    private static func decode(_ bytes: [UInt8]) throws -> HNSWGraph {
        var r = ByteReader(bytes)
        guard Array(try r.raw(count: 4)) == magic else { throw corrupt("bad magic") }
        guard try r.u8() == formatVersion else { throw corrupt("unknown format version") }
        let dimensions = try r.count()
        guard (1...16_000).contains(dimensions), let metric = VectorMetric(rawValue: try r.string()) else { throw corrupt("bad header") }
        let m = try r.count(), efConstruction = try r.count(), efSearch = try r.count(), seed = try r.u64()
        guard (2...100).contains(m), efConstruction >= 1, efSearch >= 1,
              let quantization = VectorQuantization(rawValue: try r.string()) else { throw corrupt("bad parameters") }
        let compression = VectorCompression(quantization: quantization, subquantizers: try r.count(), centroids: try r.count())
        let owns = try r.bool()
        let count = try r.count()
        let entry = try r.u64(), maxLevel = Int(try r.zigzag()), trainedOn = try r.count()
        let graph = HNSWGraph(dimensions: dimensions, metric: metric,
                              parameters: HNSWParameters(m: m, efConstruction: efConstruction, efSearch: efSearch, seed: seed),
                              compression: compression, ownsVectors: owns)
        guard count <= bytes.count, (count == 0 && entry == UInt64(none) && maxLevel == -1)
                || (entry < UInt64(count) && (0...15).contains(maxLevel)) else { throw corrupt("bad entry point") }
        let levelBytes = Array(try r.raw(count: count))
        let linkBytes = Array(try r.raw(count: count * graph.level0Stride * 4))
        var upper: [(UInt32, [UInt8])] = []
        for (node, level) in levelBytes.enumerated() where level > 0 {
            guard level <= 15, try r.u32() == UInt32(node) else { throw corrupt("upper links out of order") }
            upper.append((UInt32(node), Array(try r.raw(count: Int(level) * graph.upperStride * 4))))
        }
        var vectors: [[Float]] = []
        if owns {
            vectors.reserveCapacity(count)
            for _ in 0..<count {
                let raw = try r.raw(count: dimensions * 4)
                vectors.append(raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
            }
        }
        var codebook: VectorCodebook?
        switch try r.u8() {
        case 0: break
        case 1: codebook = .product(try ProductQuantizer(serialized: try r.bytes()))
        case 2: codebook = .scalar(try ScalarQuantizer(serialized: try r.bytes()))
        default: throw corrupt("unknown codebook kind")
        }
        let codeBytes = codebook.map { Array((try? r.raw(count: count * $0.codeSize)) ?? []) } ?? []
        if let codebook, codeBytes.count != count * codebook.codeSize { throw corrupt("truncated codes") }
        try r.expectEnd()

        // Every link must name a node; counts must fit their lists.
        func checkList(_ words: UnsafeBufferPointer<UInt32>, capacity: Int) throws {
            guard Int(words[0]) <= capacity else { throw corrupt("link list too long") }
            for i in 0..<Int(words[0]) where Int(words[1 + i]) >= count { throw corrupt("link to a missing node") }
        }
        try linkBytes.withUnsafeBytes { raw in
            let words = raw.bindMemory(to: UInt32.self)
            for node in 0..<count {
                try checkList(UnsafeBufferPointer(rebasing: words[(node * graph.level0Stride)..<((node + 1) * graph.level0Stride)]),
                              capacity: graph.maxM0)
            }
        }
        for (_, list) in upper {
            try list.withUnsafeBytes { raw in
                let words = raw.bindMemory(to: UInt32.self)
                for start in stride(from: 0, to: words.count, by: graph.upperStride) {
                    try checkList(UnsafeBufferPointer(rebasing: words[start..<(start + graph.upperStride)]), capacity: m)
                }
            }
        }
        graph.restore(count: count, levels: levelBytes, links: linkBytes, upper: upper, vectors: vectors, entry: UInt32(truncatingIfNeeded: entry),
                      maxLevel: maxLevel, codebook: codebook, codes: codeBytes, trainedOn: trainedOn)
        return graph
    }
}

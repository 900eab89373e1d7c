import Core

// Product quantization (Jégou, Douze & Schmid, "Product quantization for
// nearest neighbor search", TPAMI 2011), laid out as FAISS's
// ProductQuantizer: a vector of `dimensions` floats is cut into M =
// `subquantizers` consecutive subvectors of dsub = dimensions / M floats;
// each subspace has its own codebook of K ≤ 256 centroids learned by
// k-means, and a vector's code is M bytes, the index of the nearest
// centroid in each subspace.
//
// Search compares a float query with codes asymmetrically (ADC): one
// `distanceTable` per query holds, for every subspace m and centroid k, the
// query's partial distance to centroid (m, k); the distance to a code is
// then M table look-ups and additions (`adcDistance`), with no decoding.
//
// Codebook layout: `codebook[(m * K + k) * dsub + j]` is coordinate j of
// centroid k of subspace m. Distance tables are M × K floats,
// `table[m * K + k]`.
//
// Serialized form (all integers as in Core's BinaryCodec):
//
//     "PQ"        2 magic bytes, 0x50 0x51
//     format      u8, `ProductQuantizer.formatVersion` (1)
//     dimensions  varint
//     M           varint, divides dimensions
//     K           varint, 1…256
//     version     zigzag, the codebook version
//     codebook    M × K × dsub floats, each its u32 bit pattern (LE);
//                 exactly the bytes that remain

/// M per-subspace codebooks of K ≤ 256 centroids; codes are M bytes.
public struct ProductQuantizer: Sendable, Equatable {
    /// The serialized form's format byte (after the "PQ" magic).
    public static let formatVersion: UInt8 = 1
    static let magic: [UInt8] = [0x50, 0x51]
    /// Codes are one byte per subspace.
    public static let maxCentroids = 256
    /// Training subsamples to at most this many vectors per centroid
    /// (FAISS's `max_points_per_centroid`): k-means gains little beyond it.
    public static let defaultMaxPointsPerCentroid = 256

    /// Length of the vectors encoded.
    public let dimensions: Int
    /// M, the number of subspaces and of bytes in a code.
    public let subquantizers: Int
    /// K, the centroids per subspace (1…256).
    public let centroids: Int
    /// dsub = dimensions / M.
    public let subDimensions: Int
    /// M × K × dsub floats: `codebook[(m * K + k) * dsub + j]`. Rebuilt
    /// from `blocks` when asked for: an index keeps only the transposed copy.
    public var codebook: [Float] {
        var book = [Float]()
        book.reserveCapacity(dimensions * centroids)
        for m in 0..<subquantizers {
            for k in 0..<centroids { for j in 0..<subDimensions { book.append(blocks[m].coordinate(j, of: k)) } }
        }
        return book
    }
    /// Resident bytes of the centroids.
    public var codebookBytes: Int { blocks.reduce(0) { $0 + $1.storage.count * 4 } }
    /// The codebook's version number, stored by the index with the codes it
    /// made, so codes of an older codebook are never read with a newer one.
    public var version: Int
    /// Each subspace's centroids transposed for encoding and distance
    /// tables (derived from the codebook).
    let blocks: [CentroidBlocks]

    /// Bytes per code (M).
    public var codeSize: Int { subquantizers }
    /// Floats in a distance table (M × K).
    public var tableSize: Int { subquantizers * centroids }

    /// A quantizer from a codebook trained elsewhere (or deserialized).
    public init(dimensions: Int, subquantizers: Int, centroids: Int, codebook: [Float],
                version: Int = 1) throws(VectorError) {
        try Self.validateShape(dimensions: dimensions, subquantizers: subquantizers, centroids: centroids)
        let (size, overflow) = dimensions.multipliedReportingOverflow(by: centroids)
        guard !overflow, codebook.count == size else {
            throw .invalid("product quantizer codebook holds \(codebook.count) floats, expected \(centroids) × \(dimensions)")
        }
        guard codebook.allSatisfy(\.isFinite) else { throw .invalid("product quantizer codebook holds a non-finite value") }
        self.dimensions = dimensions
        self.subquantizers = subquantizers
        self.centroids = centroids
        self.subDimensions = dimensions / subquantizers
        self.version = version
        let dsub = dimensions / subquantizers
        self.blocks = codebook.withUnsafeBufferPointer { book in
            (0..<subquantizers).map { m in
                CentroidBlocks(centroids: book.baseAddress! + m * centroids * dsub, count: centroids, dimensions: dsub)
            }
        }
    }

    static func validateShape(dimensions: Int, subquantizers: Int, centroids: Int) throws(VectorError) {
        guard dimensions >= 1 else { throw .invalid("product quantizer needs at least one dimension, got \(dimensions)") }
        guard subquantizers >= 1, dimensions % subquantizers == 0 else {
            throw .invalid("\(subquantizers) subquantizers do not divide \(dimensions) dimensions")
        }
        guard (1...maxCentroids).contains(centroids) else {
            throw .invalid("product quantizer centroids must be between 1 and \(maxCentroids), got \(centroids)")
        }
    }

    // MARK: - Training

    /// Learns M codebooks from `count` vectors (`samples` flattened,
    /// count × dimensions), each subspace by k-means++ and up to
    /// `iterations` Lloyd rounds.
    ///
    /// When there are more than `maxPointsPerCentroid × K` samples, training
    /// uses that many, drawn uniformly without replacement under `seed`
    /// (FAISS's rule, default 256 per centroid: 65,536 vectors for K = 256).
    /// The same samples, parameters and seed give the same codebook.
    public static func train(samples: [Float], count: Int, dimensions: Int, subquantizers: Int,
                             centroids: Int = 256, seed: UInt64 = 0, iterations: Int = 25,
                             maxPointsPerCentroid: Int = defaultMaxPointsPerCentroid,
                             version: Int = 1) throws(VectorError) -> ProductQuantizer {
        try validateShape(dimensions: dimensions, subquantizers: subquantizers, centroids: centroids)
        try validateSamples(samples, count: count, dimensions: dimensions)
        guard count >= centroids else { throw .invalid("training needs at least \(centroids) vectors, got \(count)") }
        guard iterations >= 0 else { throw .invalid("training iterations must not be negative, got \(iterations)") }
        guard maxPointsPerCentroid >= 1 else {
            throw .invalid("maxPointsPerCentroid must be positive, got \(maxPointsPerCentroid)")
        }

        let (limit, overflow) = maxPointsPerCentroid.multipliedReportingOverflow(by: centroids)
        var chosen = Array(0..<count)
        if !overflow && count > limit {
            var generator = SeededGenerator(seed: seed, stream: .max)
            chosen = KMeans.sampleIndices(count: count, choose: limit, using: &generator).sorted()
        }

        let dsub = dimensions / subquantizers, n = chosen.count
        var codebook = [Float]()
        codebook.reserveCapacity(subquantizers * centroids * dsub)
        var subspace = [Float](repeating: 0, count: n * dsub)
        samples.withUnsafeBufferPointer { all in
            for m in 0..<subquantizers {
                for (row, point) in chosen.enumerated() {
                    let source = all.baseAddress! + point * dimensions + m * dsub
                    for j in 0..<dsub { subspace[row * dsub + j] = source[j] }
                }
                var streams = SeededGenerator(seed: seed, stream: UInt64(m))
                let subspaceSeed = streams.next()
                let trained = subspace.withUnsafeBufferPointer { data in
                    KMeans.train(data: data.baseAddress!, count: n, dimensions: dsub, clusters: centroids,
                                 iterations: iterations, seed: subspaceSeed)
                }
                codebook.append(contentsOf: trained)
            }
        }
        return try ProductQuantizer(dimensions: dimensions, subquantizers: subquantizers, centroids: centroids,
                                    codebook: codebook, version: version)
    }

    static func validateSamples(_ samples: [Float], count: Int, dimensions: Int) throws(VectorError) {
        let (size, overflow) = count.multipliedReportingOverflow(by: dimensions)
        guard count >= 0, !overflow, samples.count == size else {
            throw .invalid("training samples hold \(samples.count) floats, expected \(count) vectors × \(dimensions)")
        }
        guard samples.allSatisfy(\.isFinite) else { throw .invalid("training vectors must be finite") }
    }

    // MARK: - Codes

    /// Writes the M-byte code of `vector` (`dimensions` floats): the nearest
    /// centroid of each subspace, lowest index on ties.
    public func encode(_ vector: UnsafePointer<Float>, into code: UnsafeMutablePointer<UInt8>) {
        let dsub = subDimensions
        for m in 0..<subquantizers {
            code[m] = UInt8(truncatingIfNeeded: blocks[m].nearest(to: vector + m * dsub).index)
        }
    }

    /// The code of `vector`; throws unless it has `dimensions` elements.
    public func encode(_ vector: [Float]) throws(VectorError) -> [UInt8] {
        try checkDimensions(vector.count)
        var code = [UInt8](repeating: 0, count: subquantizers)
        vector.withUnsafeBufferPointer { v in
            code.withUnsafeMutableBufferPointer { c in encode(v.baseAddress!, into: c.baseAddress!) }
        }
        return code
    }

    /// Writes the reconstruction of `code` (its centroids, concatenated) as
    /// `dimensions` floats. Every code byte must be below K.
    public func decode(_ code: UnsafePointer<UInt8>, into vector: UnsafeMutablePointer<Float>) {
        let (K, dsub) = (centroids, subDimensions)
        for m in 0..<subquantizers {
            let k = Int(code[m])
            precondition(k < K, "code byte \(k) exceeds the \(K) centroids")
            for j in 0..<dsub { vector[m * dsub + j] = blocks[m].coordinate(j, of: k) }
        }
    }

    /// The reconstruction of `code`; throws unless it has M bytes, each below K.
    public func decode(_ code: [UInt8]) throws(VectorError) -> [Float] {
        guard code.count == subquantizers else {
            throw .invalid("product quantizer code has \(code.count) bytes, expected \(subquantizers)")
        }
        if let m = code.firstIndex(where: { Int($0) >= centroids }) {
            throw .invalid("code byte \(code[m]) of subquantizer \(m) exceeds the \(centroids) centroids")
        }
        var vector = [Float](repeating: 0, count: dimensions)
        code.withUnsafeBufferPointer { c in
            vector.withUnsafeMutableBufferPointer { v in decode(c.baseAddress!, into: v.baseAddress!) }
        }
        return vector
    }

    func checkDimensions(_ count: Int) throws(VectorError) {
        guard count == dimensions else { throw .quantizerDimensions(expected: dimensions, got: count) }
    }

    // MARK: - Asymmetric distance

    /// Fills `table` (M × K floats, `table[m * K + k]`) with the partial
    /// distances from `query` (`dimensions` floats) to every centroid, such
    /// that `adcDistance` of a code sums to:
    ///
    /// - `.l2`: ‖q − x̂‖², the squared Euclidean distance to the code's
    ///   reconstruction x̂ (entries are squared sub-distances);
    /// - `.innerProduct`: −⟨q, x̂⟩, pgvector's `<#>` against x̂ (entries are
    ///   negated sub dot products);
    /// - `.cosine`: also −⟨q, x̂⟩. The table neither normalizes `q` nor
    ///   knows norms: an index of unit vectors, queried with a unit `q`,
    ///   adds 1 to get cosine distance 1 − ⟨q, x̂⟩ (x̂ itself is only
    ///   approximately unit length).
    ///
    /// Smaller is closer in every case.
    public func distanceTable(query: UnsafePointer<Float>, metric: VectorMetric, into table: UnsafeMutablePointer<Float>) {
        let (K, dsub) = (centroids, subDimensions)
        for m in 0..<subquantizers {
            blocks[m].storage.withUnsafeBufferPointer { block in
                CentroidBlocks.distances(from: query + m * dsub, blocks: block.baseAddress!, count: K, dimensions: dsub,
                                         negatedDot: metric != .l2, into: table + m * K)
            }
        }
    }

    /// The distance table of `query` (see the pointer form); throws unless
    /// it has `dimensions` elements.
    public func distanceTable(query: [Float], metric: VectorMetric) throws(VectorError) -> [Float] {
        try checkDimensions(query.count)
        var table = [Float](repeating: 0, count: tableSize)
        query.withUnsafeBufferPointer { q in
            table.withUnsafeMutableBufferPointer { t in distanceTable(query: q.baseAddress!, metric: metric, into: t.baseAddress!) }
        }
        return table
    }

    /// Σₘ table[m·K + code[m]]: the query's distance to one code, by the
    /// table's metric (see `distanceTable`). Every code byte must be below K;
    /// nothing is checked. Unrolled by 8 into four running sums, with
    /// wrapping index arithmetic so no overflow checks stay in the loop.
    @inlinable
    public static func adcDistance(table: UnsafePointer<Float>, code: UnsafePointer<UInt8>,
                                   subquantizers M: Int, centroids K: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        let k2 = K &+ K, k3 = k2 &+ K, k4 = k2 &+ k2, k5 = k4 &+ K, k6 = k4 &+ k2, k7 = k4 &+ k3, k8 = k4 &+ k4
        var t = table, c = code
        var m = 0
        while m &+ 8 <= M {
            s0 += t[Int(c[0])]
            s1 += t[K &+ Int(c[1])]
            s2 += t[k2 &+ Int(c[2])]
            s3 += t[k3 &+ Int(c[3])]
            s0 += t[k4 &+ Int(c[4])]
            s1 += t[k5 &+ Int(c[5])]
            s2 += t[k6 &+ Int(c[6])]
            s3 += t[k7 &+ Int(c[7])]
            t += k8
            c += 8
            m &+= 8
        }
        while m < M {
            s0 += t[Int(c[0])]
            t += K
            c += 1
            m &+= 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    // MARK: - Serialization

    /// The quantizer as bytes (see the file header for the layout).
    public func serialized() -> [UInt8] {
        let codebook = self.codebook
        var writer = ByteWriter(capacity: 16 + codebook.count * 4)
        writer.raw(Self.magic)
        writer.u8(Self.formatVersion)
        writer.count(dimensions)
        writer.count(subquantizers)
        writer.count(centroids)
        writer.zigzag(Int64(version))
        writer.floats(codebook)
        return writer.bytes
    }

    /// Reads a quantizer written by `serialized()`. Truncated or extra
    /// bytes, a wrong magic or format, inconsistent sizes and non-finite
    /// centroids throw (SQLSTATE XX001).
    public init(serialized bytes: [UInt8]) throws(VectorError) {
        do throws(CodecError) {
            var reader = ByteReader(bytes)
            try reader.expectMagic(Self.magic, format: Self.formatVersion, of: "product quantizer")
            let start = reader.offset
            let dimensions = try reader.int(), subquantizers = try reader.int(), centroids = try reader.int()
            let version = try reader.zigzag()
            do throws(VectorError) {
                try Self.validateShape(dimensions: dimensions, subquantizers: subquantizers, centroids: centroids)
            } catch {
                throw CodecError(error.message, at: start)
            }
            let codebook = try reader.floats(count: dimensions.multipliedReportingOverflow(by: centroids),
                                             of: "product quantizer codebook")
            guard let version = Int(exactly: version) else { throw CodecError("version out of range", at: start) }
            do throws(VectorError) {
                self = try ProductQuantizer(dimensions: dimensions, subquantizers: subquantizers,
                                            centroids: centroids, codebook: codebook, version: version)
            } catch {
                throw CodecError(error.message, at: start)
            }
        } catch {
            throw VectorError(CodecError.dataCorrupted, "corrupt product quantizer: \(error.message)")
        }
    }
}

// MARK: - Helpers shared by the quantizers

extension VectorError {
    /// A vector of the wrong length for a quantizer: pgvector's wording and
    /// SQLSTATE 22000 (data_exception).
    static func quantizerDimensions(expected: Int, got: Int) -> VectorError {
        VectorError("22000", "expected \(expected) dimensions, not \(got)")
    }
}

extension ByteWriter {
    /// Floats as their u32 bit patterns, with no count (the reader knows it).
    mutating func floats(_ values: [Float]) {
        for v in values { u32(v.bitPattern) }
    }
}

extension ByteReader {
    /// Checks the magic bytes and the format byte that follows them.
    mutating func expectMagic(_ magic: [UInt8], format: UInt8, of what: String) throws(CodecError) {
        let start = offset
        guard remaining >= magic.count + 1 else { throw CodecError("too short for a \(what)", at: start) }
        guard try raw(count: magic.count).elementsEqual(magic) else { throw CodecError("not a \(what)", at: start) }
        let found = try u8()
        guard found == format else { throw CodecError("unknown \(what) format \(found)", at: start) }
    }

    /// Exactly `count.partialValue` floats that must fill the rest of the
    /// input; the size is checked against the bytes remaining before
    /// anything is allocated.
    mutating func floats(count: (partialValue: Int, overflow: Bool), of what: String) throws(CodecError) -> [Float] {
        let start = offset
        let (bytes, overflow) = count.partialValue.multipliedReportingOverflow(by: 4)
        guard !count.overflow, !overflow, bytes == remaining else {
            throw CodecError("\(what) takes \(remaining) bytes, which is not the size its header gives", at: start)
        }
        let raw = try raw(count: bytes)
        return raw.withUnsafeBytes { buffer in
            (0..<count.partialValue).map {
                Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
            }
        }
    }
}

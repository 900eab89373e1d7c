import Core

// 8-bit scalar quantization: each dimension i has a range [minᵢ, maxᵢ]
// learned from training vectors and split into 255 equal steps,
// stepᵢ = (maxᵢ − minᵢ) / 255. A value x is stored as the byte
// c = round((x − minᵢ) / stepᵢ), clamped to 0…255, and read back as
// minᵢ + c·stepᵢ, so values inside the trained range come back within
// stepᵢ / 2. Values outside it are clamped to its ends. A dimension whose
// range is empty (every sample equal) has step 0: it encodes as 0 and
// decodes to its one value. Ranges wider than half of Float's largest value
// are refused, so decoding never overflows.
//
// The distances compare a float query with a code without building the
// decoded vector (asymmetrically, like product quantization's ADC), 16
// dimensions at a time: the 16 code bytes widen to a SIMD16<Float>, are
// scaled and offset, and meet the query in the same kernels as
// `Distances`. A code takes `dimensions` bytes, a quarter of the floats.
//
// Serialized form (integers as in Core's BinaryCodec):
//
//     "SQ"        2 magic bytes, 0x53 0x51
//     format      u8, `ScalarQuantizer.formatVersion` (1)
//     dimensions  varint
//     minimums    dimensions floats, u32 bit patterns (LE)
//     maximums    dimensions floats, likewise; exactly the bytes that remain

/// Per-dimension 8-bit quantization over learned [min, max] ranges.
public struct ScalarQuantizer: Sendable, Equatable {
    /// The serialized form's format byte (after the "SQ" magic).
    public static let formatVersion: UInt8 = 1
    static let magic: [UInt8] = [0x53, 0x51]
    /// The widest range a dimension may have: half of Float's largest value.
    public static let maximumRange = Float.greatestFiniteMagnitude / 2

    /// Length of the vectors encoded, and bytes per code.
    public let dimensions: Int
    /// The low end of each dimension's range (decodes from byte 0).
    public let minimums: [Float]
    /// The high end of each dimension's range (decodes from byte 255).
    public let maximums: [Float]
    /// (max − min) / 255 per dimension; 0 where the range is empty.
    public let steps: [Float]
    /// 1 / step, or 0 where the step is 0 (or too small to invert).
    let inverseSteps: [Float]

    /// Bytes per code (one per dimension).
    public var codeSize: Int { dimensions }

    /// A quantizer over the given ranges; each minimum must be finite and
    /// no larger than its maximum.
    public init(minimums: [Float], maximums: [Float]) throws(VectorError) {
        guard !minimums.isEmpty else { throw .invalid("scalar quantizer needs at least one dimension") }
        guard minimums.count == maximums.count else {
            throw .invalid("scalar quantizer has \(minimums.count) minimums but \(maximums.count) maximums")
        }
        for i in minimums.indices {
            guard minimums[i].isFinite, maximums[i].isFinite, minimums[i] <= maximums[i] else {
                throw .invalid("scalar quantizer range [\(minimums[i]), \(maximums[i])] of dimension \(i) is not a finite interval")
            }
            // So that min + c·step, c ≤ 255, cannot overflow.
            guard maximums[i] - minimums[i] <= Self.maximumRange else {
                throw .invalid("scalar quantizer range [\(minimums[i]), \(maximums[i])] of dimension \(i) is too wide")
            }
        }
        self.dimensions = minimums.count
        self.minimums = minimums
        self.maximums = maximums
        var steps = [Float](repeating: 0, count: minimums.count)
        var inverseSteps = steps
        for i in minimums.indices {
            let step = (maximums[i] - minimums[i]) / 255
            let inverse = 1 / step
            if step > 0 && inverse.isFinite {
                steps[i] = step
                inverseSteps[i] = inverse
            }
        }
        self.steps = steps
        self.inverseSteps = inverseSteps
    }

    /// Learns each dimension's range as the minimum and maximum over `count`
    /// vectors (`samples` flattened, count × dimensions). Needs at least one
    /// finite vector.
    public static func train(samples: [Float], count: Int, dimensions: Int) throws(VectorError) -> ScalarQuantizer {
        guard dimensions >= 1 else { throw .invalid("scalar quantizer needs at least one dimension, got \(dimensions)") }
        guard count >= 1 else { throw .invalid("training needs at least 1 vector, got \(count)") }
        try ProductQuantizer.validateSamples(samples, count: count, dimensions: dimensions)
        var low = Array(samples[0..<dimensions]), high = low
        for point in 1..<count {
            let base = point * dimensions
            for j in 0..<dimensions {
                let x = samples[base + j]
                if x < low[j] { low[j] = x }
                if x > high[j] { high[j] = x }
            }
        }
        return try ScalarQuantizer(minimums: low, maximums: high)
    }

    // MARK: - Codes

    /// Writes the `dimensions`-byte code of `vector`.
    public func encode(_ vector: UnsafePointer<Float>, into code: UnsafeMutablePointer<UInt8>) {
        minimums.withUnsafeBufferPointer { low in
            inverseSteps.withUnsafeBufferPointer { inverse in
                for i in 0..<dimensions {
                    // minimum/maximum pass a NaN's neighbour through, so NaN
                    // becomes 255 rather than trapping in the conversion.
                    let scaled = ((vector[i] - low[i]) * inverse[i]).rounded(.toNearestOrEven)
                    code[i] = UInt8(Float.maximum(0, Float.minimum(255, scaled)))
                }
            }
        }
    }

    /// The code of `vector`; throws unless it has `dimensions` elements.
    public func encode(_ vector: [Float]) throws(VectorError) -> [UInt8] {
        guard vector.count == dimensions else { throw .quantizerDimensions(expected: dimensions, got: vector.count) }
        var code = [UInt8](repeating: 0, count: dimensions)
        vector.withUnsafeBufferPointer { v in
            code.withUnsafeMutableBufferPointer { c in encode(v.baseAddress!, into: c.baseAddress!) }
        }
        return code
    }

    /// Writes the reconstruction minᵢ + cᵢ·stepᵢ of `code` as `dimensions` floats.
    public func decode(_ code: UnsafePointer<UInt8>, into vector: UnsafeMutablePointer<Float>) {
        minimums.withUnsafeBufferPointer { low in
            steps.withUnsafeBufferPointer { step in
                for i in 0..<dimensions { vector[i] = low[i] + Float(code[i]) * step[i] }
            }
        }
    }

    /// The reconstruction of `code`; throws unless it has `dimensions` bytes.
    public func decode(_ code: [UInt8]) throws(VectorError) -> [Float] {
        guard code.count == dimensions else {
            throw .invalid("scalar quantizer code has \(code.count) bytes, expected \(dimensions)")
        }
        var vector = [Float](repeating: 0, count: dimensions)
        code.withUnsafeBufferPointer { c in
            vector.withUnsafeMutableBufferPointer { v in decode(c.baseAddress!, into: v.baseAddress!) }
        }
        return vector
    }

    // MARK: - Asymmetric distance

    /// ‖q − x̂‖², the squared Euclidean distance from `query` to the
    /// reconstruction x̂ of `code`.
    public func squaredL2(query: UnsafePointer<Float>, code: UnsafePointer<UInt8>) -> Float {
        minimums.withUnsafeBufferPointer { low in
            steps.withUnsafeBufferPointer { step in
                let (q, lo, st, c) = (UnsafeRawPointer(query), UnsafeRawPointer(low.baseAddress!),
                                      UnsafeRawPointer(step.baseAddress!), UnsafeRawPointer(code))
                var acc = SIMD16<Float>()
                var i = 0
                while i &+ 16 <= dimensions {
                    let x = lo.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
                        + widen(c.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self))
                        * st.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
                    let d = q.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self) - x
                    acc += d * d
                    i &+= 16
                }
                var sum = acc.sum()
                while i < dimensions {
                    let d = query[i] - (low[i] + Float(code[i]) * step[i])
                    sum += d * d
                    i += 1
                }
                return sum
            }
        }
    }

    /// ⟨q, x̂⟩, the dot product of `query` with the reconstruction x̂ of `code`.
    public func dot(query: UnsafePointer<Float>, code: UnsafePointer<UInt8>) -> Float {
        minimums.withUnsafeBufferPointer { low in
            steps.withUnsafeBufferPointer { step in
                let (q, lo, st, c) = (UnsafeRawPointer(query), UnsafeRawPointer(low.baseAddress!),
                                      UnsafeRawPointer(step.baseAddress!), UnsafeRawPointer(code))
                var acc = SIMD16<Float>()
                var i = 0
                while i &+ 16 <= dimensions {
                    let x = lo.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
                        + widen(c.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self))
                        * st.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
                    acc += q.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self) * x
                    i &+= 16
                }
                var sum = acc.sum()
                while i < dimensions {
                    sum += query[i] * (low[i] + Float(code[i]) * step[i])
                    i += 1
                }
                return sum
            }
        }
    }

    /// The distance from `query` to `code` on the same terms as a product
    /// quantizer's table: ‖q − x̂‖² for `.l2`, −⟨q, x̂⟩ for `.innerProduct`
    /// and `.cosine` (the index normalizes for cosine and adds 1). Smaller
    /// is closer.
    public func distance(query: UnsafePointer<Float>, code: UnsafePointer<UInt8>, metric: VectorMetric) -> Float {
        switch metric {
        case .l2: squaredL2(query: query, code: code)
        case .innerProduct, .cosine: -dot(query: query, code: code)
        }
    }

    /// The array form of `distance(query:code:metric:)`; throws unless both
    /// have `dimensions` elements.
    public func distance(query: [Float], code: [UInt8], metric: VectorMetric) throws(VectorError) -> Float {
        guard query.count == dimensions else { throw .quantizerDimensions(expected: dimensions, got: query.count) }
        guard code.count == dimensions else {
            throw .invalid("scalar quantizer code has \(code.count) bytes, expected \(dimensions)")
        }
        return query.withUnsafeBufferPointer { q in
            code.withUnsafeBufferPointer { c in distance(query: q.baseAddress!, code: c.baseAddress!, metric: metric) }
        }
    }

    /// 16 bytes as 16 floats. Written lane by lane because the standard
    /// library's generic `SIMD16<Float>(SIMD16<UInt8>)` stays an out-of-line
    /// call (with spills around it) in the loops above, while this form
    /// compiles to the widening shuffles and conversions inline: about
    /// twice as fast at 768 dimensions.
    @inline(__always)
    private func widen(_ b: SIMD16<UInt8>) -> SIMD16<Float> {
        SIMD16<Float>(Float(b[0]), Float(b[1]), Float(b[2]), Float(b[3]), Float(b[4]), Float(b[5]), Float(b[6]),
                      Float(b[7]), Float(b[8]), Float(b[9]), Float(b[10]), Float(b[11]), Float(b[12]), Float(b[13]),
                      Float(b[14]), Float(b[15]))
    }

    // MARK: - Serialization

    /// The quantizer as bytes (see the file header for the layout).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 8 + dimensions * 8)
        writer.raw(Self.magic)
        writer.u8(Self.formatVersion)
        writer.count(dimensions)
        writer.floats(minimums)
        writer.floats(maximums)
        return writer.bytes
    }

    /// Reads a quantizer written by `serialized()`. Truncated or extra
    /// bytes, a wrong magic or format and ranges that are not finite
    /// intervals throw (SQLSTATE XX001).
    public init(serialized bytes: [UInt8]) throws(VectorError) {
        do throws(CodecError) {
            var reader = ByteReader(bytes)
            try reader.expectMagic(Self.magic, format: Self.formatVersion, of: "scalar quantizer")
            let start = reader.offset
            let dimensions = try reader.int()
            let ranges = try reader.floats(count: dimensions.multipliedReportingOverflow(by: 2), of: "scalar quantizer ranges")
            do throws(VectorError) {
                self = try ScalarQuantizer(minimums: Array(ranges[0..<dimensions]),
                                           maximums: Array(ranges[dimensions...]))
            } catch {
                throw CodecError(error.message, at: start)
            }
        } catch {
            throw VectorError(CodecError.dataCorrupted, "corrupt scalar quantizer: \(error.message)")
        }
    }
}

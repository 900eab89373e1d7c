/// Double and float columns: row groups of 100 vectors of 1024 values, each
/// row group in ALP or ALP-rd, whichever the sample says is smaller, or as
/// they are when neither is estimated below `rawAbove` of the raw size (a
/// caller that reads the column often, such as vectors, gives up small
/// savings on random mantissas for raw decoding speed).
///
///     count
///     per row group: scheme (0 ALP, 1 ALP-rd, 2 raw)
///                    ALP-rd: right width, dictionary
///                    per vector: the scheme's vector (ALP.swift, ALPRD.swift)
///                    raw: the values' bits, little-endian, 4 or 8 bytes each
enum FloatCodec {
    enum Scheme: UInt8 {
        case alp = 0, alpRD = 1, raw = 2

        var name: String { self == .alp ? "alp" : self == .alpRD ? "alp_rd" : "raw" }
    }

    static func compress(_ column: FloatColumn, rawAbove: Double = 1, into out: inout ChunkWriter) {
        out.count(column.count)
        let rowGroupSize = ALP.rowGroupVectors * ALP.vectorSize
        for start in stride(from: 0, to: column.count, by: rowGroupSize) {
            let rowGroup = start..<min(column.count, start + rowGroupSize)
            let (candidates, alpBits) = ALP.candidates(column, rowGroup)
            let rd = ALPRD.plan(column, rowGroup)
            let vectors = stride(from: rowGroup.lowerBound, to: rowGroup.upperBound, by: ALP.vectorSize).map {
                $0..<min(rowGroup.upperBound, $0 + ALP.vectorSize)
            }
            if min(alpBits, rd.bitsPerValue) >= rawAbove * Double(column.valueBits) {
                out.u8(Scheme.raw.rawValue)
                for i in rowGroup {
                    let bits = column.bits[i]
                    if column.isFloat {
                        withUnsafeBytes(of: UInt32(truncatingIfNeeded: bits).littleEndian) { out.raw($0) }
                    } else {
                        out.u64(bits)
                    }
                }
            } else if rd.bitsPerValue < alpBits {
                out.u8(Scheme.alpRD.rawValue)
                ALPRD.writeHeader(rd, into: &out)
                for vector in vectors { ALPRD.writeVector(column, vector, rd, into: &out) }
            } else {
                out.u8(Scheme.alp.rawValue)
                for vector in vectors {
                    ALP.writeVector(column, vector, ALP.choose(column, vector, from: candidates), into: &out)
                }
            }
        }
    }

    /// The values' bit patterns (in the low 32 bits for floats). Memory
    /// grows vector by vector, so a forged count fails before it costs.
    static func decompress(_ reader: inout ChunkReader, isFloat: Bool) throws(CompressionError) -> [UInt64] {
        var schemes: Set<Scheme> = []
        return try decompress(&reader, isFloat: isFloat, schemes: &schemes)
    }

    /// Also collects the schemes of the row groups.
    static func decompress(_ reader: inout ChunkReader, isFloat: Bool,
                           schemes: inout Set<Scheme>) throws(CompressionError) -> [UInt64] {
        // The smallest vector (all one value) takes 5 bytes.
        let count = try reader.count("value count", limit: min(ColumnCodec.maxValues, ALP.vectorSize * reader.remaining / 4))
        var bits: [UInt64] = []
        bits.reserveCapacity(min(count, 64 * ALP.vectorSize))
        var vector = [UInt64](repeating: 0, count: ALP.vectorSize)
        let rowGroupSize = ALP.rowGroupVectors * ALP.vectorSize
        for start in stride(from: 0, to: count, by: rowGroupSize) {
            let end = min(count, start + rowGroupSize)
            let tag = try reader.u8("float scheme")
            guard let scheme = Scheme(rawValue: tag) else { throw CompressionError("unknown float scheme \(tag)") }
            schemes.insert(scheme)
            var plan: ALPRD.Plan?
            switch scheme {
            case .raw:
                let width = isFloat ? 4 : 8
                let raw = try reader.raw(width * (end - start), "raw values")
                for i in 0..<(end - start) {
                    bits.append(isFloat ? UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                                        : UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
                }
                continue
            case .alp: plan = nil
            case .alpRD: plan = try ALPRD.readHeader(&reader, valueBits: isFloat ? 32 : 64)
            }
            for vectorStart in stride(from: start, to: end, by: ALP.vectorSize) {
                let n = min(end - vectorStart, ALP.vectorSize)
                try vector.withUnsafeMutableBufferPointer { (buffer) throws(CompressionError) in
                    if let plan {
                        try ALPRD.readVector(&reader, count: n, plan: plan, into: buffer.baseAddress!)
                    } else {
                        try ALP.readVector(&reader, count: n, isFloat: isFloat, into: buffer.baseAddress!)
                    }
                }
                bits.append(contentsOf: vector[0..<n])
            }
        }
        return bits
    }
}

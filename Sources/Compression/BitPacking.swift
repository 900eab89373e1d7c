/// Unsigned values of a fixed bit width (0...64) packed LSB-first into
/// little-endian bytes: value i occupies bits [i·w, (i+1)·w) of the stream.
/// Width 0 stores nothing (every value is 0).
enum BitPacking {
    static func byteCount(count: Int, width: Int) -> Int { (count * width + 7) / 8 }

    /// The bits needed for `v` (0 for 0).
    @inline(__always)
    static func width(of v: UInt64) -> Int { 64 - v.leadingZeroBitCount }

    static func pack(_ values: UnsafeBufferPointer<UInt64>, width: Int, into out: inout [UInt8]) {
        precondition((0...64).contains(width), "bit width out of range")
        guard width > 0, !values.isEmpty else { return }
        let start = out.count
        let total = byteCount(count: values.count, width: width)
        // Whole words are written, then the tail cut back to `total`.
        out.append(contentsOf: repeatElement(0, count: (total + 7) / 8 * 8))
        out.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress! + start
            var acc: UInt64 = 0
            var filled = 0
            var word = 0
            let mask: UInt64 = width == 64 ? .max : (1 << UInt64(width)) - 1
            for v in values {
                let v = v & mask
                acc |= v << UInt64(filled)
                filled += width
                if filled >= 64 {
                    base.storeBytes(of: acc.littleEndian, toByteOffset: word * 8, as: UInt64.self)
                    word += 1
                    filled -= 64
                    acc = filled == 0 ? 0 : v >> UInt64(width - filled)
                }
            }
            if filled > 0 { base.storeBytes(of: acc.littleEndian, toByteOffset: word * 8, as: UInt64.self) }
        }
        out.removeLast(out.count - start - total)
    }

    static func pack(_ values: [UInt64], width: Int, into out: inout [UInt8]) {
        values.withUnsafeBufferPointer { pack($0, width: width, into: &out) }
    }

    /// Unpacks `count` values from `bytes` (which holds exactly
    /// `byteCount(count:width:)` bytes) into `out`.
    static func unpack(_ bytes: UnsafeRawBufferPointer, count: Int, width: Int, into out: UnsafeMutablePointer<UInt64>) {
        guard count > 0 else { return }
        guard width > 0 else { out.update(repeating: 0, count: count); return }
        let mask: UInt64 = width == 64 ? .max : (1 << UInt64(width)) - 1
        let byteTotal = bytes.count
        // Loads whole words where 8 bytes remain, byte by byte at the end.
        @inline(__always) func word(at byte: Int) -> UInt64 {
            if byte + 8 <= byteTotal {
                return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: byte, as: UInt64.self))
            }
            var w: UInt64 = 0
            var i = 0
            while byte + i < byteTotal { w |= UInt64(bytes[byte + i]) << UInt64(8 * i); i += 1 }
            return w
        }
        var bit = 0
        for i in 0..<count {
            let byte = bit >> 3, shift = bit & 7
            var v = word(at: byte) >> UInt64(shift)
            if shift + width > 64 { v |= UInt64(bytes[byte + 8]) << UInt64(64 - shift) }
            out[i] = v & mask
            bit += width
        }
    }

    static func unpack(_ bytes: UnsafeRawBufferPointer, count: Int, width: Int) -> [UInt64] {
        guard count > 0 else { return [] }
        return [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            unpack(bytes, count: count, width: width, into: buffer.baseAddress!)
            initialized = count
        }
    }
}

extension ChunkWriter {
    /// A width byte, then the packed values.
    mutating func packed(_ values: UnsafeBufferPointer<UInt64>, width: Int) {
        u8(UInt8(width))
        BitPacking.pack(values, width: width, into: &bytes)
    }

    mutating func packed(_ values: [UInt64]) {
        let width = BitPacking.width(of: values.max() ?? 0)
        values.withUnsafeBufferPointer { packed($0, width: width) }
    }

    /// Frame of reference: the minimum (zigzag), then the packed offsets from it.
    mutating func frameOfReference(_ values: UnsafeBufferPointer<Int64>) {
        let base = values.min() ?? 0
        var offsets = [UInt64](repeating: 0, count: values.count)
        var widest: UInt64 = 0
        for (i, v) in values.enumerated() {
            let offset = UInt64(bitPattern: v) &- UInt64(bitPattern: base)
            offsets[i] = offset
            widest |= offset
        }
        zigzag(base)
        offsets.withUnsafeBufferPointer { packed($0, width: BitPacking.width(of: widest)) }
    }
}

extension ChunkWriter {
    /// A block of integers (at most 65,536), in whichever of two forms is
    /// smaller: 0, frame of reference; 1, sparse: the most common value,
    /// then the positions (packed) and frame of reference of the others.
    /// Sparse suits mostly-constant blocks with a few outliers.
    mutating func integerBlock(_ values: UnsafeBufferPointer<Int64>) {
        precondition(values.count <= 1 << 16, "an integer block holds at most 65,536 values")
        let (low, high) = values.reduce((Int64.max, Int64.min)) { (min($0.0, $1), max($0.1, $1)) }
        let frameBits = values.isEmpty ? 0 : values.count * BitPacking.width(of: UInt64(bitPattern: high &- low))
        if let (common, others) = Self.sparse(values, cheaperThan: frameBits) {
            u8(1)
            zigzag(common)
            count(others.count)
            packed(others.map { UInt64($0) })
            let outliers = others.map { values[$0] }
            outliers.withUnsafeBufferPointer { frameOfReference($0) }
        } else {
            u8(0)
            frameOfReference(values)
        }
    }

    /// The value held by at least half the block and the positions of
    /// the rest, when that takes fewer bits than `frameBits`. (The
    /// majority vote of Boyer and Moore finds the candidate in one pass
    /// without a table; a second pass counts it.)
    private static func sparse(_ values: UnsafeBufferPointer<Int64>, cheaperThan frameBits: Int) -> (Int64, [Int])? {
        guard values.count >= 16, frameBits > 0 else { return nil }
        var candidate = values[0], votes = 0
        for v in values {
            if votes == 0 { candidate = v; votes = 1 } else if v == candidate { votes += 1 } else { votes -= 1 }
        }
        var others: [Int] = []
        for (i, v) in values.enumerated() where v != candidate {
            others.append(i)
            if others.count * 2 > values.count { return nil }
        }
        let (low, high) = others.reduce((Int64.max, Int64.min)) { (min($0.0, values[$1]), max($0.1, values[$1])) }
        let valueWidth = others.isEmpty ? 0 : BitPacking.width(of: UInt64(bitPattern: high &- low))
        let positionWidth = BitPacking.width(of: UInt64(others.last ?? 0))
        let sparseBits = others.count * (positionWidth + valueWidth) + 8 * 12
        return sparseBits < frameBits ? (candidate, others) : nil
    }
}

extension ChunkReader {
    mutating func integerBlock(count: Int, into out: UnsafeMutablePointer<Int64>) throws(CompressionError) {
        let form = try u8("integer block form")
        switch form {
        case 0:
            try frameOfReference(count: count, into: out)
        case 1:
            let common = try zigzag("common value")
            let others = try self.count("outlier count", limit: count)
            let positions = try packed(count: others)
            let outliers = try frameOfReference(count: others)
            out.update(repeating: common, count: count)
            for (p, v) in zip(positions, outliers) {
                guard p < UInt64(count) else { throw CompressionError("outlier position \(p) in a block of \(count)") }
                out[Int(p)] = v
            }
        default:
            throw CompressionError("unknown integer block form \(form)")
        }
    }

    /// Reads what `packed` wrote for `count` values.
    mutating func packed(count: Int, into out: UnsafeMutablePointer<UInt64>) throws(CompressionError) {
        let width = Int(try u8("bit width"))
        guard width <= 64 else { throw CompressionError("bit width \(width) exceeds 64") }
        let bytes = try raw(BitPacking.byteCount(count: count, width: width), "packed values")
        BitPacking.unpack(bytes, count: count, width: width, into: out)
    }

    mutating func packed(count: Int) throws(CompressionError) -> [UInt64] {
        let width = Int(try u8("bit width"))
        guard width <= 64 else { throw CompressionError("bit width \(width) exceeds 64") }
        let bytes = try raw(BitPacking.byteCount(count: count, width: width), "packed values")
        return BitPacking.unpack(bytes, count: count, width: width)
    }

    /// What `frameOfReference` wrote for `count` values (any count, 0 too).
    mutating func frameOfReference(count: Int) throws(CompressionError) -> [Int64] {
        let base = UInt64(bitPattern: try zigzag("frame base"))
        return try packed(count: count).map { Int64(bitPattern: $0 &+ base) }
    }

    mutating func frameOfReference(count: Int, into out: UnsafeMutablePointer<Int64>) throws(CompressionError) {
        let base = UInt64(bitPattern: try zigzag("frame base"))
        try out.withMemoryRebound(to: UInt64.self, capacity: count) { (words) throws(CompressionError) in
            try packed(count: count, into: words)
            for i in 0..<count { words[i] = words[i] &+ base }
        }
    }
}

/// ALP-rd ("real doubles"), for values that are not decimals: the bit
/// pattern of each value is cut in a left part of at most 16 bits (sign,
/// exponent, the top of the mantissa; few distinct values in real data) and
/// a right part. Left parts go through a dictionary of up to 8 entries,
/// right parts are bit-packed as they are. Left parts outside the
/// dictionary are exceptions (16-bit position, 16-bit left part). The cut
/// is chosen per row group on the same sample ALP uses, by the smallest
/// estimated size.
enum ALPRD {
    static let maxLeftBits = 16
    static let maxDictionary = 8

    struct Plan {
        var rightWidth: Int
        var dictionary: [UInt16]
        var bitsPerValue: Double

        var dictionaryWidth: Int { BitPacking.width(of: UInt64(max(1, dictionary.count) - 1)) }
    }

    static func plan(_ column: FloatColumn, _ rowGroup: Range<Int>) -> Plan {
        let sample = ALP.sample(rowGroup).flatMap { $0 }
        var best = Plan(rightWidth: column.valueBits, dictionary: [], bitsPerValue: Double(column.valueBits) + 1)
        guard !sample.isEmpty else { return best }
        for leftBits in 1...maxLeftBits {
            let rightWidth = column.valueBits - leftBits
            var frequency: [UInt16: Int] = [:]
            for i in sample { frequency[UInt16(truncatingIfNeeded: column.bits[i] >> UInt64(rightWidth)), default: 0] += 1 }
            let ranked = frequency.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            let dictionary = ranked.prefix(maxDictionary).map(\.key)
            let covered = ranked.prefix(maxDictionary).reduce(0) { $0 + $1.value }
            var plan = Plan(rightWidth: rightWidth, dictionary: dictionary, bitsPerValue: 0)
            let exceptionBits = Double((sample.count - covered) * 32) / Double(sample.count)
            plan.bitsPerValue = Double(rightWidth + plan.dictionaryWidth) + exceptionBits
            if plan.bitsPerValue < best.bitsPerValue { best = plan }
        }
        return best
    }

    static func writeHeader(_ plan: Plan, into out: inout ChunkWriter) {
        out.u8(UInt8(plan.rightWidth))
        out.u8(UInt8(plan.dictionary.count))
        for left in plan.dictionary { out.u16(left) }
    }

    static func readHeader(_ reader: inout ChunkReader, valueBits: Int) throws(CompressionError) -> Plan {
        let rightWidth = Int(try reader.u8("ALP-rd right width"))
        guard rightWidth < valueBits, valueBits - rightWidth <= maxLeftBits else {
            throw CompressionError("ALP-rd right width \(rightWidth) for \(valueBits)-bit values")
        }
        let n = Int(try reader.u8("ALP-rd dictionary size"))
        guard (1...maxDictionary).contains(n) else { throw CompressionError("ALP-rd dictionary of \(n) entries") }
        var dictionary: [UInt16] = []
        for _ in 0..<n { dictionary.append(try reader.u16("ALP-rd dictionary entry")) }
        return Plan(rightWidth: rightWidth, dictionary: dictionary, bitsPerValue: 0)
    }

    /// One vector: the packed dictionary codes, the packed right parts, the
    /// exceptions (count, positions, left parts).
    static func writeVector(_ column: FloatColumn, _ vector: Range<Int>, _ plan: Plan, into out: inout ChunkWriter) {
        var codeOf: [UInt16: UInt64] = [:]
        for (code, left) in plan.dictionary.enumerated() { codeOf[left] = UInt64(code) }
        var codes = [UInt64](repeating: 0, count: vector.count)
        var rights = [UInt64](repeating: 0, count: vector.count)
        var exceptions: [(position: UInt16, left: UInt16)] = []
        let rightMask: UInt64 = (1 << UInt64(plan.rightWidth)) - 1
        for i in vector {
            let bits = column.bits[i]
            let left = UInt16(truncatingIfNeeded: bits >> UInt64(plan.rightWidth))
            rights[i - vector.lowerBound] = bits & rightMask
            if let code = codeOf[left] {
                codes[i - vector.lowerBound] = code
            } else {
                exceptions.append((UInt16(i - vector.lowerBound), left))
            }
        }
        codes.withUnsafeBufferPointer { out.packed($0, width: plan.dictionaryWidth) }
        rights.withUnsafeBufferPointer { out.packed($0, width: plan.rightWidth) }
        out.count(exceptions.count)
        for e in exceptions { out.u16(e.position) }
        for e in exceptions { out.u16(e.left) }
    }

    static func readVector(_ reader: inout ChunkReader, count: Int, plan: Plan,
                           into out: UnsafeMutablePointer<UInt64>) throws(CompressionError) {
        var codes = [UInt64](repeating: 0, count: count)
        try codes.withUnsafeMutableBufferPointer { (codes) throws(CompressionError) in
            try reader.packed(count: count, into: codes.baseAddress!)
        }
        try reader.packed(count: count, into: out)
        let dictionary = plan.dictionary
        let shift = UInt64(plan.rightWidth)
        for i in 0..<count {
            guard codes[i] < UInt64(dictionary.count) else {
                throw CompressionError("ALP-rd code \(codes[i]) of a \(dictionary.count)-entry dictionary")
            }
            out[i] |= UInt64(dictionary[Int(codes[i])]) << shift
        }
        let n = try reader.count("ALP-rd exception count", limit: count)
        let positions = try reader.raw(2 * n, "ALP-rd exception positions")
        let lefts = try reader.raw(2 * n, "ALP-rd exception values")
        let rightMask: UInt64 = (1 << shift) - 1
        for i in 0..<n {
            let p = Int(UInt16(positions[2 * i]) | UInt16(positions[2 * i + 1]) << 8)
            guard p < count else { throw CompressionError("ALP-rd exception position \(p) in a vector of \(count)") }
            let left = UInt64(UInt16(lefts[2 * i]) | UInt16(lefts[2 * i + 1]) << 8)
            out[p] = out[p] & rightMask | left << shift
        }
    }
}

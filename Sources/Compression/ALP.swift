/// ALP, Adaptive Lossless floating-Point compression (Afroozeh, Kuffo,
/// Boncz, SIGMOD 2024). Most doubles in databases are decimals with few
/// digits: v = d · 10^-e for a small integer d. Each vector of 1024 values
/// is encoded as the integers d = round(v · 10^e · 10^-f), kept only where
/// d · 10^f · 10^-e gives v back bit for bit; the rest are exceptions, stored
/// as they are with their positions. The integers are frame-of-reference
/// bit-packed. The exponent e and factor f are chosen in two levels: per row
/// group of 100 vectors the five best pairs on a sample of 8 × 32 values,
/// then per vector the best of those on 32 of its values.
///
/// Values that are not decimals (full-precision results, random floats)
/// go to ALP-rd instead (`ALPRD`), chosen per row group by the smaller
/// estimated size on the same sample.
///
/// Floats (f32) use the same arithmetic in double precision; a value is
/// kept when the decoded double rounds back to the same float.
enum ALP {
    static let vectorSize = 1024
    static let rowGroupVectors = 100
    static let maxExponent = 18
    static let candidateCount = 5

    /// 10^i, exact in a double for i ≤ 22.
    static let powersOfTen: [Double] = (0...maxExponent).map { i in
        var p = 1.0
        for _ in 0..<i { p *= 10 }
        return p
    }
    /// 10^-i, the nearest doubles.
    static let inversePowersOfTen: [Double] = powersOfTen.map { 1 / $0 }

    /// Adding and removing 2^52 + 2^51 rounds to the nearest integer (ties
    /// to even) for |x| < 2^51.
    private static let sweet = Double(1 << 52) + Double(1 << 51)
    private static let encodeLimit = Double(1 << 51)

    struct Combination: Hashable {
        var e: Int
        var f: Int
    }

    /// The integer for value `i` of `column` under (e, f), when it decodes
    /// back to exactly the value's bits.
    @inline(__always)
    static func encode(_ column: FloatColumn, _ i: Int, _ c: Combination) -> Int64? {
        let scaled = column.values[i] * powersOfTen[c.e] * inversePowersOfTen[c.f]
        guard scaled.magnitude < encodeLimit else { return nil }  // also NaN
        let d = Int64(scaled + sweet - sweet)
        return column.bits(of: decode(d, c)) == column.bits[i] ? d : nil
    }

    @inline(__always)
    static func decode(_ d: Int64, _ c: Combination) -> Double {
        Double(d) * powersOfTen[c.f] * inversePowersOfTen[c.e]
    }

    /// The bits the values at `indices` cost under `c`: the packed width of
    /// the integers plus the exceptions (value and 16-bit position).
    static func estimatedBits(_ column: FloatColumn, _ indices: [Int], _ c: Combination) -> Int {
        var low = Int64.max, high = Int64.min
        var exceptions = 0
        for i in indices {
            if let d = encode(column, i, c) {
                low = min(low, d)
                high = max(high, d)
            } else {
                exceptions += 1
            }
        }
        let width = low > high ? 0 : BitPacking.width(of: UInt64(bitPattern: high &- low))
        return width * indices.count + exceptions * (column.valueBits + 16)
    }

    /// First level: the pairs that were best most often over sampled
    /// vectors of a row group (at most `candidateCount`), best first, and
    /// the bits per value they took on the sample.
    static func candidates(_ column: FloatColumn, _ rowGroup: Range<Int>) -> (best: [Combination], bitsPerValue: Double) {
        var wins: [Combination: Int] = [:]
        var bits = 0, sampled = 0
        let maxE = column.isFloat ? 10 : maxExponent
        for vector in sample(rowGroup) where !vector.isEmpty {
            var best = Combination(e: 0, f: 0)
            var bestBits = Int.max
            for e in stride(from: maxE, through: 0, by: -1) {
                for f in stride(from: e, through: 0, by: -1) {
                    let c = Combination(e: e, f: f)
                    let b = estimatedBits(column, vector, c)
                    if b < bestBits { (best, bestBits) = (c, b) }
                }
            }
            wins[best, default: 0] += 1
            bits += bestBits
            sampled += vector.count
        }
        let ranked = wins.sorted {
            $0.value != $1.value ? $0.value > $1.value : ($0.key.e, $0.key.f) > ($1.key.e, $1.key.f)
        }
        let best = ranked.prefix(candidateCount).map(\.key)
        return (best.isEmpty ? [Combination(e: 0, f: 0)] : best, sampled == 0 ? 64 : Double(bits) / Double(sampled))
    }

    /// 32 evenly spaced indices from each of up to 8 evenly spaced vectors.
    static func sample(_ rowGroup: Range<Int>) -> [[Int]] {
        let vectors = (rowGroup.count + vectorSize - 1) / vectorSize
        let picked = vectors <= 8 ? Array(0..<vectors) : (0..<8).map { $0 * vectors / 8 }
        return picked.map { v in
            let start = rowGroup.lowerBound + v * vectorSize
            return evenlySpaced(start..<min(rowGroup.upperBound, start + vectorSize), 32)
        }
    }

    static func evenlySpaced(_ range: Range<Int>, _ n: Int) -> [Int] {
        Array(stride(from: range.lowerBound, to: range.upperBound, by: max(1, range.count / n)).prefix(n))
    }

    /// Second level: the best of the row group's pairs for one vector.
    static func choose(_ column: FloatColumn, _ vector: Range<Int>, from candidates: [Combination]) -> Combination {
        guard candidates.count > 1 else { return candidates[0] }
        let sample = evenlySpaced(vector, 32)
        var best = candidates[0]
        var bestBits = Int.max
        var worseInARow = 0
        for c in candidates {
            let b = estimatedBits(column, sample, c)
            if b < bestBits {
                (best, bestBits, worseInARow) = (c, b, 0)
            } else {
                worseInARow += 1
                if worseInARow == 2 { break }
            }
        }
        return best
    }

    // MARK: Vectors

    /// One vector: e, f, the frame-of-reference integers, then the
    /// exceptions (count, 16-bit positions, raw bits of the value width).
    static func writeVector(_ column: FloatColumn, _ vector: Range<Int>, _ c: Combination, into out: inout ChunkWriter) {
        var integers = [Int64](repeating: 0, count: vector.count)
        var exceptions: [Int] = []
        var filler: Int64?
        for i in vector {
            if let d = encode(column, i, c) {
                integers[i - vector.lowerBound] = d
                if filler == nil { filler = d }
            } else {
                exceptions.append(i)
            }
        }
        // Exceptions take an encoded neighbour's value, so they do not widen the frame.
        for i in exceptions { integers[i - vector.lowerBound] = filler ?? 0 }
        out.u8(UInt8(c.e))
        out.u8(UInt8(c.f))
        integers.withUnsafeBufferPointer { out.integerBlock($0) }
        writeExceptions(column, exceptions, vectorStart: vector.lowerBound, into: &out)
    }

    static func writeExceptions(_ column: FloatColumn, _ indices: [Int], vectorStart: Int, into out: inout ChunkWriter) {
        out.count(indices.count)
        for i in indices { out.u16(UInt16(i - vectorStart)) }
        for i in indices {
            let bits = column.bits[i]
            for shift in stride(from: 0, to: column.valueBits, by: 8) { out.u8(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        }
    }

    /// Decodes a vector of `count` values into their bit patterns.
    static func readVector(_ reader: inout ChunkReader, count: Int, isFloat: Bool,
                           into out: UnsafeMutablePointer<UInt64>) throws(CompressionError) {
        let e = Int(try reader.u8("ALP exponent")), f = Int(try reader.u8("ALP factor"))
        guard e <= maxExponent, f <= e else { throw CompressionError("ALP exponent \(e) and factor \(f)") }
        let c = Combination(e: e, f: f)
        try out.withMemoryRebound(to: Int64.self, capacity: count) { (integers) throws(CompressionError) in
            try reader.integerBlock(count: count, into: integers)
        }
        if isFloat {
            for i in 0..<count { out[i] = UInt64(Float(decode(Int64(bitPattern: out[i]), c)).bitPattern) }
        } else {
            for i in 0..<count { out[i] = decode(Int64(bitPattern: out[i]), c).bitPattern }
        }
        try readExceptions(&reader, count: count, valueBytes: isFloat ? 4 : 8, into: out)
    }

    static func readExceptions(_ reader: inout ChunkReader, count: Int, valueBytes: Int,
                               into out: UnsafeMutablePointer<UInt64>) throws(CompressionError) {
        let n = try reader.count("exception count", limit: count)
        let positions = try reader.raw(2 * n, "exception positions")
        let values = try reader.raw(valueBytes * n, "exception values")
        for i in 0..<n {
            let p = Int(UInt16(positions[2 * i]) | UInt16(positions[2 * i + 1]) << 8)
            guard p < count else { throw CompressionError("exception position \(p) in a vector of \(count)") }
            var bits: UInt64 = 0
            for b in 0..<valueBytes { bits |= UInt64(values[valueBytes * i + b]) << UInt64(8 * b) }
            out[p] = bits
        }
    }
}

/// A float column as the ALP codecs see it: each value as a double (exact
/// for floats) beside its bit pattern in the column's own width, which is
/// what must come back.
struct FloatColumn {
    var values: [Double]
    var bits: [UInt64]
    var isFloat: Bool

    init(doubles: [Double]) {
        values = doubles
        bits = doubles.map(\.bitPattern)
        isFloat = false
    }

    init(floats: [Float]) {
        values = floats.map { Double($0) }
        bits = floats.map { UInt64($0.bitPattern) }
        isFloat = true
    }

    var count: Int { values.count }
    var valueBits: Int { isFloat ? 32 : 64 }

    @inline(__always)
    func bits(of v: Double) -> UInt64 { isFloat ? UInt64(Float(v).bitPattern) : v.bitPattern }
}

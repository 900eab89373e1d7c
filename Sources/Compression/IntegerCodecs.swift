/// Int64 columns in one of four layouts, the smallest chosen by encoding
/// each (they are cheap):
///
///     frame       count, per block of 1024: frame of reference
///     delta       count, per block of 1024: frame of reference of the
///                 differences from the previous value (wrapping), the
///                 first block's first difference taken from 0
///     runs        count, run count, run values (frame of reference), run
///                 lengths (packed)
///     dictionary  count, distinct count, distinct values (frame of
///                 reference), codes (packed)
enum IntegerCodecs {
    enum Layout: UInt8 { case frame = 0, delta = 1, runs = 2, dictionary = 3 }
    static let blockSize = 1024

    static func compress(_ values: [Int64], into out: inout ChunkWriter) {
        var candidates: [ChunkWriter] = []
        var frame = ChunkWriter(capacity: values.count + 16)
        frame.u8(Layout.frame.rawValue)
        writeBlocks(values, into: &frame)
        candidates.append(frame)

        var delta = ChunkWriter(capacity: values.count + 16)
        delta.u8(Layout.delta.rawValue)
        var previous: Int64 = 0
        writeBlocks(values.map { v in defer { previous = v }; return v &- previous }, into: &delta)
        candidates.append(delta)

        let (runValues, runLengths) = runs(values)
        if runValues.count <= values.count / 2 {
            candidates.append(valuesAndCodes(.runs, count: values.count, values: runValues, codes: runLengths))
        }
        // Few runs: the runs layout is as small as a dictionary could be.
        if runValues.count > values.count / 16, let (distinct, codes) = dictionary(values) {
            candidates.append(valuesAndCodes(.dictionary, count: values.count, values: distinct, codes: codes))
        }
        out.raw(candidates.min { $0.bytes.count < $1.bytes.count }!.bytes)
    }

    static func decompress(_ reader: inout ChunkReader, maxValues: Int = ColumnCodec.maxValues) throws(CompressionError) -> [Int64] {
        let layout = try reader.u8("integer layout")
        switch Layout(rawValue: layout) {
        case .frame:
            return try readBlocks(&reader, maxValues: maxValues)
        case .delta:
            var values = try readBlocks(&reader, maxValues: maxValues)
            var previous: Int64 = 0
            for i in values.indices {
                values[i] = previous &+ values[i]
                previous = values[i]
            }
            return values
        case .runs:
            let count = try reader.count("value count", limit: maxValues)
            let runCount = try reader.count("run count", limit: min(count, 8 * reader.remaining))
            let runValues = try reader.frameOfReference(count: runCount)
            let lengths = try reader.packed(count: runCount)
            var total: UInt64 = 0
            for n in lengths {
                let (sum, overflow) = total.addingReportingOverflow(n)
                guard !overflow, n > 0 else { throw CompressionError("run lengths overflow or hold an empty run") }
                total = sum
            }
            guard total == UInt64(count) else {
                throw CompressionError("run lengths do not add up to \(count)")
            }
            var values: [Int64] = []
            values.reserveCapacity(count)
            for (v, n) in zip(runValues, lengths) { values.append(contentsOf: repeatElement(v, count: Int(n))) }
            return values
        case .dictionary:
            let count = try reader.count("value count", limit: maxValues)
            let distinctCount = try reader.count("distinct count", limit: 8 * reader.remaining)
            let distinct = try reader.frameOfReference(count: distinctCount)
            let codes = try reader.packed(count: count)
            return try codes.map { (code) throws(CompressionError) -> Int64 in
                guard code < UInt64(distinct.count) else {
                    throw CompressionError("dictionary code \(code) of \(distinct.count) values")
                }
                return distinct[Int(code)]
            }
        case nil:
            throw CompressionError("unknown integer layout \(layout)")
        }
    }

    // MARK: Parts

    /// The runs and dictionary layouts: count, then values (frame of
    /// reference) and a packed second field (run lengths or codes).
    private static func valuesAndCodes(_ layout: Layout, count: Int, values: [Int64], codes: [UInt64]) -> ChunkWriter {
        var out = ChunkWriter(capacity: values.count * 2 + codes.count / 4 + 16)
        out.u8(layout.rawValue)
        out.count(count)
        out.count(values.count)
        values.withUnsafeBufferPointer { out.frameOfReference($0) }
        out.packed(codes)
        return out
    }

    private static func writeBlocks(_ values: [Int64], into out: inout ChunkWriter) {
        out.count(values.count)
        values.withUnsafeBufferPointer { all in
            for start in stride(from: 0, to: all.count, by: blockSize) {
                out.integerBlock(UnsafeBufferPointer(rebasing: all[start..<min(all.count, start + blockSize)]))
            }
        }
    }

    private static func readBlocks(_ reader: inout ChunkReader, maxValues: Int) throws(CompressionError) -> [Int64] {
        // A block takes at least 2 bytes (base and width).
        let count = try reader.count("value count", limit: min(maxValues, blockSize * reader.remaining / 2))
        var values: [Int64] = []
        values.reserveCapacity(min(count, 64 * blockSize))
        var block = [Int64](repeating: 0, count: blockSize)
        for start in stride(from: 0, to: count, by: blockSize) {
            let n = min(blockSize, count - start)
            try block.withUnsafeMutableBufferPointer { (buffer) throws(CompressionError) in
                try reader.integerBlock(count: n, into: buffer.baseAddress!)
            }
            values.append(contentsOf: block[0..<n])
        }
        return values
    }

    private static func runs(_ values: [Int64]) -> ([Int64], [UInt64]) {
        var runValues: [Int64] = [], lengths: [UInt64] = []
        for v in values {
            if let last = runValues.last, last == v {
                lengths[lengths.count - 1] += 1
            } else {
                runValues.append(v)
                lengths.append(1)
            }
        }
        return (runValues, lengths)
    }

    /// Distinct values and codes, when at most 1/4 of the values are
    /// distinct (checked first on a sample of 1024, so columns of unique
    /// values do not fill a table to find out).
    private static func dictionary(_ values: [Int64]) -> ([Int64], [UInt64])? {
        guard values.count >= 16 else { return nil }
        if values.count > 4096 {
            let step = values.count / 1024
            let sample = Set(stride(from: 0, to: values.count, by: step).map { values[$0] })
            guard sample.count <= 256 else { return nil }
        }
        var codeOf: [Int64: UInt64] = [:]
        var distinct: [Int64] = []
        var codes: [UInt64] = []
        codes.reserveCapacity(values.count)
        for v in values {
            if let code = codeOf[v] {
                codes.append(code)
            } else {
                guard distinct.count < values.count / 4 else { return nil }
                codeOf[v] = UInt64(distinct.count)
                codes.append(UInt64(distinct.count))
                distinct.append(v)
            }
        }
        return (distinct, codes)
    }
}

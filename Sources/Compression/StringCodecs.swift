/// String columns in one of three layouts, the smallest chosen:
///
///     plain       count, packed lengths, the bytes
///     fsst        count, symbol table, decoded byte total, packed encoded
///                 lengths, the encoded bytes (each value on its own)
///     dictionary  count, the distinct values as a nested plain or fsst
///                 chunk (first-seen order), packed codes
///
/// (Packed: a bit-width byte, then the values bit-packed.)
enum StringCodecs {
    enum Layout: UInt8 { case plain = 0, fsst = 1, dictionary = 2 }

    static func compress(_ strings: ByteStrings, into out: inout ChunkWriter, allowDictionary: Bool = true) {
        var best = ChunkWriter(capacity: strings.totalBytes / 2 + 64)
        writePlain(strings, into: &best)
        // Two tables: many long symbols per 3-byte prefix, or one.
        for symbolsPerPrefix in [Int.max, 1] {
            let table = FSSTSymbolTable.build(from: strings, symbolsPerPrefix: symbolsPerPrefix)
            var fsst = ChunkWriter(capacity: strings.totalBytes / 2 + 64)
            writeFSST(strings, table: table, into: &fsst)
            if fsst.bytes.count < best.bytes.count { best = fsst }
        }
        if allowDictionary, let (distinct, codes) = dictionary(of: strings) {
            var dictionary = ChunkWriter(capacity: best.bytes.count)
            dictionary.u8(Layout.dictionary.rawValue)
            dictionary.count(strings.count)
            compress(distinct, into: &dictionary, allowDictionary: false)
            dictionary.packed(codes)
            if dictionary.bytes.count < best.bytes.count { best = dictionary }
        }
        out.raw(best.bytes)
    }

    static func decompress(_ reader: inout ChunkReader, allowDictionary: Bool = true) throws(CompressionError) -> ByteStrings {
        let layout = try reader.u8("string layout")
        // (Packed fields of width 0 hold any number of empty values or
        // equal codes in no bytes: counts are bounded by the chunk limit.)
        let limit = ColumnCodec.maxValues
        switch Layout(rawValue: layout) {
        case .plain:
            let count = try reader.count("string count", limit: limit)
            let lengths = try reader.packed(count: count)
            let total = try checkedSum(lengths, limit: reader.remaining)
            let body = try reader.raw(total, "string bytes")
            return ByteStrings(bytes: Array(body), ends: runningSums(lengths))
        case .fsst:
            let count = try reader.count("string count", limit: limit)
            let table = try FSSTSymbolTable.read(from: &reader)
            // A code yields at most 8 bytes.
            let decodedTotal = try reader.count("decoded byte count", limit: 8 * reader.remaining)
            let lengths = try reader.packed(count: count)
            let encodedTotal = try checkedSum(lengths, limit: reader.remaining)
            let body = try reader.raw(encodedTotal, "FSST codes")
            return try decodeFSST(body, lengths: lengths, table: table, decodedTotal: decodedTotal)
        case .dictionary:
            // The writer nests one plain or FSST chunk, never a dictionary.
            guard allowDictionary else { throw CompressionError("a dictionary nested in a dictionary") }
            let count = try reader.count("string count", limit: limit)
            let distinct = try decompress(&reader, allowDictionary: false)
            let codes = try reader.packed(count: count)
            var strings = ByteStrings()
            for code in codes {
                guard code < UInt64(distinct.count) else {
                    throw CompressionError("dictionary code \(code) of \(distinct.count) values")
                }
                strings.append(distinct[Int(code)])
            }
            return strings
        case nil:
            throw CompressionError("unknown string layout \(layout)")
        }
    }

    // MARK: Layouts

    private static func writePlain(_ strings: ByteStrings, into out: inout ChunkWriter) {
        out.u8(Layout.plain.rawValue)
        out.count(strings.count)
        out.packed((0..<strings.count).map { UInt64(strings.range($0).count) })
        out.raw(strings.bytes)
    }

    private static func writeFSST(_ strings: ByteStrings, table: FSSTSymbolTable, into out: inout ChunkWriter) {
        let encoded = encodeFSST(strings, table: table)
        out.u8(Layout.fsst.rawValue)
        out.count(strings.count)
        table.write(to: &out)
        out.count(strings.totalBytes)
        out.packed((0..<encoded.count).map { UInt64(encoded.range($0).count) })
        out.raw(encoded.bytes)
    }

    /// The distinct values (first-seen order) and each value's code, when
    /// fewer than half the values are distinct (checked first on a sample,
    /// so columns of unique values do not fill a table to find out).
    private static func dictionary(of strings: ByteStrings) -> (ByteStrings, [UInt64])? {
        guard strings.count >= 16 else { return nil }
        // A sample of 1024 with more than half distinct: not worth a table.
        if strings.count > 4096 {
            let step = strings.count / 1024
            guard Set(stride(from: 0, to: strings.count, by: step).map { strings[$0] }).count <= 512 else { return nil }
        }
        var codeOf: [ArraySlice<UInt8>: UInt64] = [:]
        var distinct = ByteStrings()
        var codes: [UInt64] = []
        codes.reserveCapacity(strings.count)
        for i in 0..<strings.count {
            let value = strings[i]
            if let code = codeOf[value] {
                codes.append(code)
            } else {
                let code = UInt64(distinct.count)
                guard distinct.count < strings.count / 2 else { return nil }
                codeOf[value] = code
                distinct.append(value)
                codes.append(code)
            }
        }
        return (distinct, codes)
    }

    // MARK: FSST values

    static func encodeFSST(_ strings: ByteStrings, table: FSSTSymbolTable) -> ByteStrings {
        var padded = strings.bytes
        padded.append(contentsOf: repeatElement(0, count: 8))
        var ends: [Int] = []
        ends.reserveCapacity(strings.count)
        let capacity = 2 * strings.totalBytes
        let encoded = [UInt8](unsafeUninitializedCapacity: capacity) { out, written in
            var o = 0
            padded.withUnsafeBytes { raw in
                for i in 0..<strings.count {
                    let range = strings.range(i)
                    var p = range.lowerBound
                    while p < range.upperBound {
                        let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self))
                        let (code, length) = table.match(word, remaining: range.upperBound - p)
                        out[o] = code
                        o += 1
                        if code == FSSTSymbolTable.escape {
                            out[o] = UInt8(truncatingIfNeeded: word)
                            o += 1
                        }
                        p += length
                    }
                    ends.append(o)
                }
            }
            written = o
        }
        return ByteStrings(bytes: encoded, ends: ends)
    }

    static func decodeFSST(_ body: UnsafeRawBufferPointer, lengths: [UInt64], table: FSSTSymbolTable,
                           decodedTotal: Int) throws(CompressionError) -> ByteStrings {
        let symbols = table.symbols, symbolLengths = table.lengths
        let symbolCount = table.count
        var ends: [Int] = []
        ends.reserveCapacity(lengths.count)
        var failure: CompressionError?
        // 8 spare bytes: every symbol is stored as a whole word.
        let bytes = [UInt8](unsafeUninitializedCapacity: decodedTotal + 8) { out, written in
            let base = UnsafeMutableRawPointer(out.baseAddress!)
            var o = 0, p = 0
            defer { written = o }
            symbols.withUnsafeBufferPointer { symbols in
                symbolLengths.withUnsafeBufferPointer { symbolLengths in
                    for length in lengths {
                        let end = p + Int(length)
                        while p < end {
                            let code = body[p]
                            p += 1
                            if code == FSSTSymbolTable.escape {
                                guard p < end, o < decodedTotal else {
                                    failure = CompressionError(p < end ? "FSST values exceed their decoded size"
                                                                       : "FSST escape at the end of a value")
                                    return
                                }
                                base.storeBytes(of: body[p], toByteOffset: o, as: UInt8.self)
                                p += 1
                                o += 1
                            } else {
                                guard Int(code) < symbolCount else {
                                    failure = CompressionError("FSST code \(code) of a \(symbolCount)-symbol table")
                                    return
                                }
                                let n = Int(symbolLengths[Int(code)])
                                guard o + n <= decodedTotal else {
                                    failure = CompressionError("FSST values exceed their decoded size")
                                    return
                                }
                                base.storeBytes(of: symbols[Int(code)].littleEndian, toByteOffset: o, as: UInt64.self)
                                o += n
                            }
                        }
                        ends.append(o)
                    }
                }
            }
        }
        if let failure { throw failure }
        guard bytes.count == decodedTotal else {
            throw CompressionError("FSST values decode to \(bytes.count) bytes, not \(decodedTotal)")
        }
        return ByteStrings(bytes: bytes, ends: ends)
    }

    // MARK: Helpers

    private static func checkedSum(_ lengths: [UInt64], limit: Int) throws(CompressionError) -> Int {
        var total: UInt64 = 0
        for length in lengths {
            total = total &+ length
            guard length <= UInt64(limit), total <= UInt64(limit) else {
                throw CompressionError("value lengths add up to more than the \(limit) bytes left")
            }
        }
        return Int(total)
    }

    private static func runningSums(_ lengths: [UInt64]) -> [Int] {
        var sum = 0
        return lengths.map { sum += Int($0); return sum }
    }
}


import Core

/// FSST, Fast Static Symbol Table (Boncz, Neumann, Leis, VLDB 2020): a
/// table of up to 255 symbols of 1 to 8 bytes replaces each symbol with a
/// one-byte code; code 255 escapes one literal byte. Every value is encoded
/// on its own, so any one decodes without the others.
///
/// The table is learnt from a sample in five generations: encode the
/// sample with the current table, count each symbol and each pair of
/// adjacent symbols, and keep the 255 candidates (symbols and
/// concatenations of pairs) that cover the most bytes. Encoding is greedy,
/// longest symbol first: symbols of 3 or more bytes sit in hash buckets by
/// their first 3 bytes, longest first, those of 1 or 2 bytes in a table
/// indexed by the next 2 bytes. (The paper keeps one symbol per hash slot
/// and leaves out candidates whose slot is taken; on small alphabets, such
/// as DNA, that caps the table at the few distinct 3-byte prefixes and
/// keeps only the longest of each, costing a third of the ratio.)
///
/// Serialized table: u8 symbol count, then per code its length (1...8) and
/// its bytes.
struct FSSTSymbolTable: Equatable {
    static let escape: UInt8 = 255
    static let maxSymbols = 255

    /// Code → the symbol's bytes, little-endian (first byte lowest).
    private(set) var symbols: [UInt64] = []
    /// Code → the symbol's length in bytes.
    private(set) var lengths: [UInt8] = []

    // Encoder lookups (not serialized; rebuilt from the symbols, and only
    // for tables that encode: a decoder needs the symbols alone).
    private var shortCodes: [UInt16] = []   // (length << 8) | code, by the next 2 bytes
    private var byteCodes: [UInt16] = []
    /// Symbols of 3 or more bytes by the hash of their first 3 bytes: those
    /// of bucket h are `longSymbols[bucketStarts[h] ..< bucketStarts[h + 1]]`,
    /// longest first, so the first that matches is the longest match.
    private var bucketStarts: [UInt16] = []
    private var longSymbols: [UInt64] = []
    private var longEntries: [UInt16] = []  // (length << 8) | code
    private static let bucketCount = 1024

    var count: Int { symbols.count }

    init() { rebuildLookups() }

    /// A table from symbols in code order; nil if one would not fit (too
    /// many, empty or longer than 8 bytes). `forEncoding: false` skips the
    /// encoder's lookups (for decoding).
    init?(symbols: [[UInt8]], forEncoding: Bool = true) {
        guard symbols.count <= Self.maxSymbols else { return nil }
        for s in symbols {
            guard (1...8).contains(s.count) else { return nil }
            var word: UInt64 = 0
            for (i, b) in s.enumerated() { word |= UInt64(b) << UInt64(8 * i) }
            self.symbols.append(word)
            self.lengths.append(UInt8(s.count))
        }
        if forEncoding { rebuildLookups() }
    }

    @inline(__always)
    private static func bucket(_ word: UInt64) -> Int {
        let key = word & 0xFF_FFFF
        return Int(truncatingIfNeeded: ((key &* 2_971_215_073) ^ (key >> 15)) & UInt64(bucketCount - 1))
    }

    @inline(__always)
    private static func mask(_ length: Int) -> UInt64 { length >= 8 ? .max : (1 << UInt64(8 * length)) - 1 }

    private mutating func rebuildLookups() {
        let escapeEntry = UInt16(1 << 8) | UInt16(Self.escape)
        byteCodes = [UInt16](repeating: escapeEntry, count: 256)
        shortCodes = [UInt16](repeating: 0, count: 65536)
        bucketStarts = [UInt16](repeating: 0, count: Self.bucketCount + 1)
        for (code, (word, length)) in zip(symbols, lengths).enumerated() where length == 1 {
            byteCodes[Int(word & 0xFF)] = UInt16(1 << 8) | UInt16(code)
        }
        for i in 0..<65536 { shortCodes[i] = byteCodes[i & 0xFF] }
        var long: [(bucket: Int, length: Int, code: Int)] = []
        for (code, (word, length)) in zip(symbols, lengths).enumerated() {
            if length == 2 {
                shortCodes[Int(word & 0xFFFF)] = UInt16(2 << 8) | UInt16(code)
            } else if length >= 3 {
                long.append((Self.bucket(word), Int(length), code))
            }
        }
        long.sort { ($0.bucket, -$0.length, $0.code) < ($1.bucket, -$1.length, $1.code) }
        longSymbols = long.map { symbols[$0.code] }
        longEntries = long.map { UInt16($0.length) << 8 | UInt16($0.code) }
        var next = 0
        for b in 0...Self.bucketCount {
            while next < long.count && long[next].bucket < b { next += 1 }
            bucketStarts[b] = UInt16(next)
        }
    }

    /// The code and length of the longest symbol at the start of `word`, of
    /// which `remaining` bytes are real (the rest is padding). An escape has
    /// length 1.
    @inline(__always)
    func match(_ word: UInt64, remaining: Int) -> (code: UInt8, length: Int) {
        if remaining >= 3 {
            let b = Self.bucket(word)
            var i = Int(bucketStarts[b])
            let end = Int(bucketStarts[b + 1])
            while i < end {
                let entry = longEntries[i]
                let length = Int(entry >> 8)
                if length <= remaining && (word & Self.mask(length)) == longSymbols[i] {
                    return (UInt8(truncatingIfNeeded: entry), length)
                }
                i += 1
            }
        }
        let entry = remaining >= 2 ? shortCodes[Int(word & 0xFFFF)] : byteCodes[Int(word & 0xFF)]
        return (UInt8(truncatingIfNeeded: entry), Int(entry >> 8))
    }

    // MARK: Serialization

    func write(to out: inout ChunkWriter) {
        out.u8(UInt8(count))
        for (word, length) in zip(symbols, lengths) {
            out.u8(length)
            for i in 0..<Int(length) { out.u8(UInt8(truncatingIfNeeded: word >> UInt64(8 * i))) }
        }
    }

    static func read(from reader: inout ChunkReader) throws(CompressionError) -> FSSTSymbolTable {
        let n = Int(try reader.u8("FSST symbol count"))
        guard n <= maxSymbols else { throw CompressionError("FSST table of \(n) symbols (at most 255)") }
        var parts: [[UInt8]] = []
        for code in 0..<n {
            let length = Int(try reader.u8("FSST symbol length"))
            guard (1...8).contains(length) else { throw CompressionError("FSST symbol \(code) of length \(length)") }
            parts.append(Array(try reader.raw(length, "FSST symbol")))
        }
        return FSSTSymbolTable(symbols: parts, forEncoding: false)!
    }
}

// MARK: - Construction

extension FSSTSymbolTable {
    /// Learns a table from (a sample of) `strings`.
    /// `symbolsPerPrefix` caps the symbols of ≥ 3 bytes that share their
    /// first 3 bytes: many long variants of one prefix suit small alphabets,
    /// one per prefix leaves room for more prefixes (word-like text).
    static func build(from strings: ByteStrings, symbolsPerPrefix: Int = .max,
                      sampleBytes: Int = 128 * 1024) -> FSSTSymbolTable {
        let sample = FSSTSample(strings, targetBytes: sampleBytes)
        var table = FSSTSymbolTable()
        for generation in 0..<5 {
            let counts = sample.count(with: table)
            table = counts.bestTable(of: table, combine: generation < 4,
                                     symbolsPerPrefix: symbolsPerPrefix)
        }
        return table
    }
}

/// The values the table is learnt from, each padded for 8-byte loads.
private struct FSSTSample {
    var padded: [UInt8] = []
    var ranges: [Range<Int>] = []

    init(_ strings: ByteStrings, targetBytes: Int) {
        var rng = SplitMix64(seed: 0x5EED_F557)
        let total = strings.totalBytes
        let takeAll = total <= targetBytes
        var taken = 0
        var tries = 0
        while taken < min(total, targetBytes) && tries < 4 * strings.count + 16 {
            let i = takeAll ? tries : Int(rng.next() % UInt64(max(1, strings.count)))
            tries += 1
            if takeAll && i >= strings.count { break }
            guard i < strings.count else { continue }
            let value = strings[i]
            guard !value.isEmpty else { continue }
            let start = padded.count
            padded.append(contentsOf: value)
            ranges.append(start..<padded.count)
            taken += value.count
        }
        padded.append(contentsOf: repeatElement(0, count: 8))
    }

    /// Symbol and pair counts of the sample encoded with `table`. Codes
    /// 0..<256 are the table's symbols, 256 + b the escaped byte b.
    func count(with table: FSSTSymbolTable) -> FSSTCounts {
        var counts = FSSTCounts()
        padded.withUnsafeBytes { raw in
            for range in ranges {
                var p = range.lowerBound
                var previous = -1
                while p < range.upperBound {
                    let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self))
                    let (code, length) = table.match(word, remaining: range.upperBound - p)
                    let current = code == FSSTSymbolTable.escape ? 256 + Int(word & 0xFF) : Int(code)
                    counts.single[current] += 1
                    if previous >= 0 {
                        counts.pairs[previous * 512 + current] += 1
                        // Also the previous symbol grown by one byte, so
                        // symbols can lengthen a byte per generation.
                        if length > 1 { counts.pairs[previous * 512 + 256 + Int(word & 0xFF)] += 1 }
                    }
                    previous = current
                    p += length
                }
            }
        }
        return counts
    }
}

private struct FSSTCounts {
    var single = [Int32](repeating: 0, count: 512)
    var pairs = [Int32](repeating: 0, count: 512 * 512)

    /// The next generation's table: the 255 candidates of highest gain
    /// (occurrences × length) that fit.
    func bestTable(of table: FSSTSymbolTable, combine: Bool,
                   symbolsPerPrefix: Int) -> FSSTSymbolTable {
        func symbol(_ code: Int) -> (word: UInt64, length: Int) {
            code >= 256 ? (UInt64(code - 256), 1) : (table.symbols[code], Int(table.lengths[code]))
        }
        var gains: [Candidate: Int] = [:]
        func add(_ word: UInt64, _ length: Int, _ gain: Int) {
            gains[Candidate(word: word, length: length), default: 0] += gain
        }
        var used: [Int] = []
        for code in 0..<512 where single[code] > 0 { used.append(code) }
        for first in used {
            let (w1, l1) = symbol(first)
            // Escaped bytes cost two bytes each: a symbol of one byte halves them.
            let weight = l1 == 1 ? 8 : 1
            add(w1, l1, Int(single[first]) * l1 * weight)
            guard combine, l1 < 8 else { continue }
            for second in used {
                let n = Int(pairs[first * 512 + second])
                guard n > 0 else { continue }
                let (w2, l2) = symbol(second)
                let length = min(8, l1 + l2)
                let word = (w1 | w2 << UInt64(8 * l1)) & (length >= 8 ? .max : (1 << UInt64(8 * length)) - 1)
                add(word, length, n * length)
            }
        }
        let ranked = gains.sorted {
            $0.value != $1.value ? $0.value > $1.value
                : ($0.key.length, $0.key.word) < ($1.key.length, $1.key.word)
        }
        var chosen: [[UInt8]] = []
        var perPrefix: [UInt64: Int] = [:]
        for (candidate, _) in ranked {
            guard chosen.count < FSSTSymbolTable.maxSymbols else { break }
            if candidate.length >= 3 {
                let n = perPrefix[candidate.word & 0xFF_FFFF, default: 0]
                guard n < symbolsPerPrefix else { continue }
                perPrefix[candidate.word & 0xFF_FFFF] = n + 1
            }
            chosen.append((0..<candidate.length).map { UInt8(truncatingIfNeeded: candidate.word >> UInt64(8 * $0)) })
        }
        return FSSTSymbolTable(symbols: chosen)!
    }
}

private struct Candidate: Hashable {
    var word: UInt64
    var length: Int
}

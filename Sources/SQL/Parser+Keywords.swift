import Core

// The keywords the lexer recognises, their reservation classes (which decide
// where a keyword may serve as a name), and the packed-word table the lexer
// looks them up in.

/// How freely a keyword may be used as a name (PostgreSQL's keyword classes).
package enum Reservation: Sendable {
    /// Never a column, table, function or type name unless quoted (`SELECT`, `FROM`).
    case reserved
    /// A function or type name but not a column/table name or bare alias (`LEFT`, `LIKE`).
    case typeOrFunction
    /// Any name (`KEY`, `VALUES`).
    case unreserved
}

/// The words the grammar gives meaning to. Reserved and type/function-name
/// keywords follow PostgreSQL's lists even where Helios does not parse the
/// construct yet, so names that will need quoting later need it now.
package enum Keyword: String, CaseIterable, Sendable {
    // Reserved.
    case all, analyse, analyze, and, `any`, array, `as`, asc, asymmetric, both, `case`, cast, check
    case collate, column, constraint, create, current_catalog, current_date, current_role
    case current_time, current_timestamp, current_user, `default`, deferrable, desc, distinct, `do`
    case `else`, end, except, `false`, fetch, `for`, foreign, from, grant, group, having, `in`
    case initially, intersect, into, lateral, leading, limit, localtime, localtimestamp, not, null
    case offset, on, only, or, order, placing, primary, references, returning, select, session_user
    case some, symmetric, table, then, to, trailing, `true`, union, unique, user, using, variadic
    case when, `where`, window, with
    // Type or function names.
    case authorization, binary, collation, concurrently, cross, current_schema, freeze, full, ilike
    case inner, `is`, isnull, join, left, like, natural, notnull, outer, overlaps, right, similar
    case tablesample, verbose
    // Unreserved words the parser looks for.
    case abort, action, add, alter, begin, between, by, cascade, commit, conflict, current, delete, drop
    case escape, exists, explain, extract, filter, first, following, groups, `if`, index, insert, key
    case last, local, next, no, nothing, nulls, over, partition, position, preceding, precision, range
    case recursive, release, rename, replace, restrict, rollback, row, rows, savepoint, session, set
    case start, substring, ties, time, transaction, trim, truncate, unbounded, unknown, update, values
    case varying, view, without, work, zone
    // Unreserved words of branches and time travel (not PostgreSQL keywords,
    // or unreserved ones there), usable as names anywhere.
    case branch, branches, database, merge, now, of, scn, show, timestamp, use, vacuum, versions

    package var reservation: Reservation {
        switch self {
        case .authorization, .binary, .collation, .concurrently, .cross, .current_schema, .freeze,
             .full, .ilike, .inner, .is, .isnull, .join, .left, .like, .natural, .notnull, .outer,
             .overlaps, .right, .similar, .tablesample, .verbose:
            .typeOrFunction
        case .abort, .action, .add, .alter, .begin, .between, .by, .cascade, .commit, .conflict, .current,
             .delete, .drop, .escape, .exists, .explain, .extract, .filter, .first, .following, .groups, .if,
             .index, .insert, .key, .last, .local, .next, .no, .nothing, .nulls, .over, .partition, .position,
             .preceding, .precision, .range, .recursive, .release, .rename, .replace, .restrict, .rollback,
             .row, .rows, .savepoint, .session, .set, .start, .substring, .ties, .time, .transaction, .trim,
             .truncate, .unbounded, .unknown, .update, .values, .varying, .view, .without, .work, .zone,
             .branch, .branches, .database, .merge, .now, .of, .scn, .show, .timestamp, .use, .vacuum, .versions:
            .unreserved
        default:
            .reserved
        }
    }

    /// Open-addressing table from a word's packed bytes to its keyword:
    /// cheaper than a `Dictionary<String, Keyword>`, whose SipHash and string
    /// building dominated lexing.
    private static let slots: [(keyword: Keyword, packed: PackedWord)?] = {
        var table = [(keyword: Keyword, packed: PackedWord)?](repeating: nil, count: tableSize)
        for keyword in allCases {
            let packed = Array(keyword.rawValue.utf8).withUnsafeBufferPointer { PackedWord($0, 0, $0.count) }
            var slot = packed.hash & (tableSize - 1)
            while table[slot] != nil { slot = (slot + 1) & (tableSize - 1) }
            table[slot] = (keyword, packed)
        }
        return table
    }()

    private static let tableSize = 512

    /// The keyword whose spelling packs to `packed`.
    static func lookup(_ packed: PackedWord) -> Keyword? {
        var slot = packed.hash & (tableSize - 1)
        while let entry = slots[slot] {
            if entry.packed == packed { return entry.keyword }
            slot = (slot + 1) & (tableSize - 1)
        }
        return nil
    }

}

/// A word of up to 24 ASCII identifier bytes packed into integers with its
/// length, compared and hashed in a few instructions for keyword lookup.
/// Every byte is OR-ed with 0x20, which folds A–Z onto a–z and keeps digits
/// and `$`; `_` becomes 0x7F, which no other identifier byte maps to.
package struct PackedWord: Equatable, Sendable {
    static let capacity = 24
    var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0
    var length: Int

    /// Packs the `length` (at most `capacity`) bytes at `start`.
    @inline(__always)
    init(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) {
        self.length = length
        w0 = Self.chunk(bytes, start, length)
        if length > 8 { w1 = Self.chunk(bytes, start + 8, length - 8) }
        if length > 16 { w2 = Self.chunk(bytes, start + 16, length - 16) }
    }

    /// Up to 8 bytes at `start` (of `remaining`) as a little-endian integer, case-folded.
    @inline(__always)
    private static func chunk(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ remaining: Int) -> UInt64 {
        let count = min(remaining, 8)
        let mask: UInt64 = count == 8 ? ~0 : (1 << UInt64(count * 8)) - 1
        var value: UInt64 = 0
        if start + 8 <= bytes.count, let base = bytes.baseAddress {
            value = UInt64(littleEndian: UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self))
        } else {
            for k in 0..<count { value |= UInt64(bytes[start + k]) << UInt64(k * 8) }
        }
        return (value | 0x2020_2020_2020_2020) & mask
    }

    var hash: Int {
        let mixed = (w0 &* 0x9E37_79B9_7F4A_7C15) ^ (w1 &* 0xC2B2_AE3D_27D4_EB4F) ^ w2 ^ UInt64(length)
        return Int(truncatingIfNeeded: (mixed ^ (mixed >> 29)) >> 7)
    }
}

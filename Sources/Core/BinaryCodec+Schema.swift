// Binary encoding of `TableSchema` (format version 1):
//
//     u8 schema format (1)
//     varint id, string name
//     count columns, each:   string name, DataType (u8 tag; VECTOR adds a
//                            varint dimension count, 0 = any), u8 flags
//                            (1 notNull, 2 serial, 4 has default, 8 has a
//                            per-row default), [Value default], [string
//                            default expression]
//     count primaryKey, each varint column position
//     count indexes, each:   string name, count + varint columns, bool unique,
//                            string method, count options, each string key,
//                            string value (sorted by key, keys distinct)
//     bool + string viewQuery
//     count checks, each:    string name, string condition
//     count foreignKeys, each: string name, count + varint columns,
//                            string referencedTable, count + string
//                            referencedColumns, u8 onDelete, u8 onUpdate
//
// Format 2 appends, for materialized views:
//     bool present, then string query, count options, each string key,
//     string value (sorted by key), bool + varint refreshedSCN,
//     bool + varint visibleColumns, bool + varint visibilityColumn,
//     bool sawOwnWrites
// Format 1 (no such block) is still read.
//
// `readSCN` is a property of a read, not of the table: never encoded, nil
// when decoded. DataType and ForeignKeySchema.Action use the explicit tag
// tables below, never their declaration order.

extension BinaryCodec {
    /// The format byte that starts every encoded `TableSchema`.
    public static let schemaFormat: UInt8 = 2

    /// `DataType` tags (stable; new types take new numbers).
    static func tag(of type: DataType) -> UInt8 {
        switch type {
        case .smallint: 1
        case .integer: 2
        case .bigint: 3
        case .double: 4
        case .text: 5
        case .boolean: 6
        case .date: 7
        case .timestamp: 8
        case .timestampWithTimeZone: 9
        case .interval: 10
        case .uuid: 11
        case .bytea: 12
        case .json: 13
        case .jsonb: 14
        case .vector: 15
        }
    }

    static func dataType(tag: UInt8) -> DataType? {
        switch tag {
        case 1: .smallint
        case 2: .integer
        case 3: .bigint
        case 4: .double
        case 5: .text
        case 6: .boolean
        case 7: .date
        case 8: .timestamp
        case 9: .timestampWithTimeZone
        case 10: .interval
        case 11: .uuid
        case 12: .bytea
        case 13: .json
        case 14: .jsonb
        case 15: .vector(dimensions: 0)
        default: nil
        }
    }

    static func tag(of action: ForeignKeySchema.Action) -> UInt8 {
        switch action {
        case .noAction: 0
        case .restrict: 1
        case .cascade: 2
        case .setNull: 3
        case .setDefault: 4
        }
    }

    static func action(tag: UInt8) -> ForeignKeySchema.Action? {
        switch tag {
        case 0: .noAction
        case 1: .restrict
        case 2: .cascade
        case 3: .setNull
        case 4: .setDefault
        default: nil
        }
    }
}

private enum ColumnFlag {
    static let notNull: UInt8 = 1
    static let serial: UInt8 = 2
    static let hasDefault: UInt8 = 4
    static let hasDefaultExpression: UInt8 = 8
    static let all: UInt8 = 15
}

extension ByteWriter {
    public mutating func dataType(_ type: DataType) {
        u8(BinaryCodec.tag(of: type))
        if case .vector(let n) = type { count(n) }
    }

    /// Column positions (or any non-negative Ints): count, then varints.
    public mutating func positions(_ list: [Int]) {
        count(list.count)
        for p in list { count(p) }
    }

    public mutating func strings(_ list: [String]) {
        count(list.count)
        for s in list { string(s) }
    }

    public mutating func columnSchema(_ c: ColumnSchema) {
        string(c.name)
        dataType(c.type)
        var flags: UInt8 = 0
        if c.notNull { flags |= ColumnFlag.notNull }
        if c.serial { flags |= ColumnFlag.serial }
        if c.defaultValue != nil { flags |= ColumnFlag.hasDefault }
        if c.defaultExpression != nil { flags |= ColumnFlag.hasDefaultExpression }
        u8(flags)
        if let d = c.defaultValue { value(d) }
        if let e = c.defaultExpression { string(e) }
    }

    public mutating func indexSchema(_ index: IndexSchema) {
        string(index.name)
        positions(index.columns)
        bool(index.unique)
        string(index.method)
        count(index.options.count)
        for (key, v) in index.options.sorted(by: { $0.key < $1.key }) { string(key); string(v) }
    }

    public mutating func checkConstraint(_ check: CheckConstraint) {
        string(check.name)
        string(check.condition)
    }

    public mutating func foreignKeySchema(_ fk: ForeignKeySchema) {
        string(fk.name)
        positions(fk.columns)
        string(fk.referencedTable)
        strings(fk.referencedColumns)
        u8(BinaryCodec.tag(of: fk.onDelete))
        u8(BinaryCodec.tag(of: fk.onUpdate))
    }

    /// Everything but `readSCN`.
    public mutating func tableSchema(_ schema: TableSchema) {
        u8(BinaryCodec.schemaFormat)
        varint(schema.id)
        string(schema.name)
        count(schema.columns.count)
        for c in schema.columns { columnSchema(c) }
        positions(schema.primaryKey)
        count(schema.indexes.count)
        for i in schema.indexes { indexSchema(i) }
        optionalString(schema.viewQuery)
        count(schema.checks.count)
        for c in schema.checks { checkConstraint(c) }
        count(schema.foreignKeys.count)
        for fk in schema.foreignKeys { foreignKeySchema(fk) }
        bool(schema.materialized != nil)
        if let view = schema.materialized {
            string(view.query)
            count(view.options.count)
            for (key, v) in view.options.sorted(by: { $0.key < $1.key }) { string(key); string(v) }
            bool(view.refreshedSCN != nil)
            varint(view.refreshedSCN?.rawValue ?? 0)
            bool(view.visibleColumns != nil)
            varint(UInt64(view.visibleColumns ?? 0))
            bool(view.visibilityColumn != nil)
            varint(UInt64(view.visibilityColumn ?? 0))
            bool(view.sawOwnWrites)
        }
    }
}

extension ByteReader {
    public mutating func dataType() throws(CodecError) -> DataType {
        let start = offset
        let tag = try u8()
        guard let type = BinaryCodec.dataType(tag: tag) else { throw CodecError("unknown data type tag \(tag)", at: start) }
        if case .vector = type {
            let at = offset
            let n = try int()
            guard n <= DataType.maxVectorDimensions else { throw CodecError("vector of \(n) dimensions", at: at) }
            return .vector(dimensions: n)
        }
        return type
    }

    public mutating func positions() throws(CodecError) -> [Int] {
        try array { (r: inout ByteReader) throws(CodecError) in try r.int() }
    }

    public mutating func strings() throws(CodecError) -> [String] {
        try array { (r: inout ByteReader) throws(CodecError) in try r.string() }
    }

    public mutating func columnSchema() throws(CodecError) -> ColumnSchema {
        let name = try string()
        let type = try dataType()
        let flagsAt = offset
        let flags = try u8()
        guard flags & ~ColumnFlag.all == 0 else { throw CodecError("unknown column flags \(flags)", at: flagsAt) }
        let defaultValue = flags & ColumnFlag.hasDefault != 0 ? try value() : nil
        var column = ColumnSchema(name: name, type: type, notNull: flags & ColumnFlag.notNull != 0,
                                  defaultValue: defaultValue, serial: flags & ColumnFlag.serial != 0)
        if flags & ColumnFlag.hasDefaultExpression != 0 { column.defaultExpression = try string() }
        return column
    }

    public mutating func indexSchema() throws(CodecError) -> IndexSchema {
        let name = try string()
        let columns = try positions()
        let unique = try bool()
        let method = try string()
        let n = try count()
        var options: [String: String] = [:]
        options.reserveCapacity(n)
        for _ in 0..<n {
            let keyAt = offset
            let key = try string()
            let v = try string()
            guard options.updateValue(v, forKey: key) == nil else {
                throw CodecError("duplicate index option \(key.debugDescription)", at: keyAt)
            }
        }
        return IndexSchema(name: name, columns: columns, unique: unique, method: method, options: options)
    }

    public mutating func checkConstraint() throws(CodecError) -> CheckConstraint {
        let name = try string()
        return CheckConstraint(name: name, condition: try string())
    }

    private mutating func action() throws(CodecError) -> ForeignKeySchema.Action {
        let start = offset
        let tag = try u8()
        guard let action = BinaryCodec.action(tag: tag) else { throw CodecError("unknown foreign key action \(tag)", at: start) }
        return action
    }

    public mutating func foreignKeySchema() throws(CodecError) -> ForeignKeySchema {
        let name = try string()
        let columns = try positions()
        let referencedTable = try string()
        let referencedColumns = try strings()
        let onDelete = try action()
        let onUpdate = try action()
        return ForeignKeySchema(name: name, columns: columns, referencedTable: referencedTable,
                                referencedColumns: referencedColumns, onDelete: onDelete, onUpdate: onUpdate)
    }

    /// A schema with `readSCN` nil.
    public mutating func tableSchema() throws(CodecError) -> TableSchema {
        let start = offset
        let format = try u8()
        guard format == 1 || format == BinaryCodec.schemaFormat else {
            throw CodecError("unknown table schema format \(format)", at: start)
        }
        let id = try varint()
        let name = try string()
        let columns = try array { (r: inout ByteReader) throws(CodecError) in try r.columnSchema() }
        let primaryKey = try positions()
        let indexes = try array { (r: inout ByteReader) throws(CodecError) in try r.indexSchema() }
        let viewQuery = try optionalString()
        let checks = try array { (r: inout ByteReader) throws(CodecError) in try r.checkConstraint() }
        let foreignKeys = try array { (r: inout ByteReader) throws(CodecError) in try r.foreignKeySchema() }
        var schema = TableSchema(id: id, name: name, columns: columns, primaryKey: primaryKey, indexes: indexes,
                                 viewQuery: viewQuery, checks: checks, foreignKeys: foreignKeys)
        if format >= 2, try bool() {
            let query = try string()
            var options: [String: String] = [:]
            for _ in 0..<(try count()) {
                let keyAt = offset
                let key = try string()
                guard options.updateValue(try string(), forKey: key) == nil else {
                    throw CodecError("duplicate materialized view option \(key.debugDescription)", at: keyAt)
                }
            }
            let refreshed = try bool()
            let scn = try varint()
            let hasVisible = try bool(), visibleAt = offset, visible = try varint()
            let hasFlag = try bool(), flagAt = offset, flag = try varint()
            guard !hasVisible || visible <= UInt64(columns.count) else {
                throw CodecError("visible column count \(visible) exceeds the \(columns.count) columns", at: visibleAt)
            }
            guard !hasFlag || flag < UInt64(columns.count) else {
                throw CodecError("visibility column \(flag) is past the \(columns.count) columns", at: flagAt)
            }
            schema.materialized = MaterializedViewInfo(query: query, options: options, refreshedSCN: refreshed ? SCN(scn) : nil,
                                                       visibleColumns: hasVisible ? Int(visible) : nil,
                                                       visibilityColumn: hasFlag ? Int(flag) : nil, sawOwnWrites: try bool())
        }
        return schema
    }
}

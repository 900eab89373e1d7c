import Core
import SQL
import Storage

extension SystemViews {
    /// `pg_compression_stats(['table'])`: for each column of each table the
    /// transaction sees (or of the one named), how a checkpoint stores its
    /// current rows: the encoding (`SegmentColumn`), the codecs its chunks
    /// chose (e.g. "strings/fsst", "doubles/alp"), the value count, the
    /// bytes plain (one tagged value after another) and compressed, and
    /// their ratio. Measured when asked, by compressing the column.
    static func compressionStats(_ transaction: any StorageTransaction, only: String?) -> SystemViewContent {
        nonisolated(unsafe) let transaction = transaction
        let columns: [(name: String, type: DataType)] = [
            ("table_name", .text), ("column_name", .text), ("data_type", .text), ("encoding", .text), ("codecs", .text),
            ("values", .bigint), ("plain_bytes", .bigint), ("compressed_bytes", .bigint), ("ratio", .double),
        ]
        let names = transaction.tableNames().filter { only == nil || $0 == only }.sorted()
        return SystemViewContent(columns: columns, rows: names.flatMap { name -> [Row] in
            guard let table = transaction.table(named: name) else { return [] }
            var values = [[Value]](repeating: [], count: table.columns.count)
            transaction.forEachRow(table) { row in
                for column in values.indices { values[column].append(column < row.count ? row[column] : .null) }
            }
            return table.columns.indices.map { column in
                let measured = SegmentColumn.measure(values[column])
                let codecs = Array(Set(measured.codecs)).sorted().joined(separator: ", ")
                return [.text(name), .text(table.columns[column].name), .text(table.columns[column].type.description),
                        .text("\(measured.encoding)"), codecs.isEmpty ? .null : .text(codecs),
                        integer(values[column].count), integer(measured.plainBytes), integer(measured.bytes),
                        values[column].isEmpty ? .null
                            : .double((Double(measured.plainBytes) / Double(measured.bytes) * 1000).rounded() / 1000)]
            }
        })
    }
}

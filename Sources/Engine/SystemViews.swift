import Core
import SQL
import Storage

/// System views over the branch registry and the commit log, answered for
/// SQL (`SELECT * FROM pg_snapshots`, `pg_database_branches()`) and for
/// `SHOW BRANCHES`. The three commit-log views have one row per retained
/// commit, in SCN order.
enum SystemViews {
    static func content(named name: String, storage: any StorageEngine) -> SystemViewContent? {
        switch name {
        case "pg_database_branches": return branches(storage)
        case "pg_branch_stats": return branchStats(storage)
        case "pg_snapshots": return snapshots(storage)
        case "pg_scn_map": return scnMap(storage)
        case "pg_transaction_map": return transactionMap(storage)
        default: return nil
        }
    }

    /// `pg_vector_index_stats(['idx'])`: one row per HNSW index the
    /// transaction sees, with DESIGN §3's columns then the table's name;
    /// naming an index also measures its recall@10.
    static func vectorIndexStats(_ transaction: any StorageTransaction, only: String?) -> SystemViewContent {
        // Rows are read while the statement runs, on the statement's thread.
        nonisolated(unsafe) let transaction = transaction
        return SystemViewContent(columns: [("index_name", .text), ("num_vectors", .bigint), ("dimensions", .integer),
                                    ("quantization", .text), ("memory_bytes", .bigint), ("recall_at_10", .double),
                                    ("table_name", .text)],
                          rows: transaction.tableNames().flatMap { name -> [Row] in
            guard let table = transaction.table(named: name) else { return [] }
            return table.indexes.filter { $0.method == "hnsw" && (only == nil || only == $0.name) }.compactMap { index in
                guard let stats = transaction.vectorIndexStatistics(table, index: index.name, measureRecall: only != nil) else { return nil }
                return [.text(stats.indexName), integer(stats.numVectors), integer(stats.dimensions), .text(stats.quantization),
                        integer(stats.memoryBytes), stats.recallAt10.map { .double($0) } ?? .null, .text(stats.tableName)]
            }
        })
    }

    static func timestamp(_ micros: Int64?) -> Value { micros.map { .timestamp($0, zoned: true) } ?? .null }
    static func integer<T: BinaryInteger>(_ n: T) -> Value { .integer(Int64(n)) }

    /// `pg_database_branches()`: the seven columns of DESIGN §3.
    static func branches(_ storage: any StorageEngine) -> SystemViewContent {
        SystemViewContent(columns: [("branch_name", .text), ("branch_id", .bigint), ("parent_id", .bigint),
                                    ("created_at", .timestampWithTimeZone), ("fork_point_lsn", .bigint),
                                    ("size_mb", .double), ("status", .text)],
                          rows: storage.branchInfos().map { info in
            [.text(info.name), integer(info.id.rawValue), info.parentID.map { integer($0.rawValue) } ?? .null,
             timestamp(info.createdMicros), integer(info.forkSCN.rawValue),
             .double((Double(info.storageBytes) / 1_048_576 * 1000).rounded() / 1000), .text(info.status)]
        })
    }

    static func branchStats(_ storage: any StorageEngine) -> SystemViewContent {
        SystemViewContent(columns: [("branch_name", .text), ("modified_keys", .bigint), ("storage_bytes", .bigint),
                                    ("commit_count", .bigint), ("last_modified", .timestampWithTimeZone)],
                          rows: storage.branchInfos().map { info in
            [.text(info.name), integer(info.modifiedKeys), integer(info.storageBytes), integer(info.commitCount),
             timestamp(info.lastModifiedMicros)]
        })
    }

    /// The retained commits, each with its branch's name (dropped branches by number).
    private static func commits(_ storage: any StorageEngine) -> [(commit: CommitRecord, branch: String)] {
        let commits = storage.commits()
        var names: [BranchID: String] = [:]
        for id in Set(commits.map(\.branch)) { names[id] = storage.branchName(of: id) ?? id.description }
        return commits.map { ($0, names[$0.branch] ?? $0.branch.description) }
    }

    static func snapshots(_ storage: any StorageEngine) -> SystemViewContent {
        SystemViewContent(columns: [("snapshot_id", .bigint), ("created_at", .timestampWithTimeZone), ("scn", .bigint),
                                    ("transaction_id", .bigint), ("description", .text), ("size_bytes", .bigint),
                                    ("is_automatic", .boolean)],
                          rows: snapshotRows(storage))
    }

    private static func snapshotRows(_ storage: any StorageEngine) -> [Row] {
        let collection = storage.lastCollection
        return commits(storage).enumerated().map { i, entry in
            var description = "commit on branch \(entry.branch)"
            if i == 0, let collection, collection.versionsCollected + collection.commitsCollected > 0 {
                description += "; retention horizon: \(collection.versionsCollected) versions and \(collection.commitsCollected) commits before it collected"
            }
            let commit = entry.commit
            return [integer(commit.scn.rawValue), timestamp(commit.timestampMicros), integer(commit.scn.rawValue),
                    integer(commit.transactionID.rawValue), .text(description), .integer(0), .boolean(true)]
        }
    }

    static func scnMap(_ storage: any StorageEngine) -> SystemViewContent {
        SystemViewContent(columns: [("scn", .bigint), ("commit_time", .timestampWithTimeZone),
                                    ("transaction_id", .bigint), ("branch_name", .text)],
                          rows: commits(storage).map { entry in
            [integer(entry.commit.scn.rawValue), timestamp(entry.commit.timestampMicros),
             integer(entry.commit.transactionID.rawValue), .text(entry.branch)]
        })
    }

    static func transactionMap(_ storage: any StorageEngine) -> SystemViewContent {
        SystemViewContent(columns: [("transaction_id", .bigint), ("scn", .bigint),
                                    ("commit_time", .timestampWithTimeZone), ("branch_name", .text)],
                          rows: commits(storage).map { entry in
            [integer(entry.commit.transactionID.rawValue), integer(entry.commit.scn.rawValue),
             timestamp(entry.commit.timestampMicros), .text(entry.branch)]
        })
    }
}

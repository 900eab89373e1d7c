import Core
import SQL
import Storage

/// System views over the branch registry and the commit log, answered for
/// SQL (`SELECT * FROM pg_snapshots`, `pg_database_branches()`) and for
/// `SHOW BRANCHES`. The three commit-log views have one row per retained
/// commit, in SCN order.
enum SystemViews {
    static func content(named name: String, storage: any StorageEngine, branch: BranchID) -> SystemViewContent? {
        switch name {
        case "pg_database_branches": return branches(storage)
        case "pg_branch_stats": return branchStats(storage)
        case "pg_snapshots": return snapshots(storage)
        case "pg_scn_map": return scnMap(storage)
        case "pg_transaction_map": return transactionMap(storage)
        default: return nil
        }
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

    /// Branch names by id, for the commits of the log (dropped branches by number).
    private static func branchNames(_ storage: any StorageEngine, _ commits: [CommitRecord]) -> [BranchID: String] {
        var names: [BranchID: String] = [:]
        for id in Set(commits.map(\.branch)) { names[id] = storage.branchName(of: id) ?? id.description }
        return names
    }

    static func snapshots(_ storage: any StorageEngine) -> SystemViewContent {
        let commits = storage.commits()
        let names = branchNames(storage, commits)
        let collection = storage.lastCollection
        return SystemViewContent(columns: [("snapshot_id", .bigint), ("created_at", .timestampWithTimeZone), ("scn", .bigint),
                                           ("transaction_id", .bigint), ("description", .text), ("size_bytes", .bigint),
                                           ("is_automatic", .boolean)],
                                 rows: commits.enumerated().map { i, commit in
            var description = "commit on branch \(names[commit.branch] ?? commit.branch.description)"
            if i == 0, let collection, collection.versionsCollected + collection.commitsCollected > 0 {
                description += "; retention horizon: \(collection.versionsCollected) versions and \(collection.commitsCollected) commits before it collected"
            }
            return [integer(commit.scn.rawValue), timestamp(commit.timestampMicros), integer(commit.scn.rawValue),
                    integer(commit.transactionID.rawValue), .text(description), .integer(0), .boolean(true)]
        })
    }

    static func scnMap(_ storage: any StorageEngine) -> SystemViewContent {
        let commits = storage.commits()
        let names = branchNames(storage, commits)
        return SystemViewContent(columns: [("scn", .bigint), ("commit_time", .timestampWithTimeZone),
                                           ("transaction_id", .bigint), ("branch_name", .text)],
                                 rows: commits.map { commit in
            [integer(commit.scn.rawValue), timestamp(commit.timestampMicros), integer(commit.transactionID.rawValue),
             .text(names[commit.branch] ?? commit.branch.description)]
        })
    }

    static func transactionMap(_ storage: any StorageEngine) -> SystemViewContent {
        let commits = storage.commits()
        let names = branchNames(storage, commits)
        return SystemViewContent(columns: [("transaction_id", .bigint), ("scn", .bigint),
                                           ("commit_time", .timestampWithTimeZone), ("branch_name", .text)],
                                 rows: commits.map { commit in
            [integer(commit.transactionID.rawValue), integer(commit.scn.rawValue), timestamp(commit.timestampMicros),
             .text(names[commit.branch] ?? commit.branch.description)]
        })
    }
}

import Core

// History: naming points of the commit log, and collecting what falls
// out of the retention window.
//
// Every commit appends (SCN, transaction id, wall time) to the log, so a
// point in history resolves to an SCN by lookup: SCN n must be a retained
// commit, TRANSACTION t the commit of t, TIMESTAMP x the last commit at or
// before x. The collector drops the versions no retained point can read:
// for each key, every version older than the newest one at or below the
// horizon. The horizon never passes a branch's fork point, so branches keep
// reading their parents.

extension MemoryStore {
    public func resolve(_ point: HistoryPoint) throws(StorageError) -> SCN {
        try lock.reading { () throws(StorageError) -> SCN in
            switch point {
            case .now:
                return lastSCN
            case .scn(let scn):
                if scn > lastSCN {
                    throw StorageError("22023", "SCN \(scn) not found: the latest commit is \(lastSCN)")
                }
                if scn == .zero || scn <= collectedThrough {
                    throw StorageError("22023", "SCN \(scn) not found: it is older than the retained history")
                }
                return scn
            case .transaction(let id):
                guard let record = commitLog.last(where: { $0.transactionID == id }) else {
                    throw StorageError("22023", "transaction \(id) not found among the retained commits")
                }
                return record.scn
            case .timestamp(let micros):
                if micros > Self.nowMicros() {
                    throw StorageError("22023", "timestamp not found: it is in the future")
                }
                // The log is in SCN order and wall time never decreases along it.
                var low = 0, high = commitLog.count
                while low < high {
                    let mid = (low + high) / 2
                    if commitLog[mid].timestampMicros <= micros { low = mid + 1 } else { high = mid }
                }
                guard low > 0 else {
                    throw StorageError("22023", "timestamp not found: no retained commit at or before it")
                }
                return commitLog[low - 1].scn
            }
        }
    }

    public var lastCollection: CollectionReport? { lock.reading { collectionReport } }

    @discardableResult
    public func collectHistory(olderThan horizonMicros: Int64) -> CollectionReport {
        let (report, offset) = lock.writing { () -> (CollectionReport, LogPosition?) in
            // The horizon: the newest commit at or before the cutoff, held
            // below every branch's fork point and the latest commit.
            var horizon = commitLog.last(where: { $0.timestampMicros <= horizonMicros })?.scn ?? .zero
            for branch in branches.values where branch.parent != nil { horizon = min(horizon, branch.forkSCN) }
            horizon = min(horizon, lastSCN)
            var offset: LogPosition?
            if horizon > collectedThrough {
                // A failed log write skips this round; the next one retries.
                do {
                    offset = try logged(.collected(horizon: horizon))
                } catch {
                    return (collectionReport ?? CollectionReport(horizonSCN: collectedThrough, versionsCollected: 0,
                                                                 commitsCollected: 0, finishedMicros: Self.nowMicros()), nil)
                }
            }
            return (collect(through: horizon), offset)
        }
        try? awaitDurable(offset)
        return report
    }

    /// Drops versions and commits older than `horizon`. Caller holds the write lock.
    func collect(through horizon: SCN) -> CollectionReport {
        var versions = 0
        if horizon > collectedThrough {
            for branch in branches.values {
                for table in branch.tables.values {
                    table.changeLog.drop(through: horizon)
                    for chain in table.chains {
                        guard chain.versions.count > 1,
                              let keep = chain.versions.lastIndex(where: { $0.scn <= horizon }), keep > 0 else { continue }
                        chain.versions.removeFirst(keep)
                        versions += keep
                    }
                }
            }
        }
        let before = commitLog.count
        // Commits below the horizon are gone; the horizon commit itself stays
        // readable (its state is what every kept version starts from).
        commitLog.removeAll { $0.scn < horizon }
        let commits = before - commitLog.count
        if horizon > collectedThrough && horizon > .zero { collectedThrough = SCN(horizon.rawValue - 1) }
        let report = CollectionReport(horizonSCN: horizon, versionsCollected: versions, commitsCollected: commits,
                                      finishedMicros: Self.nowMicros())
        collectionReport = report
        return report
    }
}

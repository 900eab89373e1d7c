/// The values SET gives, and how transactions treat them. As in
/// PostgreSQL: a SET inside a transaction that rolls back (ROLLBACK, or
/// ROLLBACK TO a savepoint taken before it) is undone; `SET LOCAL` lasts
/// only until the transaction ends, either way. A request's statements
/// before BEGIN belong to its transaction (as in PostgreSQL's
/// simple-query protocol), so `SET LOCAL x = 1; SHOW x` shows 1.
struct SettingValues: Equatable {
    /// `hnsw.ef_search` (nil: the index's own).
    var efSearch: Int?
    /// Every other setting's text, by lower-cased name, for SHOW.
    var texts: [String: String] = [:]

    /// Every value set, as SHOW prints it.
    var shown: [String: String] {
        var all = texts
        if let efSearch { all["hnsw.ef_search"] = String(efSearch) }
        return all
    }

    /// Back to the default (RESET, SET … = DEFAULT); `name` lower-cased.
    mutating func reset(_ name: String) {
        if name == "hnsw.ef_search" { efSearch = nil }
        texts[name] = nil
    }
}

struct SessionSettings: Equatable {
    /// What statements see now.
    private(set) var current = SettingValues()
    /// What stays when the transaction commits: `current` without the
    /// SET LOCAL changes.
    private var afterCommit = SettingValues()
    /// What a rollback returns to: the values when the transaction began.
    private var atStart = SettingValues()

    /// Applies a SET (or RESET); a local one only to the transaction.
    mutating func change(local: Bool, _ body: (inout SettingValues) -> Void) {
        body(&current)
        if !local { body(&afterCommit) }
    }

    /// The transaction committed: its SETs stay, its SET LOCALs end.
    mutating func commit() {
        current = afterCommit
        atStart = afterCommit
    }

    /// The transaction rolled back: every SET in it is undone.
    mutating func rollBack() {
        current = atStart
        afterCommit = atStart
    }

    /// ROLLBACK TO a savepoint taken when the settings were `saved`.
    mutating func rollBack(to saved: SessionSettings) {
        current = saved.current
        afterCommit = saved.afterCommit
    }
}

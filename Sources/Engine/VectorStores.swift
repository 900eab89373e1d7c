import Core
import Storage
import Vector

// Vector stores: the REST face of vector search (DESIGN §2). A store is an
// ordinary table `(id TEXT PRIMARY KEY, embedding VECTOR(n), metadata
// JSONB)` with an HNSW index on `embedding`, so stores are branchable and
// time-travelable like any table. Definitions and writes go through SQL;
// searches call storage directly so they can report what the search did.

/// A store as listed: its shape and how many vectors the reader sees.
public struct VectorStoreInfo: Sendable, Equatable {
    public var name: String
    public var dimensions: Int
    public var metric: VectorMetric
    public var indexName: String
    public var indexOptions: [String: String]
    public var vectorCount: Int
}

/// One vector to write.
public struct VectorRecord: Sendable {
    public var id: String
    public var values: [Float]
    public var metadata: JSONDocument?
    public init(id: String, values: [Float], metadata: JSONDocument?) {
        self.id = id; self.values = values; self.metadata = metadata
    }
}

/// One search hit (or a vector fetched by id). A search asked for neither
/// leaves `metadata` nil and `values` empty.
public struct VectorHit: Sendable {
    public var id: String
    public var distance: Double
    public var metadata: JSONDocument?
    public var values: [Float]
}

public struct VectorSearchAnswer: Sendable {
    public var hits: [VectorHit]
    public var stats: VectorSearchStats
    public var metric: VectorMetric
}

extension Database {
    static let storeColumns = ["id", "embedding", "metadata"]

    /// Store names are plain SQL identifiers (they name the table).
    static func checkStoreName(_ name: String) throws(EngineError) {
        let valid = !name.isEmpty && name.utf8.count <= 63
            && name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
            && !("0"..."9").contains(name.unicodeScalars.first!)
        guard valid else {
            throw EngineError("22023", "invalid vector store name \"\(name)\": use letters, digits and underscores (at most 63), not starting with a digit")
        }
    }

    /// Creates a store; `index` holds the HNSW options (m, ef_construction,
    /// quantization, pq_subquantizers, pq_centroids…).
    public func createVectorStore(name: String, dimensions: Int, metric: VectorMetric, index: [String: String],
                                  branch: String) throws(EngineError) -> VectorStoreInfo {
        try Self.checkStoreName(name)
        guard (1...16_000).contains(dimensions) else {
            throw EngineError("22023", "dimensions must be between 1 and 16000, got \(dimensions)")
        }
        do {
            _ = try VectorIndexOptions(index, dimensions: dimensions)
        } catch {
            throw EngineError(error)
        }
        let options = index.sorted { $0.key < $1.key }.map { "\($0.key) = '\($0.value.replacingOccurrences(of: "'", with: "''"))'" }
        let with = options.isEmpty ? "" : " WITH (\(options.joined(separator: ", ")))"
        let sql = """
            CREATE TABLE "\(name)" (id TEXT PRIMARY KEY, embedding VECTOR(\(dimensions)), metadata JSONB);
            CREATE INDEX "\(name)_embedding_idx" ON "\(name)" USING hnsw (embedding \(metric.operatorClass))\(with)
            """
        do {
            _ = try execute(SQLRequest(sql: sql, branch: branch))
        } catch where error.sqlState == SQLState.duplicateTable {
            let isStore = (try? storeShape(name, branch: branch)) != nil
            throw EngineError(error.sqlState, isStore ? "vector store \"\(name)\" already exists"
                                                      : "a table named \"\(name)\" already exists (it is not a vector store)")
        }
        guard let info = try vectorStore(named: name, branch: branch, asOf: nil) else {
            // Another request dropped it between the two steps: a concurrency outcome, not a bug.
            throw EngineError(SQLState.serializationFailure,
                              "vector store \"\(name)\" was created, then dropped by a concurrent request before it could be described")
        }
        return info
    }

    public func dropVectorStore(name: String, branch: String) throws(EngineError) {
        guard try storeShape(name, branch: branch) != nil else { throw Self.storeNotFound(name) }
        _ = try execute(SQLRequest(sql: "DROP TABLE \"\(name)\"", branch: branch))
    }

    /// Cosine distance to a zero vector is undefined (NaN): such vectors
    /// can neither be ranked nor found.
    static func zeroVector(_ what: String, store: String) -> EngineError {
        EngineError("22000", "\(what) is a zero vector: cosine distance is undefined for it (store \"\(store)\" uses the cosine metric)")
    }

    static func storeNotFound(_ name: String) -> EngineError {
        EngineError(SQLState.undefinedTable, "vector store \"\(name)\" not found")
    }

    /// Runs `body` on a read transaction of `branch` (as of `asOf`).
    func reading<T>(branch: String, asOf: HistoryPoint?,
                    _ body: (any StorageTransaction) throws(EngineError) -> T) throws(EngineError) -> T {
        let id = try resolveBranch(branch)
        let transaction: any StorageTransaction
        do throws(StorageError) {
            if let asOf { transaction = try storage.begin(branch: id, at: try storage.resolve(asOf)) }
            else { transaction = try storage.begin(branch: id) }
        } catch {
            throw EngineError(error)
        }
        defer { transaction.rollback() }
        return try body(transaction)
    }

    /// The store's table shape, or nil when `table` is not a store.
    /// `counting` counts the visible vectors (a pass over the rows, so only
    /// where the count is shown; searches and writes skip it).
    static func storeInfo(_ table: TableSchema, in transaction: any StorageTransaction,
                          counting: Bool = true) -> VectorStoreInfo? {
        guard let (dimensions, metric) = searchShape(table),
              let index = table.indexes.first(where: { $0.method == "hnsw" && $0.columns == [1] }) else { return nil }
        var options = index.options
        options[VectorIndexOptions.operatorClassKey] = nil
        // Rows as the reader sees them (branch layers, deletions on a
        // branch); the index statistics count graph nodes per layer.
        var count = 0
        if counting {
            transaction.forEachRow(table) { row in
                if case .vector = row[1] { count += 1 }
            }
        }
        return VectorStoreInfo(name: table.name, dimensions: dimensions, metric: metric, indexName: index.name,
                               indexOptions: options, vectorCount: count)
    }

    /// What a search needs of a store's shape (`storeInfo` without building
    /// the options): checked on every search, so without allocating.
    static func searchShape(_ table: TableSchema) -> (dimensions: Int, metric: VectorMetric)? {
        guard table.columns.count == storeColumns.count,
              zip(table.columns, storeColumns).allSatisfy({ $0.name == $1 }), table.columns[0].type == .text,
              case .vector(let dimensions) = table.columns[1].type, table.columns[2].type == .jsonb,
              let index = table.indexes.first(where: { $0.method == "hnsw" && $0.columns == [1] }) else { return nil }
        return (dimensions, VectorMetric(indexOptions: index.options))
    }

    /// The store's shape without counting its vectors, or nil.
    func storeShape(_ name: String, branch: String) throws(EngineError) -> VectorStoreInfo? {
        try reading(branch: branch, asOf: nil) { transaction in
            transaction.table(named: name).flatMap { Self.storeInfo($0, in: transaction, counting: false) }
        }
    }

    public func vectorStores(branch: String, asOf: HistoryPoint?) throws(EngineError) -> [VectorStoreInfo] {
        try reading(branch: branch, asOf: asOf) { transaction in
            transaction.tableNames().compactMap { name in
                transaction.table(named: name).flatMap { Self.storeInfo($0, in: transaction) }
            }
        }
    }

    public func vectorStore(named name: String, branch: String, asOf: HistoryPoint?) throws(EngineError) -> VectorStoreInfo? {
        try reading(branch: branch, asOf: asOf) { transaction in
            transaction.table(named: name).flatMap { Self.storeInfo($0, in: transaction) }
        }
    }

    /// Inserts or replaces `records` in one transaction; returns how many
    /// rows were written. An id given twice keeps its last record (one
    /// INSERT … ON CONFLICT cannot touch a row twice). Every record is
    /// checked before anything is written.
    public func upsertVectors(store: String, records: [VectorRecord], branch: String) throws(EngineError) -> Int {
        guard let info = try storeShape(store, branch: branch) else { throw Self.storeNotFound(store) }
        guard !records.isEmpty else { return 0 }
        for record in records {
            guard record.values.count == info.dimensions else {
                throw EngineError("22000", "Vector dimension mismatch: store \"\(store)\" expects \(info.dimensions) dimensions, vector \"\(record.id)\" has \(record.values.count)")
            }
            if info.metric == .cosine, record.values.allSatisfy({ $0 == 0 }) {
                throw Self.zeroVector("vector \"\(record.id)\"", store: store)
            }
        }
        // The last record of each id wins; ids are told apart by their
        // bytes, as the text primary key does ("é" is not "e\u{301}").
        var last: [[UInt8]: Int] = [:]
        last.reserveCapacity(records.count)
        for (i, record) in records.enumerated() { last[Array(record.id.utf8)] = i }
        var parameters: [Value] = []
        parameters.reserveCapacity(last.count * 3)
        var rows: [String] = []
        rows.reserveCapacity(last.count)
        for (i, record) in records.enumerated() where last[Array(record.id.utf8)] == i {
            let n = parameters.count
            parameters.append(.text(record.id))
            parameters.append(.vector(record.values))
            parameters.append(record.metadata.map { .json($0.normalized()) } ?? .null)
            rows.append("($\(n + 1), $\(n + 2), $\(n + 3))")
        }
        let sql = "INSERT INTO \"\(store)\" (id, embedding, metadata) VALUES \(rows.joined(separator: ", ")) "
            + "ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, metadata = EXCLUDED.metadata"
        let results = try execute(SQLRequest(sql: sql, parameters: parameters, branch: branch))
        return results.last?.affectedRows ?? rows.count
    }

    /// Deletes vectors by id; returns how many existed.
    public func deleteVectors(store: String, ids: [String], branch: String) throws(EngineError) -> Int {
        guard try storeShape(store, branch: branch) != nil else { throw Self.storeNotFound(store) }
        guard !ids.isEmpty else { return 0 }
        let list = ids.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
        let results = try execute(SQLRequest(sql: "DELETE FROM \"\(store)\" WHERE id IN (\(list))",
                                             parameters: ids.map { .text($0) }, branch: branch))
        return results.last?.affectedRows ?? 0
    }

    public func vector(store: String, id: String, branch: String, asOf: HistoryPoint?) throws(EngineError) -> VectorHit? {
        try reading(branch: branch, asOf: asOf) { (transaction) throws(EngineError) -> VectorHit? in
            guard let table = transaction.table(named: store), Self.storeInfo(table, in: transaction, counting: false) != nil else {
                throw Self.storeNotFound(store)
            }
            return transaction.get(table, key: RowKey(.text(id))).flatMap { Self.hit($0, distance: 0) }
        }
    }

    static func hit(_ row: Row, distance: Double, values: Bool = true, metadata: Bool = true) -> VectorHit? {
        guard case .text(let id) = row[0] else { return nil }
        var hit = VectorHit(id: id, distance: distance, metadata: nil, values: [])
        if values {
            guard case .vector(let v) = row[1] else { return nil }
            hit.values = v
        }
        if metadata, case .json(let document) = row[2] { hit.metadata = document }
        return hit
    }

    /// The `topK` nearest vectors; `filter` keeps rows whose metadata
    /// contains it (equality per key, as jsonb `@>`). Hits carry their
    /// values and metadata only when asked (each is one more cold object
    /// of a random row to read).
    public func searchVectors(store: String, query: [Float], topK: Int, efSearch: Int?, filter: JSONDocument?,
                              branch: String, asOf: HistoryPoint?, includeValues: Bool = true,
                              includeMetadata: Bool = true) throws(EngineError) -> VectorSearchAnswer {
        try reading(branch: branch, asOf: asOf) { (transaction) throws(EngineError) -> VectorSearchAnswer in
            guard let table = transaction.table(named: store), let info = Self.searchShape(table) else {
                throw Self.storeNotFound(store)
            }
            guard topK >= 1 else { throw EngineError("22023", "top_k must be at least 1, got \(topK)") }
            if let efSearch, efSearch < 1 { throw EngineError("22023", "ef_search must be at least 1, got \(efSearch)") }
            guard query.count == info.dimensions else {
                throw EngineError("22000", "Vector dimension mismatch: store \"\(store)\" expects \(info.dimensions) dimensions, the query has \(query.count)")
            }
            if info.metric == .cosine, query.allSatisfy({ $0 == 0 }) { throw Self.zeroVector("the query", store: store) }
            var rowFilter: ((Row) -> Bool)?
            if let filter = filter?.normalized() {
                rowFilter = { row in
                    if case .json(let metadata) = row[2] { return metadata.contains(filter) }
                    return false
                }
            }
            let request = VectorSearchRequest(column: 1, metric: info.metric, query: query, k: topK, efSearch: efSearch,
                                              filter: rowFilter)
            let result = transaction.vectorSearch(table, request)
            var hits: [VectorHit] = []
            hits.reserveCapacity(result.rows.count)
            for (row, distance) in zip(result.rows, result.distances) {
                if let hit = Self.hit(row, distance: distance, values: includeValues, metadata: includeMetadata) { hits.append(hit) }
            }
            return VectorSearchAnswer(hits: hits, stats: result.stats, metric: info.metric)
        }
    }
}

import Core

/// A nearest-neighbour request on one VECTOR column of a table.
public struct VectorSearchRequest {
    public var column: Int
    public var metric: VectorMetric
    public var query: [Float]
    public var k: Int
    /// Overrides the index's ef_search (request setting or `SET hnsw.ef_search`).
    public var efSearch: Int?
    /// Rows must pass this (the statement's WHERE clause); applied during the search.
    public var filter: ((Row) -> Bool)?
    /// The index to search, when the caller chose one (nil: any on the column for the metric).
    public var indexName: String?

    public init(column: Int, metric: VectorMetric, query: [Float], k: Int, efSearch: Int? = nil,
                filter: ((Row) -> Bool)? = nil, indexName: String? = nil) {
        self.column = column; self.metric = metric; self.query = query; self.k = k
        self.efSearch = efSearch; self.filter = filter; self.indexName = indexName
    }
}

/// The nearest visible rows, nearest first, and what the search did.
public struct VectorSearchResult {
    public var rows: [Row]
    public var distances: [Double]
    public var stats: VectorSearchStats
    /// The HNSW index used, nil when every layer was scanned exactly.
    public var indexName: String?

    public init(rows: [Row], distances: [Double], stats: VectorSearchStats, indexName: String?) {
        self.rows = rows; self.distances = distances; self.stats = stats; self.indexName = indexName
    }
}

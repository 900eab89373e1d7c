import Core
import Engine
import JSON
import Vector

/// `/v1/vectors/stores`: vector stores over REST (DESIGN §2). A store is a
/// table `(id TEXT PRIMARY KEY, embedding VECTOR(n), metadata JSONB)` with
/// an HNSW index, so every endpoint takes `branch` (and reads take
/// `as_of`): in POST bodies as fields, on GET and DELETE as query
/// parameters (and on DELETE also in a JSON body, when one is sent).
/// Bodies are checked whole before the engine is called, so a bad request
/// writes nothing.
extension HeliosService {
    static func addVectorRoutes(to router: inout Router<HeliosService>) {
        router.add("GET", "/v1/vectors/stores") { service, request, _ in service.listVectorStores(request) }
        router.add("POST", "/v1/vectors/stores") { service, request, _ in service.createVectorStore(request) }
        router.add("GET", "/v1/vectors/stores/{store}") { service, request, parameters in
            service.showVectorStore(request, name: parameters["store"]!)
        }
        router.add("DELETE", "/v1/vectors/stores/{store}") { service, request, parameters in
            service.dropVectorStore(request, name: parameters["store"]!)
        }
        router.add("POST", "/v1/vectors/stores/{store}/upsert") { service, request, parameters in
            service.upsertVectors(request, store: parameters["store"]!)
        }
        router.add("POST", "/v1/vectors/stores/{store}/search") { service, request, parameters in
            service.searchVectors(request, store: parameters["store"]!)
        }
        router.add("POST", "/v1/vectors/stores/{store}/delete") { service, request, parameters in
            service.deleteVectors(request, store: parameters["store"]!)
        }
        router.add("GET", "/v1/vectors/stores/{store}/vectors/{id}") { service, request, parameters in
            service.getVector(request, store: parameters["store"]!, id: parameters["id"]!)
        }
    }

    /// Runs `body`, turning service and engine errors into their JSON answers.
    private func answering(_ body: () throws(ServiceError) -> HTTPResponse) -> HTTPResponse {
        do throws(ServiceError) { return try body() } catch { return error.response }
    }

    /// Calls the engine; its errors keep their SQLSTATE but lose positions
    /// (they point into SQL the client never wrote).
    private func engine<T>(_ body: () throws(EngineError) -> T) throws(ServiceError) -> T {
        do throws(EngineError) {
            return try body()
        } catch {
            var failure = ServiceError(error)
            failure.position = nil
            throw failure
        }
    }

    static func storeNotFound(_ name: String) -> ServiceError {
        ServiceError(status: 404, category: "NotFound", message: "vector store \"\(name)\" not found", code: SQLState.undefinedTable)
    }

    // MARK: Stores

    func listVectorStores(_ request: HTTPRequest) -> HTTPResponse {
        answering { () throws(ServiceError) -> HTTPResponse in
            let target = try VectorRequests.target(request, write: false)
            let stores = try engine { () throws(EngineError) in try database.vectorStores(branch: target.branch, asOf: target.asOf) }
                .sorted { $0.name < $1.name }
            var w = JSONWriter(capacity: 128 + 256 * stores.count)
            w.raw("{\"stores\":[")
            for (i, info) in stores.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                w.value(Self.storeJSON(info, branch: target.branch))
            }
            w.raw("],\"total\":")
            w.integer(Int64(stores.count))
            w.byte(UInt8(ascii: "}"))
            return HTTPResponse(status: 200, body: w.bytes)
        }
    }

    func createVectorStore(_ request: HTTPRequest) -> HTTPResponse {
        answering { () throws(ServiceError) -> HTTPResponse in
            let json = try VectorRequests.object(request.body)
            let target = try VectorRequests.target(request, body: json, write: true)
            guard let nameField = json["name"], !nameField.isNull else { throw ServiceError.badRequest("missing field \"name\"") }
            guard let name = nameField.stringValue, !name.isEmpty else {
                throw ServiceError.badRequest("field \"name\" must be a non-empty string, not \(nameField.jsonText)")
            }
            guard let dimensionsField = json["dimensions"], !dimensionsField.isNull else {
                throw ServiceError.badRequest("missing field \"dimensions\"")
            }
            guard let dimensions = dimensionsField.intValue, (1...16_000).contains(dimensions) else {
                throw ServiceError.badRequest("field \"dimensions\" must be an integer from 1 to 16000, not \(dimensionsField.jsonText)")
            }
            let metric = try VectorRequests.metric(json)
            let options = try VectorRequests.indexOptions(json)
            let info = try engine { () throws(EngineError) in
                try database.createVectorStore(name: name, dimensions: Int(dimensions), metric: metric, index: options,
                                               branch: target.branch)
            }
            return Self.json(201, Self.storeJSON(info, branch: target.branch))
        }
    }

    func showVectorStore(_ request: HTTPRequest, name: String) -> HTTPResponse {
        answering { () throws(ServiceError) -> HTTPResponse in
            let target = try VectorRequests.target(request, write: false)
            guard let info = try engine({ () throws(EngineError) in
                try database.vectorStore(named: name, branch: target.branch, asOf: target.asOf)
            }) else { throw Self.storeNotFound(name) }
            return Self.json(200, Self.storeJSON(info, branch: target.branch))
        }
    }

    func dropVectorStore(_ request: HTTPRequest, name: String) -> HTTPResponse {
        answering { () throws(ServiceError) -> HTTPResponse in
            // Some clients send DELETE with a JSON body: its `branch` counts as in POST bodies.
            let body = request.hasBody ? try VectorRequests.object(request.body) : nil
            let target = try VectorRequests.target(request, body: body, write: true)
            try engine { () throws(EngineError) in try database.dropVectorStore(name: name, branch: target.branch) }
            return Self.json(200, .object([("name", .string(name)), ("dropped", .bool(true)), ("branch", .string(target.branch))]))
        }
    }

    /// `{name, dimensions, metric, index:{…}, count, branch}`; `index` holds
    /// the effective HNSW options (defaults filled in).
    static func storeJSON(_ info: VectorStoreInfo, branch: String) -> JSONValue {
        let options = (try? VectorIndexOptions(info.indexOptions, dimensions: info.dimensions)) ?? VectorIndexOptions()
        let product = options.quantization == .product
        func optional(_ n: Int?) -> JSONValue { n.map { .integer(Int64($0)) } ?? .null }
        let index: JSONValue = .object([
            ("m", .integer(Int64(options.m))),
            ("ef_construction", .integer(Int64(options.efConstruction))),
            ("ef_search", .integer(Int64(options.efSearch))),
            ("quantization", .string(options.quantization.rawValue)),
            ("pq_subquantizers", optional(product ? options.subquantizers(dimensions: info.dimensions) : nil)),
            ("pq_centroids", optional(product ? options.pqCentroids : nil)),
            ("rerank_depth", optional(options.rerankDepth)),
        ])
        return .object([
            ("name", .string(info.name)), ("dimensions", .integer(Int64(info.dimensions))),
            ("metric", .string(info.metric.rawValue)), ("index", index),
            ("count", .integer(Int64(info.vectorCount))), ("branch", .string(branch)),
        ])
    }

    // MARK: Vectors

    func upsertVectors(_ request: HTTPRequest, store: String) -> HTTPResponse {
        answering { () throws(ServiceError) -> HTTPResponse in
            let json: JSONValue, arrays: [[Float]]?
            if let fast = VectorBodyScanner.upsertBody(request.body) {
                (json, arrays) = (fast.json, fast.arrays)
            } else {
                (json, arrays) = (try VectorRequests.object(request.body), nil)
            }
            let target = try VectorRequests.target(request, body: json, write: true)
            let records = try VectorRequests.records(json, arrays: arrays)
            let written = try engine { () throws(EngineError) in
                try database.upsertVectors(store: store, records: records, branch: target.branch)
            }
            return Self.json(200, .object([("upserted", .integer(Int64(written)))]))
        }
    }

    func deleteVectors(_ request: HTTPRequest, store: String) -> HTTPResponse {
        answering { () throws(ServiceError) -> HTTPResponse in
            let json = try VectorRequests.object(request.body)
            let target = try VectorRequests.target(request, body: json, write: true)
            let ids = try VectorRequests.ids(json)
            let deleted = try engine { () throws(EngineError) in
                try database.deleteVectors(store: store, ids: ids, branch: target.branch)
            }
            return Self.json(200, .object([("deleted", .integer(Int64(deleted)))]))
        }
    }

    func getVector(_ request: HTTPRequest, store: String, id: String) -> HTTPResponse {
        answering { () throws(ServiceError) -> HTTPResponse in
            let target = try VectorRequests.target(request, write: false)
            guard let hit = try engine({ () throws(EngineError) in
                try database.vector(store: store, id: id, branch: target.branch, asOf: target.asOf)
            }) else {
                throw ServiceError.notFound("vector \"\(id)\" not found in store \"\(store)\"")
            }
            var w = JSONWriter(capacity: 64 + 12 * hit.values.count)
            w.raw("{\"id\":")
            w.string(hit.id)
            w.raw(",\"values\":")
            ResultEncoding.value(.vector(hit.values), into: &w)
            w.raw(",\"metadata\":")
            Self.write(hit.metadata, into: &w)
            w.byte(UInt8(ascii: "}"))
            return HTTPResponse(status: 200, body: w.bytes)
        }
    }

    static func write(_ metadata: JSONDocument?, into w: inout JSONWriter) {
        guard let metadata else { w.null(); return }
        ResultEncoding.document(metadata, into: &w)
    }

    // MARK: Search

    func searchVectors(_ request: HTTPRequest, store: String) -> HTTPResponse {
        let started = HTTPServer.now()
        return answering { () throws(ServiceError) -> HTTPResponse in
            let json: JSONValue, query: [Float]
            if let fast = VectorBodyScanner.searchBody(request.body) {
                (json, query) = fast  // finite: the scanner leaves anything else to the checks below
            } else {
                json = try VectorRequests.object(request.body)
                query = try VectorRequests.floats(json["vector"], field: "vector")
            }
            let target = try VectorRequests.target(request, body: json, write: false)
            let topK = try VectorRequests.integer(json, "top_k", 1...10_000) ?? 10
            var efSearch = try VectorRequests.integer(json, "ef_search", 1...10_000)
            if efSearch == nil { efSearch = try VectorRequests.integer(json, "ef", 1...10_000) }
            let filter = try VectorRequests.metadataFilter(json)
            let includeValues = try VectorRequests.boolean(json, "include_values", default: false)
            let includeMetadata = try VectorRequests.boolean(json, "include_metadata", default: true)
            let answer = try engine { () throws(EngineError) in
                try database.searchVectors(store: store, query: query, topK: topK, efSearch: efSearch, filter: filter,
                                           branch: target.branch, asOf: target.asOf, includeValues: includeValues,
                                           includeMetadata: includeMetadata)
            }
            let ms = ((HTTPServer.now() - started) * 1_000_000).rounded() / 1000
            let body = Self.searchBody(answer, includeValues: includeValues, includeMetadata: includeMetadata,
                                       milliseconds: ms)
            return HTTPResponse(status: 200, body: body)
        }
    }

    /// The similarity Nano clients expect from the distance.
    static func score(_ distance: Double, _ metric: VectorMetric) -> Double {
        switch metric {
        case .cosine: 1 - distance
        case .innerProduct, .l2: -distance
        }
    }

    /// `{results:[{id, distance, score, metadata?, values?}], query_time_ms,
    /// strategy, reranked, candidates_examined, filter_exhausted, ef_search}`.
    static func searchBody(_ answer: VectorSearchAnswer, includeValues: Bool, includeMetadata: Bool,
                           milliseconds: Double) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + answer.hits.count * (includeValues ? 64 + 12 * (answer.hits.first?.values.count ?? 0) : 96))
        w.raw("{\"results\":[")
        for (i, hit) in answer.hits.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.raw("{\"id\":")
            w.string(hit.id)
            w.raw(",\"distance\":")
            let distance = hit.distance + 0  // -0 (a zero inner product) reads 0
            let distanceStart = w.bytes.count
            w.double(distance)
            let distanceText = distanceStart..<w.bytes.count
            w.raw(",\"score\":")
            if distance == 0 {
                w.double(score(0, answer.metric) + 0)
            } else if answer.metric != .cosine && distance.isFinite {
                w.negated(numberAt: distanceText)  // the score is -distance
            } else {
                w.double(score(distance, answer.metric))
            }
            if includeMetadata {
                w.raw(",\"metadata\":")
                write(hit.metadata, into: &w)
            }
            if includeValues {
                w.raw(",\"values\":")
                ResultEncoding.value(.vector(hit.values), into: &w)
            }
            w.byte(UInt8(ascii: "}"))
        }
        w.raw("],\"query_time_ms\":")
        w.double(milliseconds)
        w.raw(",\"strategy\":")
        w.string(answer.stats.strategy)
        w.raw(",\"reranked\":")
        w.bool(answer.stats.reranked)
        w.raw(",\"candidates_examined\":")
        w.integer(Int64(answer.stats.candidatesExamined))
        w.raw(",\"filter_exhausted\":")
        w.bool(answer.stats.filterExhausted)
        w.raw(",\"ef_search\":")
        w.integer(Int64(answer.stats.efSearch))
        w.byte(UInt8(ascii: "}"))
        return w.bytes
    }
}

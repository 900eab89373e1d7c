import Core
import Engine
import JSON
import SQL

extension HeliosService {
    /// Every endpoint of the service (keep OpenAPI/openapi.yaml in step).
    static func routes() -> Router<HeliosService> {
        var router = Router<HeliosService>()
        router.add("GET", "/health") { _, _, _ in json(200, .object([("status", .string("ok"))])) }
        router.add("GET", "/version") { _, _, _ in
            json(200, .object([("name", .string("helios")), ("version", .string(HeliosVersion.version)),
                               ("api", .string(HeliosVersion.api))]))
        }
        router.add("GET", "/metrics") { service, _, _ in service.metricsResponse() }
        router.add("GET", "/openapi.yaml") { service, _, _ in service.openAPIResponse() }
        router.add("POST", "/v1/sql") { service, request, _ in service.sql(request) }
        router.add("POST", "/v1/branches/{branch}/query") { service, request, parameters in
            service.branchQuery(request, branch: parameters["branch"]!)
        }
        router.add("POST", "/v1/branches/{branch}/execute") { service, request, parameters in
            service.branchExecute(request, branch: parameters["branch"]!)
        }
        addBranchRoutes(to: &router)
        addVectorRoutes(to: &router)
        addViewRoutes(to: &router)
        router.add("POST", "/v1/import") { service, request, _ in service.importDump(request) }
        router.add("POST", "/v1/transactions") { service, request, _ in service.beginTransaction(request) }
        router.add("POST", "/v1/transactions/{id}/commit") { service, _, parameters in
            service.endTransaction(parameters["id"]!, commit: true)
        }
        router.add("POST", "/v1/transactions/{id}/rollback") { service, _, parameters in
            service.endTransaction(parameters["id"]!, commit: false)
        }
        return router
    }

    // MARK: Transactions spanning requests

    func beginTransaction(_ request: HTTPRequest) -> HTTPResponse {
        do throws(ServiceError) {
            var branch = "main"
            if !request.body.isEmpty && request.body.contains(where: { $0 > 32 }) {
                let json = try SQLRequestBody.parseJSON(request.body)
                guard case .object = json else { throw ServiceError.badRequest("request body must be a JSON object") }
                if let b = json["branch"], !b.isNull {
                    guard let name = b.stringValue, !name.isEmpty else { throw ServiceError.badRequest("field \"branch\" must be a non-empty string") }
                    branch = name
                }
            }
            let opened: (id: String, snapshotSCN: SCN)
            do { opened = try database.beginTransaction(branch: branch) } catch { throw ServiceError(error) }
            return Self.json(200, .object([("transaction_id", .string(opened.id)), ("branch", .string(branch)),
                                           ("snapshot_scn", .integer(Int64(opened.snapshotSCN.rawValue)))]))
        } catch {
            return error.response
        }
    }

    func endTransaction(_ id: String, commit: Bool) -> HTTPResponse {
        do {
            if commit {
                let scn = try database.commitTransaction(id)
                return Self.json(200, .object([("transaction_id", .string(id)), ("status", .string("committed")),
                                               ("commit_scn", scn.map { .integer(Int64($0.rawValue)) } ?? .null)]))
            }
            try database.rollbackTransaction(id)
            return Self.json(200, .object([("transaction_id", .string(id)), ("status", .string("rolled_back"))]))
        } catch {
            return ServiceError(error).response
        }
    }

    static func json(_ status: Int, _ value: JSONValue) -> HTTPResponse {
        HTTPResponse(status: status, body: value.encoded())
    }

    func metricsResponse() -> HTTPResponse {
        let text = metrics.render(inFlight: requestsInFlight, gauges: [
            ("helios_commits_total", "Transactions committed since start.", "counter", String(database.commitCount)),
            ("helios_current_scn", "SCN of the newest commit.", "gauge", String(database.lastCommittedSCN.rawValue)),
            ("helios_open_transactions", "Transactions open across requests.", "gauge", String(database.openTransactionCount)),
        ])
        return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(text.utf8))
    }

    func openAPIResponse() -> HTTPResponse {
        guard let openAPISpec else { return ServiceError.notFound("the OpenAPI spec is not installed next to the binary").response }
        return HTTPResponse(status: 200, contentType: "application/yaml", body: openAPISpec)
    }

    // MARK: SQL

    func sql(_ request: HTTPRequest) -> HTTPResponse {
        run(request, branch: nil) { body, results, ms in
            ResultEncoding.sqlResponse(results, format: body.format, milliseconds: ms)
        }
    }

    func branchQuery(_ request: HTTPRequest, branch: String) -> HTTPResponse {
        run(request, branch: branch) { _, results, ms in
            let rowsResult = results.last { !$0.columns.isEmpty } ?? results.last ?? StatementResult(statementType: "EMPTY")
            return ResultEncoding.queryResponse(rowsResult, milliseconds: ms)
        }
    }

    func branchExecute(_ request: HTTPRequest, branch: String) -> HTTPResponse {
        run(request, branch: branch) { _, results, ms in ResultEncoding.executeResponse(results, milliseconds: ms) }
    }

    /// Decodes the body, runs it on the engine, encodes the answer; any
    /// failure becomes its JSON error.
    private func run(_ request: HTTPRequest, branch: String?,
                     encode: (SQLRequestBody, [StatementResult], Double) -> [UInt8]) -> HTTPResponse {
        let started = HTTPServer.now()
        do throws(ServiceError) {
            let body = try SQLRequestBody.decode(request.body)
            let engineRequest = SQLRequest(sql: body.sql, parameters: body.parameters,
                                           branch: branch ?? body.branch ?? "main",
                                           timeoutMilliseconds: body.timeoutMilliseconds,
                                           transactionID: body.transactionID, asOf: body.asOf)
            let results: [StatementResult]
            do {
                results = try database.execute(engineRequest)
            } catch {
                throw ServiceError(error)
            }
            let ms = (HTTPServer.now() - started) * 1000
            return HTTPResponse(status: 200, body: encode(body, results, (ms * 1000).rounded() / 1000))
        } catch {
            return error.response
        }
    }
}

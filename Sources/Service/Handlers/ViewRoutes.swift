import Core
import Engine
import JSON
import Views

/// `/v1/branches/{b}/views`: list a branch's materialized views with their
/// staleness, and refresh one (DESIGN §2).
extension HeliosService {
    static func addViewRoutes(to router: inout Router<HeliosService>) {
        router.add("GET", "/v1/branches/{branch}/views") { service, _, parameters in
            service.listViews(branch: parameters["branch"]!)
        }
        router.add("POST", "/v1/branches/{branch}/views/{view}/refresh") { service, request, parameters in
            service.refreshView(request, branch: parameters["branch"]!, view: parameters["view"]!)
        }
    }

    static func viewJSON(_ view: MaterializedViewStatus) -> JSONValue {
        .object([
            ("name", .string(view.name)), ("definition", .string(view.definition)), ("strategy", .string(view.strategy)),
            ("options", .object(view.options.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("base_tables", .array(view.baseTables.map(JSONValue.string))),
            ("populated", .bool(view.populated)),
            ("last_refresh_scn", view.lastRefreshSCN.map { .integer(Int64($0.rawValue)) } ?? .null),
            ("staleness_sec", view.stalenessSeconds.map(JSONValue.double) ?? .null),
            ("pending_changes", .integer(Int64(view.pendingChanges))), ("status", .string(view.status)),
        ])
    }

    func listViews(branch: String) -> HTTPResponse {
        do {
            let views = try database.materializedViews(branch: branch)
            return Self.json(200, .object([("views", .array(views.map(Self.viewJSON))), ("total", .integer(Int64(views.count)))]))
        } catch {
            return ServiceError(error).response
        }
    }

    /// Body (optional): `{"mode": "auto" | "incremental" | "full"}`.
    func refreshView(_ request: HTTPRequest, branch: String, view: String) -> HTTPResponse {
        do throws(ServiceError) {
            var mode = RefreshMode.auto
            if request.hasBody {
                let json = try SQLRequestBody.parseJSON(request.body)
                guard case .object = json else { throw ServiceError.badRequest("request body must be a JSON object") }
                if let m = json["mode"], !m.isNull {
                    guard let text = m.stringValue, let parsed = RefreshMode(rawValue: text) else {
                        throw ServiceError.badRequest("field \"mode\" must be one of \"auto\", \"incremental\", \"full\"")
                    }
                    mode = parsed
                }
            }
            let report: RefreshReport
            do {
                report = try database.refreshView(view, branch: branch, mode: mode)
            } catch {
                var failure = ServiceError(error)
                failure.position = nil
                throw failure
            }
            var members: [(String, JSONValue)] = [
                ("view", .string(report.view)), ("mode_used", .string(report.modeUsed.rawValue)),
                ("rows_changed", .integer(Int64(report.rowsChanged))), ("deltas_applied", .integer(Int64(report.deltasApplied))),
                ("duration_ms", .double((report.durationMilliseconds * 1000).rounded() / 1000)),
                ("refreshed_as_of_scn", .integer(Int64(report.refreshedAsOfSCN.rawValue))),
            ]
            if let reason = report.reason { members.append(("reason", .string(reason))) }
            return Self.json(200, .object(members))
        } catch {
            return error.response
        }
    }
}

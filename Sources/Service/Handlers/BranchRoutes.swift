import Core
import Engine
import JSON
import SQL
import Storage

/// `/v1/branches`: list, inspect, create (O(1), from any point of the
/// parent's history), drop and merge branches (DESIGN §2).
extension HeliosService {
    static func addBranchRoutes(to router: inout Router<HeliosService>) {
        router.add("GET", "/v1/branches") { service, _, _ in service.listBranches() }
        router.add("POST", "/v1/branches") { service, request, _ in service.createBranch(request) }
        router.add("GET", "/v1/branches/{branch}") { service, _, parameters in service.showBranch(parameters["branch"]!) }
        router.add("DELETE", "/v1/branches/{branch}") { service, _, parameters in service.dropBranch(parameters["branch"]!) }
        router.add("POST", "/v1/branches/{branch}/merge") { service, request, parameters in
            service.mergeBranch(request, source: parameters["branch"]!)
        }
    }

    static func branchJSON(_ info: BranchInfo) -> JSONValue {
        .object([
            ("name", .string(info.name)), ("branch_id", .integer(Int64(info.id.rawValue))),
            ("parent", info.parentName.map(JSONValue.string) ?? .null),
            ("created_at", .string(DateTime.formatTimestamp(info.createdMicros, zone: true))),
            ("fork_scn", .integer(Int64(info.forkSCN.rawValue))), ("state", .string(info.status)),
            ("stats", .object([
                ("modified_keys", .integer(Int64(info.modifiedKeys))), ("storage_bytes", .integer(Int64(info.storageBytes))),
                ("commit_count", .integer(Int64(info.commitCount))),
                ("last_modified", info.lastModifiedMicros.map { .string(DateTime.formatTimestamp($0, zone: true)) } ?? .null),
            ])),
        ])
    }

    func listBranches() -> HTTPResponse {
        let infos = database.store.branchInfos()
        return Self.json(200, .object([("branches", .array(infos.map(Self.branchJSON))), ("total", .integer(Int64(infos.count)))]))
    }

    func showBranch(_ name: String) -> HTTPResponse {
        guard let info = database.store.branchInfo(named: name) else {
            return ServiceError(status: 404, category: "NotFound", message: "branch \"\(name)\" not found", code: "3D000").response
        }
        return Self.json(200, Self.branchJSON(info))
    }

    func createBranch(_ request: HTTPRequest) -> HTTPResponse {
        do throws(ServiceError) {
            let json = try SQLRequestBody.parseJSON(request.body)
            guard case .object = json else { throw ServiceError.badRequest("request body must be a JSON object") }
            guard let name = json["name"]?.stringValue, !name.isEmpty else {
                throw ServiceError.badRequest("field \"name\" must be a non-empty string")
            }
            var parent = "main"
            if let p = json["parent"], !p.isNull {
                guard let text = p.stringValue, !text.isEmpty else { throw ServiceError.badRequest("field \"parent\" must be a non-empty string") }
                parent = text
            }
            let point = try SQLRequestBody.historyPoint(json["as_of"])
            do {
                let scn = try point.map { (p) throws(StorageError) in try database.store.resolve(p) }
                let info = try database.store.createBranch(name: name, parent: parent, at: scn)
                return Self.json(201, Self.branchJSON(info))
            } catch {
                throw ServiceError(error)
            }
        } catch {
            return error.response
        }
    }

    func dropBranch(_ name: String) -> HTTPResponse {
        do {
            try database.store.dropBranch(name: name)
            return Self.json(200, .object([("name", .string(name)), ("status", .string("dropped"))]))
        } catch {
            return ServiceError(error).response
        }
    }

    func mergeBranch(_ request: HTTPRequest, source: String) -> HTTPResponse {
        do throws(ServiceError) {
            let json = try SQLRequestBody.parseJSON(request.body)
            guard case .object = json else { throw ServiceError.badRequest("request body must be a JSON object") }
            var target = "main"
            if let t = json["target"], !t.isNull {
                guard let text = t.stringValue, !text.isEmpty else { throw ServiceError.badRequest("field \"target\" must be a non-empty string") }
                target = text
            }
            var strategy = MergeStrategy.fail
            if let s = json["strategy"] ?? json["conflict_resolution"], !s.isNull {
                guard let text = s.stringValue, let parsed = MergeStrategy(name: text) else {
                    throw ServiceError.badRequest("field \"strategy\" must be fail, ours, theirs, target_wins or branch_wins")
                }
                strategy = parsed
            }
            var deleteAfter = false
            if let d = json["delete_branch_after"], !d.isNull {
                guard case .bool(let b) = d else { throw ServiceError.badRequest("field \"delete_branch_after\" must be a boolean") }
                deleteAfter = b
            }
            let outcome: MergeOutcome
            do {
                outcome = try database.store.merge(source: source, into: target, strategy: strategy, deleteSource: deleteAfter)
            } catch {
                throw ServiceError(error)
            }
            var members: [(String, JSONValue)] = [
                ("merge_scn", outcome.scn.map { .integer(Int64($0.rawValue)) } ?? .null),
                ("merged_keys", .integer(Int64(outcome.mergedKeys))),
                ("conflicts", .array(outcome.conflicts.map(Self.conflictJSON))),
                ("completed", .bool(outcome.completed)),
            ]
            if !outcome.completed {
                members = [("error", .string("MergeConflict")),
                           ("message", .string("merge of \"\(source)\" into \"\(target)\" has \(outcome.conflicts.count) conflict(s); nothing was applied")),
                           ("code", .string("HB001"))] + members
                return Self.json(409, .object(members))
            }
            return Self.json(200, .object(members))
        } catch {
            return error.response
        }
    }

    static func conflictJSON(_ conflict: MergeConflict) -> JSONValue {
        func row(_ values: Row?) -> JSONValue {
            guard let values else { return .null }
            // A table-level schema conflict names no columns: each side is a sentence.
            if conflict.columns.isEmpty, values.count == 1, case .text(let what) = values[0] { return .string(what) }
            return .object(zip(conflict.columns, values).map { ($0, Self.jsonValue($1)) })
        }
        return .object([("table", .string(conflict.table)), ("key", .string(conflict.key)),
                        ("base", row(conflict.base)), ("source", row(conflict.source)), ("target", row(conflict.target))])
    }

    /// A value as /v1/sql rows show it (vectors as arrays of their shortest
    /// float4 digits, JSON embedded), as a tree for the merge answer.
    static func jsonValue(_ value: Value) -> JSONValue {
        var writer = JSONWriter(capacity: 64)
        ResultEncoding.value(value, into: &writer)
        return (try? JSONValue.parse(writer.bytes)) ?? .string(value.description)
    }
}

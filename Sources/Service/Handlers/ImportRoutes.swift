import Core
import Engine
import JSON

extension HeliosService {
    /// `POST /v1/import`: the body is a HeliosDB Nano SQL dump, as it is
    /// (any content type), or a JSON object `{"dump": "…", "branch": "…"}`;
    /// `?branch=` names the branch for a plain body (default main). One
    /// transaction: the answer is the report, or an error and nothing applied.
    func importDump(_ request: HTTPRequest) -> HTTPResponse {
        do throws(ServiceError) {
            var text: String
            var branch = request.query["branch"] ?? "main"
            let contentType = request.header("content-type")?.lowercased() ?? ""
            if contentType.hasPrefix("application/json") {
                let json = try SQLRequestBody.parseJSON(request.body)
                guard case .object = json, let dump = json["dump"]?.stringValue else {
                    throw ServiceError.badRequest("a JSON import body must be an object with a string field \"dump\"")
                }
                text = dump
                if let b = json["branch"], !b.isNull {
                    guard let name = b.stringValue, !name.isEmpty else {
                        throw ServiceError.badRequest("field \"branch\" must be a non-empty string")
                    }
                    branch = name
                }
            } else {
                guard let decoded = String(validating: request.body, as: UTF8.self) else {
                    throw ServiceError.badRequest("the dump is not valid UTF-8")
                }
                text = decoded
            }
            guard text.contains(where: { !$0.isWhitespace }) else {
                throw ServiceError.badRequest("the request body is empty: send a HeliosDB Nano SQL dump")
            }
            let report: NanoImportReport
            do { report = try database.importNanoDump(text, branch: branch) } catch { throw ServiceError(error) }
            return Self.json(200, Self.importJSON(report))
        } catch {
            return error.response
        }
    }

    static func importJSON(_ report: NanoImportReport) -> JSONValue {
        .object([
            ("format", .string(report.format)), ("branch", .string(report.branch)),
            ("statements", .integer(Int64(report.statements))),
            ("tables_created", .array(report.tablesCreated.map(JSONValue.string))),
            ("rows_inserted", .integer(Int64(report.rowsInserted))),
            ("indexes_created", .integer(Int64(report.indexesCreated))),
            ("warnings", .array(report.warnings.map(JSONValue.string))),
            ("execution_time_ms", .double((report.milliseconds * 1000).rounded() / 1000)),
        ])
    }
}

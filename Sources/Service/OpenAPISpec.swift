import Foundation

/// Finds the OpenAPI document served at /openapi.yaml: `HELIOS_OPENAPI`, an
/// installed copy (/usr/local/share/helios, as the container has), or the
/// source tree's `OpenAPI/openapi.yaml` above the binary or the working
/// directory (when run from a checkout). Read once at start-up.
public enum OpenAPISpec {
    public static func load() -> [UInt8]? {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["HELIOS_OPENAPI"] { candidates.append(override) }
        candidates.append("/usr/local/share/helios/openapi.yaml")
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(directory.appendingPathComponent("OpenAPI/openapi.yaml").path)
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/OpenAPI/openapi.yaml")
        for path in candidates {
            if let data = FileManager.default.contents(atPath: path), !data.isEmpty { return Array(data) }
        }
        return nil
    }
}

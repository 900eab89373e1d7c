import Core
import SQL

/// The `WITH (…)` / `SET (…)` options of a materialized view (DESIGN §3),
/// checked and normalized to text for the catalog: booleans as
/// `true`/`false`, numbers in their shortest form, the strategy lower-cased.
public enum MaterializedViewOptions {
    enum Kind { case boolean, seconds, percent, integer, strategy }

    static let known: [String: Kind] = [
        "auto_refresh": .boolean, "refresh_interval": .seconds, "staleness_threshold": .seconds,
        "max_cpu_percent": .percent, "refresh_strategy": .strategy, "incremental_enabled": .boolean,
        "priority": .integer, "lazy_update": .boolean,
    ]

    public static let strategies = ["manual", "auto", "incremental"]

    /// Options as written → `name: text`; a later duplicate wins.
    static func validate(_ options: [IndexOption], on data: any SQLDataAccess,
                         context: ExecutionContext) throws(SQLError) -> [String: String] {
        var out: [String: String] = [:]
        for option in options {
            let name = option.name.lowercased()
            guard let kind = known[name] else {
                throw SQLError("22023", "Unknown MV option: \(option.name) (valid options: \(known.keys.sorted().joined(separator: ", ")))")
            }
            let value = try Executor.evaluateConstant(option.value, on: data, context: context)
            out[name] = try normalize(value, kind, name: name)
        }
        return out
    }

    private static func normalize(_ value: Value, _ kind: Kind, name: String) throws(SQLError) -> String {
        func bad(_ expected: String) -> SQLError {
            SQLError("22023", "invalid value for MV option \(name): \(value) (expected \(expected))")
        }
        switch kind {
        case .boolean:
            switch value {
            case .boolean(let b): return b ? "true" : "false"
            case .integer(let i) where i == 0 || i == 1: return i == 1 ? "true" : "false"
            case .text(let t) where ["true", "on", "yes", "1"].contains(t.lowercased()): return "true"
            case .text(let t) where ["false", "off", "no", "0"].contains(t.lowercased()): return "false"
            default: throw bad("a boolean")
            }
        case .seconds, .percent:
            let number: Double
            switch value {
            case .integer(let i): number = Double(i)
            case .double(let d): number = d
            default: throw bad(kind == .percent ? "a number from 1 to 100" : "a number of seconds")
            }
            if kind == .percent {
                guard number > 0 && number <= 100 else { throw bad("a number from 1 to 100") }
            } else {
                guard number >= 0 && number.isFinite else { throw bad("a number of seconds, at least 0") }
            }
            return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .integer:
            guard case .integer(let i) = value else { throw bad("an integer") }
            return String(i)
        case .strategy:
            guard case .text(let t) = value, strategies.contains(t.lowercased()) else {
                throw bad(strategies.joined(separator: ", "))
            }
            return t.lowercased()
        }
    }
}

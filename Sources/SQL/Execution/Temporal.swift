import Core

/// Arithmetic on dates, timestamps and intervals, with PostgreSQL's result types.
enum Temporal {
    static func resultType(_ op: BinaryOperator, _ a: DataType?, _ b: DataType?) -> DataType? {
        switch (op, a, b) {
        case (.add, .date?, .integer?), (.add, .date?, .bigint?), (.add, .integer?, .date?), (.subtract, .date?, .integer?),
             (.subtract, .date?, .bigint?):
            return .date
        case (.subtract, .date?, .date?): return .integer
        case (.add, .date?, .interval?), (.add, .interval?, .date?), (.subtract, .date?, .interval?): return .timestamp
        case (.add, let t?, .interval?) where t == .timestamp || t == .timestampWithTimeZone: return t
        case (.add, .interval?, let t?) where t == .timestamp || t == .timestampWithTimeZone: return t
        case (.subtract, let t?, .interval?) where t == .timestamp || t == .timestampWithTimeZone: return t
        case (.subtract, let t?, let u?) where t.isTemporal && u.isTemporal: return .interval
        case (.add, .interval?, .interval?), (.subtract, .interval?, .interval?): return .interval
        case (.multiply, .interval?, let n?) where n.isNumeric: return .interval
        case (.multiply, let n?, .interval?) where n.isNumeric: return .interval
        case (.divide, .interval?, let n?) where n.isNumeric: return .interval
        default: return nil
        }
    }

    /// The days a date may hold: those whose midnight is a timestamp
    /// (Int64 microseconds since 1970, about ±292,000 years).
    static let dateDays = (Int64.min / DateTime.microsPerDay + 1)...(Int64.max / DateTime.microsPerDay - 1)

    static func outOfRange(_ type: String) -> SQLError { SQLError("22008", "\(type) out of range") }

    /// A date's midnight in microseconds (checked: a date read from
    /// elsewhere may lie outside `dateDays`).
    static func midnight(_ days: Int64) throws(SQLError) -> Int64 {
        guard let micros = DateTime.midnight(ofDay: days) else { throw outOfRange("timestamp") }
        return micros
    }

    /// A date from checked arithmetic.
    private static func date(_ result: (partialValue: Int64, overflow: Bool)) throws(SQLError) -> Value {
        guard !result.overflow, dateDays.contains(result.partialValue) else { throw outOfRange("date") }
        return .date(result.partialValue)
    }

    /// A timestamp from `DateTime.add` (nil: out of range).
    private static func timestamp(_ micros: Int64?, zoned: Bool) throws(SQLError) -> Value {
        guard let micros else { throw outOfRange("timestamp") }
        return .timestamp(micros, zoned: zoned)
    }

    /// An interval's fields from checked arithmetic.
    private static func interval(_ months: (partialValue: Int32, overflow: Bool), _ days: (partialValue: Int32, overflow: Bool),
                                 _ micros: (partialValue: Int64, overflow: Bool)) throws(SQLError) -> Value {
        guard !months.overflow, !days.overflow, !micros.overflow else { throw outOfRange("interval") }
        return .interval(Interval(months: months.partialValue, days: days.partialValue, micros: micros.partialValue))
    }

    static func apply(_ op: BinaryOperator, _ a: Value, _ b: Value) throws(SQLError) -> Value {
        switch (op, a, b) {
        case let (.add, .date(d), .integer(n)), let (.add, .integer(n), .date(d)): return try date(d.addingReportingOverflow(n))
        case let (.subtract, .date(d), .integer(n)): return try date(d.subtractingReportingOverflow(n))
        case let (.subtract, .date(x), .date(y)):
            // (Checked: a date stored before the range checks may lie outside dateDays.)
            let (days, overflow) = x.subtractingReportingOverflow(y)
            guard !overflow else { throw outOfRange("integer") }
            return .integer(days)
        case let (.add, .date(d), .interval(v)), let (.add, .interval(v), .date(d)):
            return try timestamp(DateTime.add(try midnight(d), v), zoned: false)
        case let (.subtract, .date(d), .interval(v)):
            return try timestamp(DateTime.add(try midnight(d), v, sign: -1), zoned: false)
        case let (.add, .timestamp(t, z), .interval(v)), let (.add, .interval(v), .timestamp(t, z)):
            return try timestamp(DateTime.add(t, v), zoned: z)
        case let (.subtract, .timestamp(t, z), .interval(v)):
            return try timestamp(DateTime.add(t, v, sign: -1), zoned: z)
        case (.subtract, .timestamp, .timestamp), (.subtract, .timestamp, .date), (.subtract, .date, .timestamp):
            let (difference, overflow) = try micros(a).subtractingReportingOverflow(try micros(b))
            guard !overflow else { throw outOfRange("interval") }
            let days = difference / DateTime.microsPerDay
            return .interval(Interval(days: Int32(clamping: days), micros: difference - days * DateTime.microsPerDay))
        case let (.add, .interval(x), .interval(y)):
            return try interval(x.months.addingReportingOverflow(y.months), x.days.addingReportingOverflow(y.days),
                                x.micros.addingReportingOverflow(y.micros))
        case let (.subtract, .interval(x), .interval(y)):
            return try interval(x.months.subtractingReportingOverflow(y.months), x.days.subtractingReportingOverflow(y.days),
                                x.micros.subtractingReportingOverflow(y.micros))
        case let (.multiply, .interval(v), n), let (.multiply, n, .interval(v)):
            return .interval(try scale(v, try factor(n)))
        case let (.divide, .interval(v), n):
            let f = try factor(n)
            guard f != 0 else { throw Arithmetic.divisionByZero() }
            return .interval(try scale(v, 1 / f))
        default:
            throw SQLError(SQLState.undefinedFunction,
                           "operator does not exist: \(Casts.typeName(a)) \(op.rawValue) \(Casts.typeName(b))")
        }
    }

    private static func micros(_ v: Value) throws(SQLError) -> Int64 {
        switch v {
        case .timestamp(let t, _): t
        case .date(let d): try midnight(d)
        default: 0
        }
    }

    private static func factor(_ v: Value) throws(SQLError) -> Double {
        switch v {
        case .integer(let i): return Double(i)
        case .double(let d): return d
        default: throw SQLError(SQLState.undefinedFunction, "operator does not exist: interval * \(Casts.typeName(v))")
        }
    }

    /// Scales an interval, carrying fractional months into days and fractional days into time.
    private static func scale(_ v: Interval, _ f: Double) throws(SQLError) -> Interval {
        let months = Double(v.months) * f
        let wholeMonths = months.rounded(.towardZero)
        let days = Double(v.days) * f + (months - wholeMonths) * 30
        let wholeDays = days.rounded(.towardZero)
        let micros = Double(v.micros) * f + (days - wholeDays) * Double(DateTime.microsPerDay)
        // (A NaN or infinite factor, or a result past the fields, has no interval.)
        guard let m = Int32(exactly: wholeMonths), let d = Int32(exactly: wholeDays),
              let u = Int64(exactly: micros.rounded()) else { throw outOfRange("interval") }
        return Interval(months: m, days: d, micros: u)
    }

    /// `extract(field FROM v)` / `date_part('field', v)`.
    static func extract(_ field: String, _ v: Value) throws(SQLError) -> Value {
        if case .interval(let iv) = v {
            switch field {
            case "epoch": return .double(iv.comparableMicros / 1_000_000)
            case "year", "years": return .double(Double(iv.months / 12))
            case "month", "months": return .double(Double(iv.months % 12))
            case "day", "days": return .double(Double(iv.days))
            case "hour", "hours": return .double(Double(iv.micros / 3_600_000_000))
            case "minute", "minutes": return .double(Double(iv.micros / 60_000_000 % 60))
            case "second", "seconds": return .double(Double(iv.micros % 60_000_000) / 1_000_000)
            default: throw unsupported(field)
            }
        }
        let t: Int64
        switch v {
        case .timestamp(let x, _): t = x
        case .date(let d): t = try midnight(d)
        default: throw SQLError(SQLState.undefinedFunction, "function extract(\(Casts.typeName(v))) does not exist")
        }
        let days = DateTime.floorDiv(t, DateTime.microsPerDay)
        let timeOfDay = t - days * DateTime.microsPerDay
        let (y, m, d) = DateTime.civil(days)
        switch field {
        case "year", "years": return .double(Double(y))
        case "month", "months": return .double(Double(m))
        case "day", "days": return .double(Double(d))
        case "hour", "hours": return .double(Double(timeOfDay / 3_600_000_000))
        case "minute", "minutes": return .double(Double(timeOfDay / 60_000_000 % 60))
        case "second", "seconds": return .double(Double(timeOfDay % 60_000_000) / 1_000_000)
        case "millisecond", "milliseconds": return .double(Double(timeOfDay % 60_000_000) / 1000)
        case "microsecond", "microseconds": return .double(Double(timeOfDay % 60_000_000))
        case "dow": return .double(Double(((days + 4) % 7 + 7) % 7))
        case "isodow": return .double(Double(((days + 3) % 7 + 7) % 7 + 1))
        case "doy": return .double(Double(days - DateTime.days(year: y, month: 1, day: 1) + 1))
        case "quarter": return .double(Double((m - 1) / 3 + 1))
        case "week":
            let isoWeekday = ((days + 3) % 7 + 7) % 7
            let thursday = days - isoWeekday + 3
            let (ty, _, _) = DateTime.civil(thursday)
            return .double(Double((thursday - DateTime.days(year: ty, month: 1, day: 1)) / 7 + 1))
        case "epoch": return .double(Double(t) / 1_000_000)
        case "decade": return .double(Double(y / 10))
        case "century": return .double(Double((y + 99) / 100))
        default: throw unsupported(field)
        }
    }

    /// `date_trunc('unit', v)`.
    static func truncate(_ unit: String, _ v: Value) throws(SQLError) -> Value {
        let t: Int64, zoned: Bool
        switch v {
        case let .timestamp(x, z): t = x; zoned = z
        case .date(let d): t = try midnight(d); zoned = false
        default: throw SQLError(SQLState.undefinedFunction, "function date_trunc(text, \(Casts.typeName(v))) does not exist")
        }
        let days = DateTime.floorDiv(t, DateTime.microsPerDay)
        let timeOfDay = t - days * DateTime.microsPerDay
        let (y, m, _) = DateTime.civil(days)
        let result: Int64
        switch unit {
        case "microseconds": result = t
        case "milliseconds": result = days * DateTime.microsPerDay + timeOfDay / 1000 * 1000
        case "second": result = days * DateTime.microsPerDay + timeOfDay / 1_000_000 * 1_000_000
        case "minute": result = days * DateTime.microsPerDay + timeOfDay / 60_000_000 * 60_000_000
        case "hour": result = days * DateTime.microsPerDay + timeOfDay / 3_600_000_000 * 3_600_000_000
        case "day": result = days * DateTime.microsPerDay
        case "week": result = (days - ((days + 3) % 7 + 7) % 7) * DateTime.microsPerDay
        case "month": result = DateTime.days(year: y, month: m, day: 1) * DateTime.microsPerDay
        case "quarter": result = DateTime.days(year: y, month: (m - 1) / 3 * 3 + 1, day: 1) * DateTime.microsPerDay
        case "year": result = DateTime.days(year: y, month: 1, day: 1) * DateTime.microsPerDay
        case "decade": result = DateTime.days(year: y / 10 * 10, month: 1, day: 1) * DateTime.microsPerDay
        default: throw unsupported(unit)
        }
        return .timestamp(result, zoned: zoned)
    }

    private static func unsupported(_ unit: String) -> SQLError {
        SQLError("22023", "unit \"\(unit)\" not recognized for this type")
    }
}

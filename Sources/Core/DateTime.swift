/// Dates, timestamps and intervals as PostgreSQL models them: a date is a
/// day number, a timestamp a count of microseconds (both from 1970-01-01,
/// UTC for TIMESTAMPTZ), an interval separate months, days and
/// microseconds (a month is not a fixed number of days).
public struct Interval: Hashable, Sendable {
    public var months: Int32
    public var days: Int32
    public var micros: Int64
    public init(months: Int32 = 0, days: Int32 = 0, micros: Int64 = 0) {
        self.months = months; self.days = days; self.micros = micros
    }

    /// Total length assuming 30-day months and 24-hour days (for ordering, as PostgreSQL does).
    public var comparableMicros: Double {
        Double(months) * 30 * 86_400_000_000 + Double(days) * 86_400_000_000 + Double(micros)
    }
}

public enum DateTime {
    public static let microsPerSecond: Int64 = 1_000_000
    public static let microsPerDay: Int64 = 86_400_000_000

    /// Days from 1970-01-01 to a civil date (proleptic Gregorian).
    public static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int64(era * 146_097 + doe - 719_468)
    }

    /// The civil date of a day number.
    public static func civil(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// A day's midnight in microseconds since the epoch; nil past Int64
    /// (days beyond about ±292,000 years).
    public static func midnight(ofDay days: Int64) -> Int64? {
        let (micros, overflow) = days.multipliedReportingOverflow(by: microsPerDay)
        return overflow ? nil : micros
    }

    public static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|±HH[:MM]]`; returns
    /// microseconds since the epoch (shifted to UTC when a zone is given).
    public static func parseTimestamp(_ text: String) -> Int64? {
        let s = Array(text.utf8)
        var i = 0
        func skipSpaces() { while i < s.count && s[i] == 32 { i += 1 } }
        func number(_ maxDigits: Int) -> Int? {
            var value = 0, digits = 0
            while i < s.count, digits < maxDigits, s[i] >= 48, s[i] <= 57 {
                value = value * 10 + Int(s[i] - 48); i += 1; digits += 1
            }
            return digits == 0 ? nil : value
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < s.count, s[i] == c else { return false }
            i += 1
            return true
        }
        skipSpaces()
        guard let year = number(6), expect(45), let month = number(2), expect(45), let day = number(2),
              (1...12).contains(month), day >= 1, day <= daysInMonth(year, month) else { return nil }
        // Checked arithmetic throughout: six-digit years run past Int64
        // microseconds (the last is in 294247), and such text is refused.
        guard var micros = midnight(ofDay: days(year: year, month: month, day: day)) else { return nil }
        if i < s.count, s[i] == 32 || s[i] == 84 || s[i] == 116 {
            i += 1
            skipSpaces()
            if i < s.count {
                guard let hour = number(2), expect(58), let minute = number(2), hour <= 24, minute < 60 else { return nil }
                var second = 0
                var fraction: Int64 = 0
                if expect(58) {
                    guard let sec = number(2), sec < 61 else { return nil }
                    second = sec
                    if expect(46) {
                        // Past six digits the fraction rounds to the microsecond as
                        // PostgreSQL does it: the digits as a double, times 10^6,
                        // rounded half to even.
                        let start = i
                        while i < s.count, s[i] >= 48, s[i] <= 57 { i += 1 }
                        if i - start <= 6 {
                            var scale: Int64 = 100_000
                            for k in start..<i { fraction += Int64(s[k] - 48) * scale; scale /= 10 }
                        } else if let value = Double("0." + String(decoding: s[start..<i], as: UTF8.self)) {
                            fraction = Int64((value * 1_000_000).rounded(.toNearestOrEven))
                        }
                    }
                }
                let (sum, overflow) = micros.addingReportingOverflow(
                    (Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)) * microsPerSecond + fraction)
                guard !overflow else { return nil }
                micros = sum
            }
        }
        skipSpaces()
        if i < s.count {
            if s[i] == 90 || s[i] == 122 {
                i += 1
            } else if s[i] == 43 || s[i] == 45 {
                let sign: Int64 = s[i] == 45 ? -1 : 1
                i += 1
                guard let hours = number(2) else { return nil }
                var minutes = 0
                if expect(58) { minutes = number(2) ?? 0 } else if let m = number(2) { minutes = m }
                let (shifted, overflow) = micros.subtractingReportingOverflow(
                    sign * (Int64(hours) * 3600 + Int64(minutes) * 60) * microsPerSecond)
                guard !overflow else { return nil }
                micros = shifted
            } else if Array("UTC".utf8) == Array(s[i...].prefix(3)) || Array("utc".utf8) == Array(s[i...].prefix(3)) {
                i += 3
            }
        }
        skipSpaces()
        return i == s.count ? micros : nil
    }

    public static func parseDate(_ text: String) -> Int64? {
        guard let micros = parseTimestamp(text) else { return nil }
        return floorDiv(micros, microsPerDay)
    }

    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    public static func formatDate(_ days: Int64) -> String {
        let (y, m, d) = civil(days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` with trailing fractional zeros trimmed.
    public static func formatTimestamp(_ micros: Int64, zone: Bool = false) -> String {
        let days = floorDiv(micros, microsPerDay)
        let rest = micros - days * microsPerDay
        let seconds = rest / microsPerSecond, fraction = rest % microsPerSecond
        var text = formatDate(days) + " " + pad(Int(seconds / 3600), 2) + ":" + pad(Int(seconds / 60 % 60), 2) + ":" + pad(Int(seconds % 60), 2)
        if fraction != 0 {
            var digits = pad(Int(fraction), 6)
            while digits.last == "0" { digits.removeLast() }
            text += "." + digits
        }
        return zone ? text + "+00" : text
    }

    /// PostgreSQL's interval output: `1 year 2 mons 3 days 04:05:06`.
    public static func formatInterval(_ v: Interval) -> String {
        var parts: [String] = []
        let years = v.months / 12, months = v.months % 12
        // (Magnitudes, not abs: abs traps on Int32.min and Int64.min.)
        if years != 0 { parts.append("\(years) year\(years.magnitude == 1 ? "" : "s")") }
        if months != 0 { parts.append("\(months) mon\(months.magnitude == 1 ? "" : "s")") }
        if v.days != 0 { parts.append("\(v.days) day\(v.days.magnitude == 1 ? "" : "s")") }
        if v.micros != 0 || parts.isEmpty {
            let negative = v.micros < 0
            let total = v.micros.magnitude
            let microsPerSecond = UInt64(Self.microsPerSecond)
            let seconds = total / microsPerSecond, fraction = total % microsPerSecond
            var clock = (negative ? "-" : "") + pad(Int(seconds / 3600), 2) + ":" + pad(Int(seconds / 60 % 60), 2) + ":" + pad(Int(seconds % 60), 2)
            if fraction != 0 {
                var digits = pad(Int(fraction), 6)
                while digits.last == "0" { digits.removeLast() }
                clock += "." + digits
            }
            parts.append(clock)
        }
        return parts.joined(separator: " ")
    }

    /// Parses `1 year 2 months 3 days 04:05:06`, `-2 hours`, `90 minutes`,
    /// `1 day 02:00`, `@ 1 day ago`-free forms.
    public static func parseInterval(_ text: String) -> Interval? {
        var result = Interval()
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        var i = 0
        var sawSomething = false
        // Every amount is converted and summed with checks: an interval
        // whose fields leave Int32 months/days or Int64 microseconds is
        // refused (nil), like any other text that is not an interval.
        func addMonths(_ amount: Double) -> Bool {
            guard let n = Int32(exactly: amount.rounded(.towardZero)) else { return false }
            let (sum, overflow) = result.months.addingReportingOverflow(n)
            result.months = sum
            return !overflow
        }
        func addDays(_ amount: Double) -> Bool {
            guard let n = Int32(exactly: amount.rounded(.towardZero)) else { return false }
            let (sum, overflow) = result.days.addingReportingOverflow(n)
            result.days = sum
            return !overflow
        }
        func addMicros(_ amount: Double) -> Bool {
            guard let n = Int64(exactly: amount.rounded()) else { return false }
            let (sum, overflow) = result.micros.addingReportingOverflow(n)
            result.micros = sum
            return !overflow
        }
        while i < words.count {
            let word = words[i]
            if word.contains(":") {
                let negative = word.hasPrefix("-")
                let parts = word.drop(while: { $0 == "-" || $0 == "+" }).split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count >= 2, parts.count <= 3, let h = Double(parts[0]), let m = Double(parts[1]),
                      h.rounded() == h, m.rounded() == m else { return nil }
                var micros = (h * 3600 + m * 60) * Double(microsPerSecond)
                if parts.count == 3 {
                    guard let s = Double(parts[2]) else { return nil }
                    micros += (s * 1_000_000).rounded()
                }
                guard addMicros(negative ? -micros : micros) else { return nil }
                sawSomething = true
                i += 1
                continue
            }
            guard let amount = Double(word), amount.isFinite else { return nil }
            let unit = i + 1 < words.count ? words[i + 1] : "second"
            i += 2
            sawSomething = true
            let fits: Bool
            switch unit.hasSuffix("s") && unit.count > 3 ? String(unit.dropLast()) : unit {
            case "year", "yr", "y", "years": fits = addMonths(amount * 12)
            case "month", "mon", "mons": fits = addMonths(amount)
            case "week", "w": fits = addDays(amount * 7)
            case "day", "d", "days": fits = addDays(amount)
            case "hour", "h", "hr", "hours": fits = addMicros(amount * 3_600_000_000)
            case "minute", "min", "m", "mins": fits = addMicros(amount * 60_000_000)
            case "second", "sec", "s", "secs": fits = addMicros(amount * 1_000_000)
            case "millisecond", "ms", "msec": fits = addMicros(amount * 1000)
            case "microsecond", "us", "usec": fits = addMicros(amount)
            default: return nil
            }
            guard fits else { return nil }
        }
        return sawSomething ? result : nil
    }

    /// `micros` plus (sign 1) or minus (sign -1) the interval: months on
    /// the calendar (the day clamped to the month's end), then days, then
    /// microseconds. Nil when the result leaves Int64 microseconds.
    public static func add(_ micros: Int64, _ v: Interval, sign: Int64 = 1) -> Int64? {
        var days = floorDiv(micros, microsPerDay)
        let timeOfDay = micros - days * microsPerDay
        if v.months != 0 {
            var (y, m, d) = civil(days)
            let total = y * 12 + (m - 1) + Int(sign) * Int(v.months)
            y = Int(floorDiv(Int64(total), 12)); m = total - y * 12 + 1
            d = min(d, daysInMonth(y, m))
            days = self.days(year: y, month: m, day: d)
        }
        days += sign * Int64(v.days)
        let (dayMicros, o1) = days.multipliedReportingOverflow(by: microsPerDay)
        let (shift, o2) = v.micros.multipliedReportingOverflow(by: sign)
        let (partial, o3) = dayMicros.addingReportingOverflow(timeOfDay)
        let (result, o4) = partial.addingReportingOverflow(shift)
        return o1 || o2 || o3 || o4 ? nil : result
    }
}

/// A TOML date-time (RFC 3339) in one of its four forms: `1979-05-27T07:32:00-08:00` (offset date-time),
/// `1979-05-27T07:32:00` (local date-time), `1979-05-27` (local date) or `07:32:00` (local time).
public struct TOMLDateTime: Sendable, Equatable, CustomStringConvertible {
    public struct Date: Sendable, Equatable {
        public var year: Int
        public var month: Int
        public var day: Int
    }

    public struct Time: Sendable, Equatable {
        public var hour: Int
        public var minute: Int
        public var second: Int
        /// The digits after the decimal point as written ("" when there are none): TOML leaves the
        /// precision to the writer, so none is lost here.
        public var fraction: String
    }

    public enum Form: Sendable, Equatable {
        case offsetDateTime, localDateTime, localDate, localTime

        var typeName: String {
            switch self {
            case .offsetDateTime: "a date-time"
            case .localDateTime: "a local date-time"
            case .localDate: "a local date"
            case .localTime: "a local time"
            }
        }
    }

    public var date: Date?
    public var time: Time?
    /// Minutes east of UTC (`Z` is 0); nil for the local forms.
    public var offsetMinutes: Int?

    public var form: Form {
        switch (date, time, offsetMinutes) {
        case (.some, .some, .some): .offsetDateTime
        case (.some, .some, nil): .localDateTime
        case (.some, nil, _): .localDate
        default: .localTime
        }
    }

    /// RFC 3339 text with `T` between date and time and `Z` for UTC.
    public var description: String {
        var parts: [String] = []
        if let date { parts.append("\(digits(date.year, 4))-\(digits(date.month, 2))-\(digits(date.day, 2))") }
        if let time {
            var text = "\(digits(time.hour, 2)):\(digits(time.minute, 2)):\(digits(time.second, 2))"
            if !time.fraction.isEmpty { text += "." + time.fraction }
            if let offsetMinutes {
                let magnitude = abs(offsetMinutes)
                text +=
                    offsetMinutes == 0
                    ? "Z"
                    : (offsetMinutes < 0 ? "-" : "+") + "\(digits(magnitude / 60, 2)):\(digits(magnitude % 60, 2))"
            }
            parts.append(text)
        }
        return parts.joined(separator: "T")
    }

    private func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

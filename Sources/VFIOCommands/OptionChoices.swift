import ArgumentParser
import VFIOCore
import VFIOSystem

/// An option that takes one of a closed set of values. The enum is the only list: the parser, the
/// help text (and so the man page) and the shell completions all read it, never a hand-kept copy.
///
/// Options declare `transform: T.parsed, completion: T.completion` rather than relying on the
/// parser's own enum handling, for two reasons: its message for a set this long spreads the values
/// over several lines (vfioctl prints one), and generated man pages leave the values out unless the
/// help text names them (`valueList`).
protocol OptionChoice: ExpressibleByArgument, CaseIterable {
    /// How an error names an unknown value: "--force code" in "unknown --force code 'x' (known: ...)".
    static var kind: String { get }
}

extension OptionChoice {
    /// "a, b, c": for the help text and errors.
    static var valueList: String { allValueStrings.joined(separator: ", ") }

    static var completion: CompletionKind { .list(allValueStrings) }

    /// Blank values are refused like every option's (BlankValue); an unknown value is named with
    /// the known ones, in the one line the parser's error keeps.
    static func parsed(_ text: String) throws -> Self {
        guard let value = Self(argument: try BlankValue.refused(text)) else {
            throw UnknownChoice(description: "unknown \(kind) \(UserText.quoted(text)) (known: \(valueList))")
        }
        return value
    }
}

struct UnknownChoice: Error, CustomStringConvertible {
    var description: String
}

/// `--method`: how `bind` makes the driver take the device.
enum BindMethodChoice: String, OptionChoice {
    case driverOverride = "driver_override"
    case newID = "new_id"

    static let kind = "--method"

    /// The spellings accepted since the first release, besides the names listed.
    init?(argument: String) {
        switch argument {
        case "driver_override", "override": self = .driverOverride
        case "new_id", "new-id": self = .newID
        default: return nil
        }
    }

    var method: DeviceMover.BindMethod {
        switch self {
        case .driverOverride: .override
        case .newID: .newID
        }
    }
}

/// `--force`: the refusals a user may override, each by its code: the safety checks, then the
/// engine's own (group viability, new_id's effect on other devices, a device without a group).
enum ForceCode: Hashable, OptionChoice {
    case safety(SafetyCode)
    case groupNotViable
    case newIDCollateral
    case noIOMMUGroup

    static let kind = "--force code"

    static var allCases: [ForceCode] {
        SafetyCode.allCases.map(ForceCode.safety) + [.groupNotViable, .newIDCollateral, .noIOMMUGroup]
    }

    /// The code as refusals print it and `--force` takes it.
    var code: String {
        switch self {
        case .safety(let check): check.rawValue
        case .groupNotViable: BindEngine.groupCode
        case .newIDCollateral: BindEngine.newIDCode
        case .noIOMMUGroup: BindEngine.noGroupCode
        }
    }

    init?(argument: String) {
        guard let match = Self.allCases.first(where: { $0.code == argument }) else { return nil }
        self = match
    }

    static var allValueStrings: [String] { allCases.map(\.code) }
    var defaultValueDescription: String { code }
}

/// `--class`: a class name or 2, 4 or 6 hex digits, so not a closed set: the text is kept and
/// ClassFilter parses it when the query is built (its error explains both forms and stays short for
/// a huge argument), while the help and completions offer the names.
struct ClassArgument: ExpressibleByArgument {
    let text: String

    init?(argument: String) {
        guard !BlankValue.isBlank(argument) else { return nil }
        text = argument
    }

    static var names: [String] { ClassFilter.names.map(\.name) }
    static var defaultCompletionKind: CompletionKind { .list(names) }

    /// Refuses a blank value with BlankValue's message, as every option does.
    static func parsed(_ text: String) throws -> Self {
        guard let value = Self(argument: try BlankValue.refused(text)) else { throw BlankValue.Refusal() }
        return value
    }
}

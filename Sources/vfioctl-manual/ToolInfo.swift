// What `vfioctl --experimental-dump-help` prints (swift-argument-parser's ToolInfo, serialization
// version 0): the part the manual pages use. The parser's own ArgumentParserToolInfo module is not a
// product of its package, hence these few declarations.

struct ToolInfo: Decodable {
    var command: CommandInfo
}

struct CommandInfo: Decodable {
    var commandName: String
    var abstract: String?
    var discussion: String?
    var aliases: [String]?
    var shouldDisplay: Bool?
    var superCommands: [String]?
    var arguments: [ArgumentInfo]?
    var subcommands: [CommandInfo]?

    /// The words that run it: `vfioctl persist enable`.
    var path: [String] { (superCommands ?? []) + [commandName] }
    /// Its manual page's name: `vfioctl-persist-enable`, as git and systemd name theirs.
    var pageName: String { path.joined(separator: "-") }
    var displayedSubcommands: [CommandInfo] {
        (subcommands ?? []).filter { $0.shouldDisplay != false && $0.commandName != "help" }
    }
    var displayedArguments: [ArgumentInfo] { (arguments ?? []).filter { $0.shouldDisplay != false } }
}

struct ArgumentInfo: Decodable {
    enum Kind: String, Decodable { case positional, option, flag }
    struct Name: Decodable {
        enum Kind: String, Decodable { case long, short, longWithSingleDash }
        var kind: Kind
        var name: String

        var spelled: String {
            switch kind {
            case .long: "--" + name
            case .short: "-" + name
            case .longWithSingleDash: "-" + name
            }
        }
    }

    var kind: Kind
    var names: [Name]?
    var valueName: String?
    var abstract: String?
    var discussion: String?
    var isOptional: Bool
    var isRepeating: Bool
    var defaultValue: String?
    /// The values of a closed set (an enum the parser knows), in the key the format has kept.
    var allValues: [String]?
    var allValueDescriptions: [String: String]?
    var shouldDisplay: Bool?
}

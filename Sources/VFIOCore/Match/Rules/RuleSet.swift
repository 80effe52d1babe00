/// All rule files in effect, loaded udev-style: a file in a later directory replaces a same-named
/// file in an earlier one, and files apply in lexical order of their names.
public struct RuleSet: Sendable {
    public let rules: [Rule]
    /// The files that were read, in order, with the directory each came from.
    public let files: [String]

    public init(rules: [Rule], files: [String] = []) {
        self.rules = rules
        self.files = files
    }

    /// The standard directories, lowest precedence first.
    public static func standardDirectories(shippedDefaults: String?) -> [(String, RulePrecedence)] {
        var dirs: [(String, RulePrecedence)] = []
        if let shippedDefaults { dirs.append((shippedDefaults, .shippedDefaults)) }
        dirs.append(("/etc/vfioctl/rules.d", .administrator))
        dirs.append(("/run/vfioctl/rules.d", .runtime))
        return dirs
    }
}

import VFIOCore

// One section 8 page per command, as git and systemd name theirs (`vfioctl-persist-enable(8)`):
// NAME, SYNOPSIS, DESCRIPTION and OPTIONS from the argument parser's description of the command,
// EXIT STATUS from `ExitStatus`, ENVIRONMENT from `EnvironmentVariable`, and what only a person can
// write (FILES, NOTES, EXAMPLES, more references) from docs/man/PAGE.md.

struct CommandPage {
    var command: CommandInfo
    /// docs/man/PAGE.md, split at its `## ` headings.
    var extra: [String: String]
    var header: PageHeader

    /// The sections a docs/man page may add, in the order man-pages(7) gives them.
    static let extraSections = ["FILES", "NOTES", "EXAMPLES", "SEE ALSO"]

    var isRoot: Bool { command.superCommands?.isEmpty ?? true }

    func render() -> String {
        var out = header.lines(title: command.pageName, section: 8)
        out += [".SH NAME", Roff.escaped(command.pageName) + " \\- " + Roff.escaped(summary)]
        out += [".SH SYNOPSIS", synopsis]
        out += [".SH DESCRIPTION"] + description
        out += [".SH OPTIONS"] + command.displayedArguments.flatMap(Self.option)
        out += [".SH \"EXIT STATUS\""] + exitStatus
        out += [".SH ENVIRONMENT"] + environment
        for section in Self.extraSections.dropLast() {
            guard let text = extra[section] else { continue }
            out.append(".SH " + Roff.quotedArgument(section))
            out += Roff.blocks(text, sectionLevel: 2).drop { $0 == ".PP" }
        }
        out += [".SH \"SEE ALSO\"", Self.references(seeAlso)]
        return out.joined(separator: "\n") + "\n"
    }

    /// The abstract as NAME's summary: no final period, as in lspci(8).
    private var summary: String {
        var text = command.abstract ?? command.commandName
        if text.hasSuffix(".") { text.removeLast() }
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    private var synopsis: String {
        var words = [Roff.bold(command.path.joined(separator: " "))]
        if !command.displayedSubcommands.isEmpty { words.append(Roff.italic("command")) }
        if command.displayedArguments.contains(where: { $0.kind != .positional }) {
            words.append("[" + Roff.italic("options") + "]")
        }
        for argument in command.displayedArguments where argument.kind == .positional {
            let word = Roff.italic(argument.valueName ?? "argument") + (argument.isRepeating ? "..." : "")
            words.append(argument.isOptional ? "[" + word + "]" : word)
        }
        return words.joined(separator: " ")
    }

    private var description: [String] {
        var paragraphs = [command.abstract ?? ""]
        // The root's help text also carries the exit codes and the variables for `--help`: here they
        // have sections of their own.
        let discussion = (command.discussion ?? "").split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !(isRoot && ($0.hasPrefix("Exit status: ") || $0.hasPrefix("Environment: "))) }
            .joined(separator: "\n")
        paragraphs += discussion.components(separatedBy: "\n\n")
        var out: [String] = []
        for paragraph in paragraphs where !paragraph.strippingBlanks.isEmpty {
            out.append(".PP")
            out += paragraph.split(separator: "\n").map { Roff.line(Roff.escaped(String($0))) }
        }
        if let aliases = command.aliases, !aliases.isEmpty {
            let parent = command.path.dropLast().joined(separator: " ")
            out += [".PP", "Also run as " + aliases.map { Roff.bold(parent + " " + $0) }.joined(separator: ", ") + "."]
        }
        if !command.displayedSubcommands.isEmpty {
            out += [".SS Commands"]
            for sub in command.displayedSubcommands {
                out += [
                    ".TP", Roff.bold(sub.path.joined(separator: " ")),
                    Roff.escaped(sub.abstract ?? "") + " See " + Self.references([sub.pageName + "(8)"]) + "."
                ]
            }
        }
        return out
    }

    static func option(_ argument: ArgumentInfo) -> [String] {
        let value = argument.valueName.map { Roff.italic($0) }
        let tag: String
        switch argument.kind {
        case .positional:
            tag = (value ?? Roff.italic("argument")) + (argument.isRepeating ? "..." : "")
        case .option, .flag:
            let names = (argument.names ?? []).sorted { $0.kind == .short && $1.kind != .short }
            tag = names.map { Roff.bold($0.spelled) + (argument.kind == .option ? " " + (value ?? "") : "") }.joined(
                separator: ", ")
        }
        var text = [Roff.escaped(argument.abstract ?? "")]
        if let discussion = argument.discussion, !discussion.isEmpty { text.append(Roff.escaped(discussion)) }
        if let values = argument.allValues, !values.isEmpty {
            let described = values.map { value in
                Roff.bold(value) + (argument.allValueDescriptions?[value].map { " (" + Roff.escaped($0) + ")" } ?? "")
            }
            text.append("Values: " + described.joined(separator: ", ") + ".")
        }
        if let value = argument.defaultValue, !(argument.abstract ?? "").contains("default") {
            text.append("Default: " + Roff.bold(value) + ".")
        }
        return [".TP", tag] + text.map(Roff.line)
    }

    private var exitStatus: [String] {
        var out = [".PP", "Every command uses the same codes:"]
        for status in ExitStatus.allCases {
            out += [".TP", Roff.bold(String(status.rawValue)), Roff.line(Roff.inline(status.meaning))]
        }
        out += [
            ".PP", "An error is one line on standard error: " + Roff.bold("vfioctl: error: MESSAGE (hint: ...)") + "."
        ]
        return out
    }

    private var environment: [String] {
        guard isRoot else {
            return [".PP", "The variables of " + Self.references(["vfioctl(8)"]) + " apply."]
        }
        var out = [".PP", "Set to an empty or blank value, any of them is a usage error (2), never the default."]
        for variable in EnvironmentVariable.allCases {
            out += [".TP", Roff.bold(variable.rawValue), Roff.line(Roff.inline(variable.meaning))]
        }
        return out
    }

    /// vfioctl(8) and the parent command's page first, then what docs/man adds.
    private var seeAlso: [String] {
        var pages: [String] = []
        if !isRoot {
            let path = command.path
            for length in 1..<path.count { pages.append(path.prefix(length).joined(separator: "-") + "(8)") }
        }
        if let text = extra["SEE ALSO"] {
            for match in text.matches(of: /([a-z][a-z0-9_.-]*)\(([1-8])\)/) {
                let page = "\(match.output.1)(\(match.output.2))"
                if !pages.contains(page) { pages.append(page) }
            }
        }
        return pages
    }

    /// `name(N)` references, comma-separated, the names in bold.
    static func references(_ pages: [String]) -> String {
        pages.map { page in
            guard let open = page.firstIndex(of: "(") else { return Roff.escaped(page) }
            return Roff.bold(String(page[..<open])) + page[open...]
        }.joined(separator: ", ")
    }
}

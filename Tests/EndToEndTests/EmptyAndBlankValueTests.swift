// Empty and blank values are usage errors everywhere (exit 2, one line naming the option): an unset
// shell variable must never turn into "the live /sys" or "every device". Every command and every
// option comes from the parser itself, so a new option is tried without editing this file.
import Foundation
import Testing
import TestSupport

/// The command tree as swift-argument-parser describes it (`vfioctl --experimental-dump-help`).
struct CommandTree {
    struct Argument {
        var kind: String  // "positional", "option" or "flag"
        var name: String  // "--sysfs-root", or the value name of a positional
        var valueName: String
        var isOptional: Bool

        /// How the parser names it in its messages: `--sysfs-root <DIR>` or `<device>`.
        var synopsis: String { kind == "positional" ? "<\(valueName)>" : "\(name) <\(valueName)>" }
    }

    struct Command: CustomStringConvertible {
        var path: [String]
        var arguments: [Argument]
        var description: String { path.joined(separator: " ") }
        func has(flag: String) -> Bool { arguments.contains { $0.kind == "flag" && $0.name == flag } }
    }

    /// Every command that runs something (not `help`, not the groups that only hold subcommands).
    static func leafCommands() throws -> [Command] {
        let host = try CLIHost()
        let dump = try host.run(["--experimental-dump-help"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var commands: [Command] = []
        func walk(_ node: [String: Any], path: [String]) {
            let subcommands = node["subcommands"] as? [[String: Any]] ?? []
            for sub in subcommands where sub["commandName"] as? String != "help" {
                walk(sub, path: path + [sub["commandName"] as? String ?? "?"])
            }
            guard subcommands.isEmpty, !path.isEmpty else { return }
            let arguments = (node["arguments"] as? [[String: Any]] ?? []).compactMap { item -> Argument? in
                guard let kind = item["kind"] as? String else { return nil }
                let preferred = item["preferredName"] as? [String: Any]
                let valueName = item["valueName"] as? String ?? ""
                let name =
                    preferred.map { ($0["kind"] as? String == "short" ? "-" : "--") + ($0["name"] as? String ?? "") }
                    ?? valueName
                return Argument(
                    kind: kind, name: name, valueName: valueName, isOptional: item["isOptional"] as? Bool ?? true)
            }
            commands.append(Command(path: path, arguments: arguments))
        }
        walk(json["command"] as? [String: Any] ?? [:], path: [])
        return commands
    }
}

@Suite struct EmptyAndBlankValueTests {
    static let blanks = ["", " ", "\t \n"]

    /// A command line that parses, with `value` in place of `argument` and a placeholder for every
    /// other required one. Placeholders name nothing that exists ("1" is no device, the file is
    /// missing), writing commands run as dry runs and `persist` under a temporary root: even a
    /// build that let the blank value through could not change the host.
    static func commandLine(
        _ command: CommandTree.Command, _ argument: CommandTree.Argument?, value: String,
        host: CLIHost
    ) -> [String] {
        var line = command.path
        for other in command.arguments where other.kind == "positional" {
            if let argument, other.name == argument.name { line.append(value); continue }
            guard !other.isOptional else { continue }
            line.append(other.valueName == "file" ? host.root + "/missing.toml" : "1")
        }
        for other in command.arguments where other.kind == "option" && !other.isOptional && other.name != argument?.name
        {
            line += [other.name, "1"]
        }
        if command.has(flag: "--dry-run") { line.append("--dry-run") }
        if command.arguments.contains(where: { $0.name == "--root" }) && argument?.name != "--root" {
            line += ["--root", host.root + "/installroot"]
        }
        if let argument, argument.kind == "option" { line += [argument.name, value] }
        return line
    }

    @Test func theParserListsEveryCommand() throws {
        let names = try CommandTree.leafCommands().map(\.description)
        for expected in ["list", "bind", "unbind", "plan", "apply", "persist enable", "persist disable", "new-id"] {
            #expect(names.contains(expected), "\(names)")
        }
    }

    /// Each command × each option that takes a value × each blank value, and each positional.
    @Test func everyOptionAndArgumentRefusesEmptyAndBlankValues() throws {
        let host = try CLIHost()
        var tried = 0
        for command in try CommandTree.leafCommands() {
            for argument in command.arguments where argument.kind != "flag" {
                for blank in Self.blanks {
                    let line = Self.commandLine(command, argument, value: blank, host: host)
                    let run = try host.run(line)
                    tried += 1
                    #expect(run.status == 2, "\(line): \(run)")
                    #expect(run.stdout.isEmpty, "\(line): \(run)")
                    #expect(run.stderr.hasPrefix("vfioctl: error: "), "\(line): \(run)")
                    #expect(run.stderr.split(separator: "\n").count == 1, "\(line): \(run)")
                    #expect(
                        run.stderr.contains("'\(argument.synopsis)'"), "\(line) must name \(argument.synopsis): \(run)")
                }
                // `--option=` with nothing after the `=`.
                if argument.kind == "option" {
                    let line =
                        Array(Self.commandLine(command, argument, value: "", host: host).dropLast(2)) + [
                            argument.name + "="
                        ]
                    let run = try host.run(line)
                    #expect(run.status == 2, "\(line): \(run)")
                    #expect(run.stderr.contains("'\(argument.synopsis)'"), "\(line): \(run)")
                }
            }
        }
        #expect(tried > 100)
    }

    /// Words the parser itself lets through — a flag written `--flag=`, a blank word for `help` —
    /// meet the check after parsing: nothing blank reaches a command.
    @Test func blankWordsTheParserAcceptsAreRefusedAfterParsing() throws {
        let host = try CLIHost()
        for command in try CommandTree.leafCommands() {
            for flag in command.arguments
            where flag.kind == "flag" && flag.name.hasPrefix("--") && !["--help", "--version"].contains(flag.name) {
                // `override` needs a driver or --clear before anything else is looked at.
                let line =
                    Self.commandLine(command, nil, value: "", host: host)
                    + (command.description == "override" ? ["--clear"] : []) + [flag.name + "="]
                let run = try host.run(line)
                #expect(run.status == 2, "\(line): \(run)")
                #expect(run.stderr.contains(flag.name), "\(line): \(run)")
                #expect(run.stderr.split(separator: "\n").count == 1, "\(line): \(run)")
            }
        }
        for line in [["help", ""], ["help", "bind", " "]] {
            let run = try host.run(line)
            #expect(run.status == 2, "\(line): \(run)")
            #expect(run.stderr.hasPrefix("vfioctl: error: empty argument after "), "\(line): \(run)")
        }
    }

    /// A blank device among good ones is refused too, wherever it stands.
    @Test(arguments: [
        ["bind", "01:00.0", ""], ["bind", "", "01:00.0"], ["unbind", "09:00.0", " ", "0a:00.0"],
        ["bind", "--dry-run", "--method", "new_id", ""], ["bind", "--", ""], ["list", "01:00.0", ""],
        ["plan", "", "--all"]
    ])
    func aBlankDeviceAmongOthersIsRefused(arguments: [String]) throws {
        let host = try CLIHost()
        let run = try host.run(arguments + (arguments[0] == "bind" || arguments[0] == "unbind" ? ["--dry-run"] : []))
        #expect(run.status == 2, "\(run)")
        #expect(run.stdout.isEmpty, "\(run)")
        #expect(run.stderr.contains("'<device>'"), "\(run)")
    }

    /// Every environment variable vfioctl reads (found in its sources, so a new one is covered):
    /// set but empty or blank is a usage error naming it, never the default.
    @Test func everyEnvironmentVariableRefusesEmptyAndBlankValues() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        var names: Set<String> = []
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: sources.path + "/" + file, encoding: .utf8)
            for match in text.matches(of: /"(VFIOCTL_[A-Z_]+)"/) { names.insert(String(match.1)) }
        }
        #expect(names.isSuperset(of: ["VFIOCTL_SYSFS_ROOT", "VFIOCTL_STATE_DIR", "VFIOCTL_MODULES_DIR"]), "\(names)")
        let host = try CLIHost()
        for name in names.sorted() {
            for blank in Self.blanks {
                for command in [["list"], ["bind", "09:00.0", "--dry-run"], ["status"]] {
                    let run = try host.run(command, environment: [name: blank])
                    #expect(run.status == 2, "\(name)=\(blank.debugDescription) \(command): \(run)")
                    #expect(run.stdout.isEmpty, "\(name)=\(blank.debugDescription) \(command): \(run)")
                    #expect(run.stderr.contains(name), "\(name)=\(blank.debugDescription) \(command): \(run)")
                }
            }
        }
        // A path list with an empty path in it.
        for list in [":", "/a::/b", "/a:", ":/a", "/a: :/b"] {
            let run = try host.run(["plan", "--all"], environment: ["VFIOCTL_MODPROBE_DIRS": list])
            #expect(run.status == 2, "\(list): \(run)")
            #expect(run.stderr.contains("VFIOCTL_MODPROBE_DIRS has an empty path"), "\(list): \(run)")
        }
    }
}

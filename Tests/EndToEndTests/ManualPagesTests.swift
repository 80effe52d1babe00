// The manual pages are generated (Sources/vfioctl-manual, run by scripts/generate-docs.sh, whose
// --check keeps man/ equal to its output): these tests hold the generator to what the pages promise —
// a page per command with every option, the exit codes and every environment variable vfioctl reads —
// and to refusing a docs/man file it would otherwise drop, and to escaping text that roff would read
// as requests.
import Foundation
import Testing
import TestSupport
import VFIOCore

@Suite(.serialized) struct ManualPagesTests {
    static let generator = URL(fileURLWithPath: CLIHost.binary).deletingLastPathComponent().path + "/vfioctl-manual"

    /// Runs the generator on `repository` into a temporary directory; the pages by file name.
    static func generate(
        repository: String = DocumentedSample.repository.path
    ) throws -> (status: Int32, stderr: String, pages: [String: String]) {
        let output = try TemporaryDirectory(prefix: "vfioctl-manual")
        defer { output.remove() }
        let run = try Subprocess.run(
            [
                generator, "--binary", CLIHost.binary, "--date", "2026-01-01",
                "--repository", repository, "--output", output.path
            ],
            environment: Subprocess.cleanEnvironment())
        var pages: [String: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? [] {
            pages[name] = try String(contentsOfFile: output.path + "/" + name, encoding: .utf8)
        }
        return (run.status, run.stderr, pages)
    }

    /// The commands and their long options, from the binary's own description.
    static func commands() throws -> [(page: String, options: [String])] {
        let dump = try Subprocess.run(
            [CLIHost.binary, "--experimental-dump-help"], environment: Subprocess.cleanEnvironment())
        let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var found: [(String, [String])] = []
        func walk(_ command: [String: Any]) {
            let name = command["commandName"] as? String ?? ""
            guard name != "help" else { return }
            let page = ((command["superCommands"] as? [String] ?? []) + [name]).joined(separator: "-")
            let options = (command["arguments"] as? [[String: Any]] ?? []).flatMap { argument in
                (argument["names"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "long" }.compactMap {
                    $0["name"] as? String
                }
            }
            found.append((page, options))
            for sub in command["subcommands"] as? [[String: Any]] ?? [] { walk(sub) }
        }
        walk(try #require(root["command"] as? [String: Any]))
        return found
    }

    @Test func everyCommandHasAPageWithEveryOption() throws {
        let generated = try Self.generate()
        #expect(generated.status == 0, "\(generated.stderr)")
        let commands = try Self.commands()
        #expect(commands.count >= 15)
        for (page, options) in commands {
            let text = try #require(generated.pages[page + ".8"], "no page \(page).8")
            for option in options {
                #expect(
                    text.contains("\\fB\\-\\-" + option.replacing("-", with: "\\-") + "\\fR"),
                    "\(page).8 lacks --\(option)")
            }
        }
        #expect(generated.pages["vfioctl-rules.5"] != nil && generated.pages["vfioctl-state.5"] != nil)
    }

    /// EXIT STATUS lists every code with its meaning; ENVIRONMENT every VFIOCTL_* variable the
    /// sources name (found as the blank-value test finds them, so one read outside the enum shows).
    @Test func exitStatusAndEnvironmentAreComplete() throws {
        let page = try #require(try Self.generate().pages["vfioctl.8"])
        let exitSection = try #require(
            page.components(separatedBy: ".SH \"EXIT STATUS\"").dropFirst().first?
                .components(separatedBy: "\n.SH ").first)
        for status in ExitStatus.allCases {
            #expect(exitSection.contains(".TP\n\\fB\(status.rawValue)\\fR\n"), "exit status \(status.rawValue)")
        }
        let environment = try #require(
            page.components(separatedBy: ".SH ENVIRONMENT").dropFirst().first?
                .components(separatedBy: "\n.SH ").first)
        let sources = DocumentedSample.repository.path + "/Sources"
        var names: Set<String> = []
        for file in FileManager.default.enumerator(atPath: sources)?.compactMap({ $0 as? String }) ?? []
        where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
            for match in text.matches(of: /"(VFIOCTL_[A-Z_]+)"/) { names.insert(String(match.1)) }
        }
        #expect(names.count >= EnvironmentVariable.allCases.count)
        for name in names {
            #expect(environment.contains("\\fB" + name + "\\fR"), "\(name) is not in vfioctl(8)'s ENVIRONMENT")
        }
    }

    /// A copy of the repository's inputs to the generator, to break on purpose.
    static func repositoryCopy() throws -> TemporaryDirectory {
        let copy = try TemporaryDirectory(prefix: "vfioctl-manual-repo")
        let source = DocumentedSample.repository.path
        for directory in ["docs", "docs/man"] {
            try FileManager.default.createDirectory(
                atPath: copy.path + "/" + directory, withIntermediateDirectories: true)
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: source + "/docs/man") {
            try FileManager.default.copyItem(
                atPath: source + "/docs/man/" + file, toPath: copy.path + "/docs/man/" + file)
        }
        for file in ["docs/rules.md", "docs/state-file.md"] {
            try FileManager.default.copyItem(atPath: source + "/" + file, toPath: copy.path + "/" + file)
        }
        return copy
    }

    @Test func aPageForNoCommandOrAnUnknownSectionIsRefused() throws {
        let orphan = try Self.repositoryCopy()
        defer { orphan.remove() }
        try "## EXAMPLES\n\ntext\n".write(
            toFile: orphan.path + "/docs/man/vfioctl-frobnicate.md", atomically: true, encoding: .utf8)
        let refused = try Self.generate(repository: orphan.path)
        #expect(refused.status == 1 && refused.stderr.contains("vfioctl-frobnicate.md"), "\(refused.stderr)")

        let unknown = try Self.repositoryCopy()
        defer { unknown.remove() }
        try "## OPTIONS\n\ntext\n".write(
            toFile: unknown.path + "/docs/man/vfioctl-bind.md", atomically: true, encoding: .utf8)
        let refusedSection = try Self.generate(repository: unknown.path)
        #expect(
            refusedSection.status == 1 && refusedSection.stderr.contains("section OPTIONS"), "\(refusedSection.stderr)")
    }

    /// Text that roff would take for requests or escapes (a line starting with `.` or `'`, a
    /// backslash, a non-ASCII character) comes out as text, and the page still renders cleanly.
    @Test func documentationTextIsEscaped() throws {
        let copy = try Self.repositoryCopy()
        defer { copy.remove() }
        let hostile = "\n.so /etc/passwd\n\n'br\n\nback\\slash \\fB and ünïcode — here\n\n```\n.TH X\n\\n\n```\n"
        let rules = try String(contentsOfFile: copy.path + "/docs/rules.md", encoding: .utf8)
        try (rules + hostile).write(toFile: copy.path + "/docs/rules.md", atomically: true, encoding: .utf8)
        let generated = try Self.generate(repository: copy.path)
        let page = try #require(generated.pages["vfioctl-rules.5"], "\(generated.stderr)")
        for line in page.split(separator: "\n") {
            #expect(!line.hasPrefix(".so") && !line.hasPrefix("'") && !line.hasPrefix(".TH X"), "\(line)")
        }
        let file = copy.path + "/page.5"
        try page.write(toFile: file, atomically: true, encoding: .utf8)
        let groff = try Subprocess.run(
            ["/usr/bin/groff", "-ww", "-man", "-Tutf8", file],
            environment: Subprocess.cleanEnvironment(["LC_ALL": "C.UTF-8"]))
        #expect(groff.status == 0 && groff.stderr.isEmpty, "\(groff.stderr)")
        let rendered = groff.stdout.replacing(/.\u{8}/, with: "")  // overstrike bold
        for text in [".so /etc/passwd", "'br", "back\\slash \\fB and ünïcode — here", ".TH X", "\\n"] {
            #expect(rendered.contains(text), "\(text) is not in the rendered page")
        }
    }
}

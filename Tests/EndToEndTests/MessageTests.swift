// Errors and warnings reach a terminal: whatever a user or a crafted tree put in them is shown, never
// acted on (escape sequences, C1 controls, DEL, invalid UTF-8), a huge argument is cut, every
// message is one line, and `--json` errors are on stderr as well as in the document.
import Foundation
import Testing
import TestSupport

@Suite struct MessageTests {
    /// Runs vfioctl (`Subprocess` sends its output to files: a build that echoes a huge argument
    /// whole must fail this test, not hang on a full pipe). Through the shell when `shell` is set,
    /// so arguments can hold bytes a Swift String cannot (invalid UTF-8).
    static func run(
        _ host: CLIHost, _ arguments: [String] = [], shell: String? = nil
    ) throws -> (status: Int32, stderr: [UInt8]) {
        let command =
            shell.map { ["/bin/sh", "-c", "exec \"$0\" " + $0, CLIHost.binary] } ?? [CLIHost.binary] + arguments
        let run = try Subprocess.run(command, environment: host.environment())
        return (run.status, run.stderrBytes)
    }

    static func hasTerminalControls(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        return bytes.dropLast().contains { $0 < 0x20 || $0 == 0x7F }
            || text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) }
            || String(validating: bytes, as: UTF8.self) == nil
    }

    @Test(arguments: [
        ("list \"$(printf '\\033[31mred')\"", "\\x1b[31mred"),
        ("list \"$(printf '\\033]0;title\\007')\"", "\\x1b]0;title\\x07"),
        ("list \"$(printf 'a\\177b')\"", "a\\x7fb"),
        ("list \"$(printf '\\302\\233' )2J\"", "\\u{9b}2J"),
        ("list \"$(printf 'x\\377\\376y')\"", "x"),
        ("list \"$(printf '01:00.0\\nx')\"", "01:00.0\\x0ax"),
        ("list --class \"$(printf '\\033[2J')\"", "\\x1b[2J"),
        ("bind \"$(printf '\\033c')\" --dry-run", "\\x1bc"),
        ("bind 09:00.0 --dry-run --driver \"$(printf '\\033c')\"", "invalid --driver '\\x1bc'"),
        ("show \"$(printf '\\033c')\"", "\\x1bc"),
        ("new-id \"$(printf '\\033c')\" 8086:10d3 --dry-run", "\\x1bc"),
        ("list \"--$(printf '\\033c')\"", "\\x1bc")
    ])
    func controlBytesInArgumentsAreShownEscaped(_ arguments: String, _ shown: String) throws {
        let host = try CLIHost()
        let run = try Self.run(host, shell: arguments)
        let text = String(decoding: run.stderr, as: UTF8.self)
        #expect(run.status == 2, "\(text)")
        #expect(text.hasPrefix("vfioctl: error: "), "\(text)")
        #expect(!Self.hasTerminalControls(run.stderr), "\(run.stderr)")
        #expect(text.contains(shown), "\(text)")
        #expect(text.split(separator: "\n").count == 1, "\(text)")
    }

    /// A warning quotes what a crafted tree holds: a directory entry named with an escape sequence.
    @Test func controlBytesFromATreeAreShownEscaped() throws {
        let host = try CLIHost()
        try "".write(toFile: host.sysfs + "/bus/pci/devices/\u{1B}]0;owned\u{7}", atomically: true, encoding: .utf8)
        let run = try Self.run(host, ["list"])
        let text = String(decoding: run.stderr, as: UTF8.self)
        #expect(text.contains("vfioctl: warning: "), "\(text)")
        #expect(text.contains("\\x1b]0;owned\\x07"), "\(text)")
        #expect(!Self.hasTerminalControls(run.stderr), "\(run.stderr)")
    }

    @Test(arguments: [
        ["list"], ["show"], ["bind", "--dry-run"], ["unbind", "--dry-run"], ["list", "--class"], ["sriov", "--vfs", "1"]
    ])
    func aHugeArgumentIsCutInTheMessage(_ command: [String]) throws {
        let huge = String(repeating: "a", count: 100_000)
        let arguments =
            command.first == "sriov" || command.count == 1 || command[1].hasPrefix("--dry")
            ? [command[0], huge] + command.dropFirst() : command + [huge]
        let run = try Self.run(try CLIHost(), arguments)
        let stderr = String(decoding: run.stderr, as: UTF8.self)
        #expect(run.status == 2, "\(stderr.prefix(300))")
        #expect(stderr.count < 400, "\(stderr.prefix(300))")
        #expect(stderr.contains("(100000 characters)"), "\(stderr.prefix(300))")
        #expect(stderr.split(separator: "\n").count == 1)
    }

    @Test func aHugeUnknownOptionIsCut() throws {
        let run = try Self.run(try CLIHost(), ["list", "--" + String(repeating: "b", count: 50_000)])
        let stderr = String(decoding: run.stderr, as: UTF8.self)
        #expect(run.status == 2)
        #expect(stderr.count < 400, "\(stderr.prefix(300))")
        #expect(stderr.contains("(50002 characters)"), "\(stderr.prefix(300))")
    }

    /// Messages that quote no argument but carry a long path (a rule directory that does not exist)
    /// are bounded all the same, where every line is printed.
    @Test func aMessageIsBoundedWhereItIsPrinted() throws {
        let run = try Self.run(try CLIHost(), ["plan", "--rules-dir", "/" + String(repeating: "d", count: 20_000)])
        let stderr = String(decoding: run.stderr, as: UTF8.self)
        #expect(run.status == 2, "\(stderr.prefix(300))")
        #expect(stderr.count < 4200, "\(stderr.count) characters")
        #expect(stderr.contains("characters)"), "\(stderr.suffix(100))")
        #expect(stderr.split(separator: "\n").count == 1)
    }

    /// `--json` prints the report with its error on stdout, and the same one-line error on stderr.
    @Test func jsonErrorsAreAlsoOnStderr() throws {
        let host = try CLIHost()
        let run = try host.run(["bind", "03:00.0", "--driver", "vfio-pci", "--json"])
        #expect(run.status == 3, "\(run)")
        let message = try #require((run.json?["error"] as? [String: Any])?["message"] as? String)
        #expect(run.stderr.hasPrefix("vfioctl: error: " + message), "\(run)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run)")
    }
}

// `persist enable` writes a systemd unit and a udev rule that name the vfioctl binary: the one
// value from the command line in generated text. Every hostile path either is refused (exit 2, one
// line, nothing installed) or comes out as a unit and a rule that run exactly that path: checked
// with the splitting rules of systemd.syntax(7) and udev(7), and by `systemd-analyze verify` when
// it is installed. The built vfioctl runs as a subprocess, always with `--root` in a temporary
// directory.
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory with a valid state file, executables of hostile names, and a way to run
/// `vfioctl persist enable` into it.
private final class InjectionHost {
    let directory: TemporaryDirectory
    var path: String { directory.path }
    var stateFile: String { path + "/state.toml" }

    /// The built vfioctl, next to this test bundle.
    static let vfioctl: String = {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path + "/vfioctl"
    }()

    init() throws {
        directory = try TemporaryDirectory(prefix: "vfioctl-injection")
        try """
        [[device]]
        address = "0000:09:00.0"
        vendor = "8086"
        device = "10d3"
        state = "vfio"

        """.write(toFile: stateFile, atomically: true, encoding: .utf8)
    }

    deinit { directory.remove() }

    /// An executable named `name` (a link to the real vfioctl) in a directory of its own named
    /// `directoryName`; returns its absolute path.
    func executable(in directoryName: String, named name: String = "vfioctl") throws -> String {
        let dir = path + "/" + directoryName
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/" + name
        guard symlink(Self.vfioctl, file) == 0 else { throw FakeSysfsError("symlink \(file): errno \(errno)") }
        return file
    }

    /// Runs `/bin/sh -c SCRIPT` with `$VFIOCTL` and `$WORK` set: for arguments a Swift string cannot
    /// hold (bytes that are not UTF-8).
    func shell(_ script: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try run("/bin/sh", ["-c", script], environment: ["VFIOCTL": Self.vfioctl, "WORK": path])
    }

    func enable(binary: String, root: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(Self.vfioctl, ["persist", "enable", stateFile, "--root", root, "--binary", binary])
    }

    private func run(
        _ program: String, _ arguments: [String], environment extra: [String: String] = [:]
    ) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let run = try Subprocess.run([program] + arguments, environment: Subprocess.cleanEnvironment(extra))
        return (run.status, run.stdout, run.stderr)
    }

    /// The entries under `root`, or none when it was never made.
    func installed(under root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []
    }
}

/// Words of a command line as systemd and udev split them: blanks separate words, single or double
/// quotes keep one word whole (and are removed), `%%` is one `%` (both expand `%` specifiers).
/// Backslashes and `$` are not handled: vfioctl must never write them into a command.
private func commandWords(_ line: Substring) -> [String] {
    var words: [String] = [], word = "", quote: Character?, inWord = false
    var characters = Array(line)[...]
    while let character = characters.popFirst() {
        if character == "%" && characters.first == "%" {
            characters.removeFirst()
            word.append("%")
            inWord = true
        } else if let open = quote {
            if character == open { quote = nil } else { word.append(character) }
        } else if character == "\"" || character == "'" {
            quote = character
            inWord = true
        } else if character == " " {
            if inWord { words.append(word) }
            word = ""
            inWord = false
        } else {
            word.append(character)
            inWord = true
        }
    }
    if inWord { words.append(word) }
    return words
}

/// The program of the unit's `ExecStart=` and of the rule's `RUN+="..."`, split into words; fails
/// the test when either file has more or fewer directive lines than vfioctl writes.
private func installedCommands(under root: String) throws -> (unit: [String], rule: [String]) {
    let unit = try String(contentsOfFile: root + "/etc/systemd/system/vfioctl.service", encoding: .utf8)
    let rule = try String(contentsOfFile: root + "/etc/udev/rules.d/70-vfioctl.rules", encoding: .utf8)
    let unitDirectives = unit.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("[") }
    #expect(unitDirectives.count == 13, "the unit has other directives than vfioctl's:\n\(unit)")
    let execStarts = unitDirectives.filter { $0.hasPrefix("Exec") }
    #expect(execStarts.count == 1, "\(unit)")
    let ruleLines = rule.split(separator: "\n").filter { !$0.hasPrefix("#") }
    #expect(ruleLines.count == 1, "the rule has other lines than vfioctl's:\n\(rule)")
    #expect(rule.components(separatedBy: "RUN").count == 2, "\(rule)")
    let execStart = try #require(execStarts.first).dropFirst("ExecStart=".count)
    // The RUN value ends at the first double quote after its opening one.
    let ruleLine = try #require(ruleLines.first)
    let value = try #require(ruleLine.range(of: "RUN+=\"").map { ruleLine[$0.upperBound...] })
    let runValue = value.prefix { $0 != "\"" }
    #expect(value.dropFirst(runValue.count) == "\"", "text after the RUN value: \(ruleLine)")
    return (commandWords(execStart), commandWords(runValue))
}

@Suite("generated unit and rule text cannot be injected")
struct GeneratedTextInjectionTests {
    /// A binary path and why it must be refused.
    struct Refused: Sendable, CustomTestStringConvertible {
        var name: String
        /// The directory and file names, made as an executable (so the refusal is about the name).
        var directory: String
        var file: String
        var message: String
        var testDescription: String { name }
    }

    static let refused: [Refused] = [
        Refused(
            name: "newline adding a directive", directory: "bin", file: "vfioctl\nExecStartPre=true",
            message: "control character"),
        Refused(name: "carriage return", directory: "bin", file: "vfio\rctl", message: "control character"),
        Refused(name: "tab", directory: "bin", file: "vfio\tctl", message: "control character"),
        Refused(name: "escape", directory: "bin", file: "vfio\u{1B}[31mctl", message: "control character"),
        Refused(name: "DEL", directory: "bin", file: "vfio\u{7F}ctl", message: "control character"),
        Refused(name: "C1 control", directory: "bin", file: "vfio\u{9B}ctl", message: "control character"),
        Refused(name: "double quote adding a RUN", directory: "bin", file: "vfioctl\", RUN+=\"x", message: "quote"),
        Refused(name: "single quote", directory: "o'brien", file: "vfioctl", message: "quote"),
        Refused(name: "backslash", directory: "back\\slash", file: "vfioctl", message: "backslash"),
        Refused(name: "dollar", directory: "$HOME", file: "vfioctl", message: "'$'"),
        Refused(name: "udev variable", directory: "bin", file: "vfioctl$kernel", message: "'$'")
    ]

    @Test(arguments: refused)
    func aPathThatCannotBeWrittenSafelyIsRefused(_ bad: Refused) throws {
        let host = try InjectionHost()
        let binary = try host.executable(in: bad.directory, named: bad.file)
        let root = host.path + "/image"
        let run = try host.enable(binary: binary, root: root)
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.contains(bad.message), "\(run)")
        #expect(run.stderr.split(separator: "\n").count == 1, "not one line: \(run.stderr)")
        #expect(host.installed(under: root).isEmpty, "installed: \(host.installed(under: root))")
    }

    @Test func aPathThatIsNotUTF8IsRefused() throws {
        let host = try InjectionHost()
        // The file exists under its raw name; Swift reads the argument with U+FFFD in its place.
        let run = try host.shell(
            """
            mkdir "$WORK/bin" && ln -s "$VFIOCTL" "$WORK/bin/vfio$(printf '\\377')ctl" &&
            exec "$VFIOCTL" persist enable "$WORK/state.toml" --root "$WORK/image" --binary "$WORK/bin/vfio$(printf '\\377')ctl"
            """)
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.contains("not valid UTF-8"), "\(run)")
        #expect(host.installed(under: host.path + "/image").isEmpty)
    }

    @Test(arguments: [
        ("relative", "bin/vfioctl", "absolute path"),
        ("not normalized: //", "//bin/vfioctl", "not normalized"),
        ("not normalized: /./", "/./bin/vfioctl", "not normalized"),
        ("not normalized: /../", "/bin/../bin/vfioctl", "not normalized"),
        ("trailing slash", "/bin/vfioctl/", "not normalized"),
        ("missing", "/bin/vfioctl", "does not exist"),
        ("a directory", "/bin", "not a regular file"),
        ("not executable", "/state.toml", "not executable"),
        ("empty", "", "empty")
    ])
    func aPathThatIsNotAnExecutableFileIsRefused(_ name: String, _ relative: String, _ message: String) throws {
        let host = try InjectionHost()
        try FileManager.default.createDirectory(atPath: host.path + "/bin", withIntermediateDirectories: true)
        // Absolute cases are made under the temporary directory; "relative" is given as it is.
        let binary = relative.hasPrefix("/") ? host.path + relative : relative
        let root = host.path + "/image"
        let run = try host.enable(binary: binary, root: root)
        #expect(run.status == 2, "\(name): \(run)")
        #expect(run.stderr.contains(message), "\(name): \(run)")
        #expect(host.installed(under: root).isEmpty, "\(name): installed \(host.installed(under: root))")
    }

    /// Spaces and `%` are legal in a path and have a safe spelling in both files.
    @Test(arguments: ["my dir", "100% done", "a %n b %% c"])
    func aPathWithSpacesOrPercentRunsExactlyThatPath(_ directoryName: String) throws {
        let host = try InjectionHost()
        let binary = try host.executable(in: directoryName)
        let root = host.path + "/image"
        let run = try host.enable(binary: binary, root: root)
        #expect(run.status == 0, "\(run)")
        let (unit, rule) = try installedCommands(under: root)
        #expect(unit == [binary, "apply", "/etc/vfioctl/state.toml"], "ExecStart= words: \(unit)")
        #expect(
            rule == [binary, "apply", "/etc/vfioctl/state.toml", "--device", "$kernel", "--lock-timeout", "30"],
            "RUN words: \(rule)")
        if let verify = Self.systemdAnalyze {
            let check = try host.shell(
                "exec \(verify) verify --man=no \"$WORK/image/etc/systemd/system/vfioctl.service\" 2>&1")
            #expect(
                check.status == 0 && !check.stdout.contains("vfioctl.service"),
                "systemd-analyze verify:\n\(check.stdout)")
        }
    }

    /// The root is not part of the generated text, whatever its name: only the files' place changes.
    @Test func theRootNeverReachesTheGeneratedText() throws {
        let host = try InjectionHost()
        let plain = host.path + "/plain"
        #expect(try host.enable(binary: InjectionHost.vfioctl, root: plain).status == 0)
        for name in ["my root", "root\nExecStartPre=x", "100%", "$root", "quo\"te"] {
            let root = host.path + "/" + name
            let run = try host.enable(binary: InjectionHost.vfioctl, root: root)
            #expect(run.status == 0, "\(name.debugDescription): \(run)")
            for file in ["/etc/systemd/system/vfioctl.service", "/etc/udev/rules.d/70-vfioctl.rules"] {
                #expect(
                    FileManager.default.contents(atPath: root + file)
                        == FileManager.default.contents(atPath: plain + file),
                    "\(name.debugDescription): \(file) differs")
            }
        }
    }

    static let systemdAnalyze: String? = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
        access($0, X_OK) == 0
    }
}

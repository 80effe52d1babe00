import VFIOCore

/// One command of a modprobe.d file (or of the kernel command line).
public struct ModprobeDirective: Equatable, Sendable, CustomStringConvertible {
    public enum Command: String, Sendable {
        case alias, blacklist, install, remove, options, softdep, weakdep
    }

    public var command: Command
    /// The first argument with `-` turned into `_` outside brackets, as kmod does: a module name, an alias
    /// pattern (`alias`), or a glob over module names (`install`, `remove`).
    public var subject: String
    /// The rest: the target module (`alias`), the option text (`options`), the shell command (`install`,
    /// `remove`), the dependency list (`softdep`, `weakdep`); empty for `blacklist`.
    public var value: String
    /// Where it was written; a continued line is reported at its first physical line.
    public var location: SourceLocation

    public var description: String {
        "\(location): \(command.rawValue) \(subject)\(value.isEmpty ? "" : " " + value)"
    }

    /// An `install` whose command does nothing but succeed or fail (`/bin/true`, `/bin/false`, `true`,
    /// `false`, `:`, `exit N`): the administrator's way of making modprobe never load the module.
    public var disablesLoading: Bool {
        guard command == .install else { return false }
        let words = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = words.first else { return false }
        let program = String(SysfsPath.lastComponent(first))
        switch words.count {
        case 1: return ["true", "false", ":"].contains(program) && (first == program || first.hasPrefix("/"))
        case 2: return first == "exit" && Int(words[1]) != nil
        default: return false
        }
    }
}

/// The modprobe.d configuration, read the way kmod reads it: the `.conf` files of a list of directories,
/// where a file name seen in an earlier directory hides the same name in later ones, all files parsed in
/// lexical order of their names; `#` comments at the start of a line, `\` continuing a line (a backslash
/// before any other character is dropped, as kmod does); lines kmod would reject are kept as warnings.
/// Also the kernel command line's `modprobe.blacklist=`, `module_blacklist=` and `MODULE.PARAM=VALUE`.
public struct ModprobeConfig: Sendable {
    /// kmod's search path, highest precedence first.
    public static let defaultDirectories = [
        "/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/lib/modprobe.d", "/usr/lib/modprobe.d"
    ]

    /// Every directive, in the order kmod applies them.
    public let directives: [ModprobeDirective]
    /// The files read, in parse order.
    public let files: [String]
    /// `file:line: ...` for lines kmod ignores, unreadable files and the like.
    public let warnings: [String]

    /// An empty configuration.
    public init() {
        directives = []
        files = []
        warnings = []
    }

    /// Reads `directories` (a plain file in the list is read as is); `kernelCommandLine` is the contents
    /// of /proc/cmdline, or nil to ignore the kernel command line. Missing directories are skipped and
    /// unreadable files are warnings, as with modprobe; a file of the wrong kind (a FIFO, a device) or
    /// larger than `TextFile.sizeLimit` is an error. A link to /dev/null masks a same-named file.
    public init(
        directories: [String] = ModprobeConfig.defaultDirectories, kernelCommandLine: String? = nil
    ) throws(VFIOError) {
        var chosen: [String: String] = [:]  // file name -> path
        var warnings: [String] = []
        for directory in directories {
            if KernelFiles.exists(directory) && !KernelFiles.isDirectory(directory) {
                let name = String(SysfsPath.lastComponent(directory))
                if chosen[name] == nil { chosen[name] = directory }
                continue
            }
            let names: [String]
            do throws(FileReadError) {
                names = try KernelFiles.list(directory)
            } catch {
                if !error.isMissing { warnings.append("\(directory): cannot be listed: \(errnoName(error.errno))") }
                continue
            }
            for name in names where name.hasSuffix(".conf") && !name.hasPrefix(".") && chosen[name] == nil {
                let path = directory + "/" + name
                guard !KernelFiles.isDirectory(path) else { continue }
                chosen[name] = path
            }
        }
        var directives: [ModprobeDirective] = []
        let files = chosen.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { chosen[$0]! }
        for path in files {
            do throws(FileReadError) {
                let bytes = try TextFile.bytes(path, accept: .regularFileOrNull)
                Self.parse(String(decoding: bytes, as: UTF8.self), file: path, into: &directives, warnings: &warnings)
            } catch {
                guard case .system(let code) = error.reason else {
                    throw error.vfioError(reading: "modprobe configuration")
                }
                warnings.append("\(path): cannot be read: \(errnoName(code))")
            }
        }
        if let kernelCommandLine {
            Self.parseKernelCommandLine(kernelCommandLine, into: &directives)
        }
        self.directives = directives
        self.files = files
        self.warnings = warnings
    }

    /// Parses one file's text (for tests and for callers that already hold the text).
    public init(text: String, file: String) {
        var directives: [ModprobeDirective] = []
        var warnings: [String] = []
        Self.parse(text, file: file, into: &directives, warnings: &warnings)
        self.directives = directives
        self.files = [file]
        self.warnings = warnings
    }

    // MARK: Queries

    /// Where the module is blacklisted, if it is. kmod compares names exactly. A blacklist stops modprobe
    /// from loading the module through an alias (udev's autoload); loading it by name still works.
    public func blacklist(for module: ModuleName) -> SourceLocation? {
        directives.first { $0.command == .blacklist && $0.subject == module.rawValue }?.location
    }

    /// The `install` command modprobe would run instead of loading the module: kmod uses the first whose
    /// module glob matches the name.
    public func installCommand(for module: ModuleName) -> ModprobeDirective? {
        directives.first { $0.command == .install && FNMatch.matches(pattern: $0.subject, module.rawValue) }
    }

    /// Where an `install MODULE /bin/false`-style line stops modprobe from ever loading the module.
    public func disabledByInstall(for module: ModuleName) -> SourceLocation? {
        guard let install = installCommand(for: module), install.disablesLoading else { return nil }
        return install.location
    }

    /// `options` lines for the module, in order (kmod passes them all, joined by spaces).
    public func options(for module: ModuleName) -> [ModprobeDirective] {
        directives.filter { $0.command == .options && $0.subject == module.rawValue }
    }

    /// `softdep` lines for the module.
    public func softdeps(for module: ModuleName) -> [ModprobeDirective] {
        directives.filter { ($0.command == .softdep || $0.command == .weakdep) && $0.subject == module.rawValue }
    }

    /// `alias` lines whose pattern matches the key (fnmatch over the whole key, as libkmod does for
    /// configuration aliases). libkmod consults these before modules.alias; when any matches, it looks no
    /// further.
    public func aliases(matching key: AliasKey) -> [ModprobeDirective] {
        directives.filter { $0.command == .alias && FNMatch.matches(pattern: $0.subject, key.text) }
    }

    /// All directives of one kind, in order.
    public func directives(_ command: ModprobeDirective.Command) -> [ModprobeDirective] {
        directives.filter { $0.command == command }
    }

    // MARK: Parsing

    private static func parse(
        _ text: String, file: String, into directives: inout [ModprobeDirective],
        warnings: inout [String]
    ) {
        for (line, number) in logicalLines(text) {
            if line.isEmpty || line.hasPrefix("#") { continue }
            // kmod splits with strtok on space and tab; the "rest" arguments keep their inner spacing.
            var rest = Substring(line)
            func word() -> Substring? {
                rest = rest.drop { $0 == " " || $0 == "\t" }
                guard !rest.isEmpty else { return nil }
                let end = rest.firstIndex { $0 == " " || $0 == "\t" } ?? rest.endIndex
                defer { rest = rest[end...] }
                return rest[..<end]
            }
            func remainder() -> String? {
                let text = rest.drop { $0 == " " || $0 == "\t" }
                return text.isEmpty ? nil : String(text)
            }
            let location = SourceLocation(file: file, line: number)
            guard let command = word() else { continue }
            func bad() {
                warnings.append("\(file):\(number): ignoring bad line starting with '\(command)' (kmod ignores it too)")
            }
            switch command {
            case "alias":
                guard let alias = word().flatMap(underscores), let module = word().flatMap(underscores) else {
                    bad(); continue
                }
                directives.append(ModprobeDirective(command: .alias, subject: alias, value: module, location: location))
            case "blacklist":
                guard let module = word().flatMap(underscores) else { bad(); continue }
                directives.append(
                    ModprobeDirective(command: .blacklist, subject: module, value: "", location: location))
            case "options", "install", "remove", "softdep", "weakdep":
                guard let module = word().flatMap(underscores), let value = remainder() else { bad(); continue }
                directives.append(
                    ModprobeDirective(
                        command: ModprobeDirective.Command(rawValue: String(command))!,
                        subject: module, value: value, location: location))
            case "include", "config":
                warnings.append("\(file):\(number): '\(command)' is deprecated and not parsed (kmod ignores it too)")
            default:
                bad()
            }
        }
    }

    /// kmod's `freadline_wrapped`: a backslash-newline joins lines, a backslash before anything else is
    /// dropped. Each logical line comes with the number of its first physical line.
    static func logicalLines(_ text: String) -> [(String, Int)] {
        var result: [(String, Int)] = []
        var current: [UInt8] = []
        var physical = 1
        var start = 1
        var bytes = Array(text.utf8).makeIterator()
        while let b = bytes.next() {
            switch b {
            case UInt8(ascii: "\n"):
                result.append((String(decoding: current, as: UTF8.self), start))
                current.removeAll(keepingCapacity: true)
                physical += 1
                start = physical
            case UInt8(ascii: "\\"):
                guard let next = bytes.next() else { continue }
                if next == UInt8(ascii: "\n") {
                    physical += 1
                } else {
                    current.append(next)
                }
            default:
                current.append(b)
            }
        }
        if !current.isEmpty { result.append((String(decoding: current, as: UTF8.self), start)) }
        return result
    }

    /// kmod's `underscores`: `-` becomes `_` outside brackets; nil for an unmatched bracket.
    private static func underscores(_ word: Substring) -> String? {
        normalizeAlias(Array(word.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `modprobe.blacklist=a,b` and `MODULE.PARAM=VALUE` as libkmod reads them from /proc/cmdline, plus the
    /// kernel's own `module_blacklist=a,b` (the kernel refuses to load those modules at all).
    private static func parseKernelCommandLine(_ line: String, into directives: inout [ModprobeDirective]) {
        let location = SourceLocation(file: "/proc/cmdline", line: 1)
        var words: [String] = []
        var current = ""
        var quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle(); continue }
            if (ch == " " || ch == "\n" || ch == "\t") && !quoted {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { words.append(current) }
        for word in words {
            guard let eq = word.firstIndex(of: "=") else { continue }
            let key = word[..<eq]
            let value = word[word.index(after: eq)...]
            if key == "modprobe.blacklist" || key == "module_blacklist" {
                for module in value.split(separator: ",") {
                    if let name = underscores(module) {
                        directives.append(
                            ModprobeDirective(command: .blacklist, subject: name, value: "", location: location))
                    }
                }
            } else if let dot = key.firstIndex(of: "."), key[..<dot] != "modprobe", dot != key.startIndex,
                let module = underscores(key[..<dot])
            {
                directives.append(
                    ModprobeDirective(
                        command: .options, subject: module,
                        value: "\(key[key.index(after: dot)...])=\(value)", location: location))
            }
        }
    }
}

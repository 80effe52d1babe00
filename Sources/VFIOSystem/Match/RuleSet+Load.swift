#if canImport(Glibc)
import Glibc
#endif

import VFIOCore

/// Loading the rule files (see `RuleSet`).
extension RuleSet {
    /// Reads the `*.toml` files of `directories`. A directory named on the command line
    /// (`.commandLine`) must exist; the standard ones may be absent. Any directory that exists but
    /// cannot be listed, or is not a directory, is an error: leaving its rules out would quietly
    /// change what every plan chooses. Each rule file must be a regular file (or a link to
    /// /dev/null, which masks a same-named file) of at most `TextFile.sizeLimit` bytes.
    ///
    /// `builtIn` files (the rules compiled into the binary, `BuiltInRules.files`) come first, as if
    /// from a directory of lowest precedence named `<built-in>`: a file of the same name in any
    /// directory replaces one.
    public static func load(
        builtIn: [(name: String, text: String)] = [],
        directories: [(String, RulePrecedence)]
    ) throws(VFIOError) -> RuleSet {
        enum Origin { case builtIn(String), file(String) }
        var byName: [String: (origin: Origin, precedence: RulePrecedence)] = [:]
        for file in builtIn { byName[file.name] = (.builtIn(file.text), .shippedDefaults) }
        for (directory, precedence) in directories {
            for name in try tomlFiles(in: directory, required: precedence == .commandLine) {
                byName[name] = (.file(directory + "/" + name), precedence)
            }
        }
        var rules: [Rule] = []
        var files: [String] = []
        for name in byName.keys.sorted() {
            let (origin, precedence) = byName[name]!
            let text: String
            let path: String
            switch origin {
            case .builtIn(let embedded):
                text = embedded
                path = BuiltInRules.directoryName + "/" + name
            case .file(let file):
                do throws(FileReadError) {
                    text = try TextFile.read(file, accept: .regularFileOrNull)
                } catch {
                    throw error.vfioError(reading: "rule file")
                }
                path = file
            }
            rules += try RuleFile.parse(text, file: path, precedence: precedence)
            files.append(path)
        }
        return RuleSet(rules: rules, files: files)
    }

    private static func tomlFiles(in directory: String, required: Bool) throws(VFIOError) -> [String] {
        let names: [String]
        do throws(FileReadError) {
            names = try KernelFiles.list(directory)
        } catch {
            switch error.errno {
            case ENOENT where !required:
                return []
            case ENOENT:
                throw VFIOError(.notFound, "rule directory \(directory) does not exist")
            case ENOTDIR:
                throw VFIOError(
                    .usage, "rule directory \(directory) is not a directory (it is \(kind(of: directory).rawValue))")
            case ENAMETOOLONG, ELOOP:
                // No directory can have that name: the argument itself is wrong.
                throw VFIOError(.usage, "rule directory \(directory) cannot be a directory: \(errnoName(error.errno))")
            case EACCES, EPERM:
                throw VFIOError(
                    .permissionDenied, "cannot read rule directory \(directory): \(errnoName(error.errno))",
                    hint: "run as root, or fix the directory's permissions")
            default:
                throw VFIOError(.failed, "cannot read rule directory \(directory): \(errnoName(error.errno))")
            }
        }
        return names.filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
    }

    private static func kind(of path: String) -> FileKind {
        var info = stat()
        return stat(path, &info) == 0 ? FileKind(mode: info.st_mode) : .unknown
    }
}

/// The installed copy of the shipped rule files, which overrides the built-in ones (BuiltInRules)
/// file by file: next to the binary's prefix (`PREFIX/lib/vfioctl/rules.d`), else
/// `/usr/lib/vfioctl/rules.d`.
public enum ShippedRules {
    public static func directory() -> String? {
        guard let executable = ExecutablePath.current() else { return existing("/usr/lib/vfioctl/rules.d") }
        let dir = String(executable[..<(executable.lastIndex(of: "/") ?? executable.startIndex)])
        let prefix = String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)])
        if let installed = existing(prefix + "/lib/vfioctl/rules.d") { return installed }
        return existing("/usr/lib/vfioctl/rules.d")
    }

    private static func existing(_ path: String) -> String? {
        KernelFiles.isDirectory(path) ? path : nil
    }
}

/// The running binary's own path: where its shipped rules are, and what the persist unit runs.
public enum ExecutablePath {
    public static func current() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

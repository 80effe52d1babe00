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
    public static func load(directories: [(String, RulePrecedence)]) throws(VFIOError) -> RuleSet {
        var byName: [String: (path: String, precedence: RulePrecedence)] = [:]
        for (directory, precedence) in directories {
            for name in try tomlFiles(in: directory, required: precedence == .commandLine) {
                byName[name] = (directory + "/" + name, precedence)
            }
        }
        var rules: [Rule] = []
        var files: [String] = []
        for name in byName.keys.sorted() {
            let (path, precedence) = byName[name]!
            let text: String
            do throws(FileReadError) {
                text = try TextFile.read(path, accept: .regularFileOrNull)
            } catch {
                throw error.vfioError(reading: "rule file")
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
                throw VFIOError(.usage, "rule directory \(directory) is not a directory (it is \(kind(of: directory).rawValue))")
            case ENAMETOOLONG, ELOOP:
                // No directory can have that name: the argument itself is wrong.
                throw VFIOError(.usage, "rule directory \(directory) cannot be a directory: \(errnoName(error.errno))")
            case EACCES, EPERM:
                throw VFIOError(.permissionDenied, "cannot read rule directory \(directory): \(errnoName(error.errno))",
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

/// Finds the rule files shipped with vfioctl: installed next to the binary's prefix
/// (`PREFIX/lib/vfioctl/rules.d`), in `/usr/lib/vfioctl/rules.d`, or, when running straight from
/// a build tree, the `rules.d/` of the source tree the binary was built from.
public enum ShippedRules {
    public static func directory() -> String? {
        guard let executable = ExecutablePath.current() else { return existing("/usr/lib/vfioctl/rules.d") }
        var dir = String(executable[..<(executable.lastIndex(of: "/") ?? executable.startIndex)])
        let prefix = String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)])
        if let installed = existing(prefix + "/lib/vfioctl/rules.d") { return installed }
        if let system = existing("/usr/lib/vfioctl/rules.d") { return system }
        for _ in 0..<5 {
            guard let slash = dir.lastIndex(of: "/") else { break }
            dir = String(dir[..<slash])
            if access(dir + "/Package.swift", F_OK) == 0, let tree = existing(dir + "/rules.d") { return tree }
        }
        return nil
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

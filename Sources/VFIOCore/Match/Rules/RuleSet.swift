#if canImport(Glibc)
import Glibc
#endif

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

    public static func load(directories: [(String, RulePrecedence)]) throws(VFIOError) -> RuleSet {
        var byName: [String: (path: String, precedence: RulePrecedence)] = [:]
        for (directory, precedence) in directories {
            for name in tomlFiles(in: directory) {
                byName[name] = (directory + "/" + name, precedence)
            }
        }
        var rules: [Rule] = []
        var files: [String] = []
        for name in byName.keys.sorted() {
            let (path, precedence) = byName[name]!
            let text: String
            do {
                text = try TextFile.read(path)
            } catch {
                throw VFIOError(error.errno == EACCES ? .permissionDenied : .usage,
                                "cannot read rule file \(path): \(errnoName(error.errno))")
            }
            rules += try RuleFile.parse(text, file: path, precedence: precedence)
            files.append(path)
        }
        return RuleSet(rules: rules, files: files)
    }

    private static func tomlFiles(in directory: String) -> [String] {
        (KernelFiles.list(directory) ?? []).filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
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

#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// The parent suite of every Match/Kernel test, so that `swift test --filter Match` runs them all.
@Suite("Match/Kernel") struct MatchKernelTests {}

/// Fixtures for the Match/Kernel tests, namespaced so they cannot collide with other test files.
enum KernelFixtures {
    /// An in-memory `SysfsAccess` with just what LoadedModules reads: files, directories, links.
    struct MemorySysfs: SysfsAccess {
        var files: [String: String] = [:]
        var links: [String: String] = [:]
        var directories: Set<String> = []
        /// Files that exist but cannot be read (EACCES).
        var unreadable: Set<String> = []

        mutating func addModule(_ name: String, initstate: String?, drivers: [String] = []) {
            directories.insert("module/\(name)")
            if let initstate { files["module/\(name)/initstate"] = initstate + "\n" }
            if !drivers.isEmpty { directories.insert("module/\(name)/drivers") }
            for driver in drivers {
                links["module/\(name)/drivers/pci:\(driver)"] = "../../../bus/pci/drivers/\(driver)"
            }
        }

        mutating func addDriver(_ name: String, module: String?) {
            directories.insert("bus/pci/drivers/\(name)")
            if let module { links["bus/pci/drivers/\(name)/module"] = "../../../../module/\(module)" }
        }

        func read(_ path: String) throws(SysfsError) -> String {
            if unreadable.contains(path) { throw SysfsError(.read, path, errno: Glibc.EACCES) }
            guard let text = files[path] else { throw SysfsError(.read, path, errno: VFIOSystem.ENOENT) }
            return String(text.reversed().drop { $0 == "\n" }.reversed())
        }

        func readLink(_ path: String) throws(SysfsError) -> String {
            guard let target = links[path] else { throw SysfsError(.readLink, path, errno: VFIOSystem.ENOENT) }
            return target
        }

        func list(_ path: String) throws(SysfsError) -> [SysfsEntry] {
            let all = Set(files.keys).union(links.keys).union(directories)
            guard directories.contains(path) || all.contains(where: { $0.hasPrefix(path + "/") }) else {
                throw SysfsError(.list, path, errno: VFIOSystem.ENOENT)
            }
            var entries: [String: SysfsEntry.Kind] = [:]
            for item in all where item.hasPrefix(path + "/") {
                let rest = item.dropFirst(path.count + 1)
                let name = String(rest.prefix { $0 != "/" })
                let isDeeper = rest.contains("/")
                let kind: SysfsEntry.Kind =
                    isDeeper || directories.contains(path + "/" + name)
                    ? .directory
                    : links[path + "/" + name] != nil ? .symlink : .file
                entries[name] = kind
            }
            return entries.sorted { $0.key < $1.key }.map { SysfsEntry(name: $0.key, kind: $0.value) }
        }

        func write(_ path: String, _ value: String) throws(SysfsError) {
            throw SysfsError(.write, path, errno: Glibc.EACCES)
        }

        func displayPath(_ path: String) -> String { "/sys/" + path }
    }

    /// The Debian kernel installed on this machine for real-data tests, if any.
    static func installedKernelDirectory() -> String? {
        let preferred = "/lib/modules/6.1.0-56-amd64"
        var info = stat()
        if stat(preferred + "/modules.alias", &info) == 0 { return preferred }
        guard let dir = opendir("/lib/modules") else { return nil }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name.hasPrefix(".") { continue }
            if stat("/lib/modules/\(name)/modules.alias", &info) == 0 { return "/lib/modules/\(name)" }
        }
        return nil
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Monotonic nanoseconds, for the performance checks.
    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func modalias(_ text: String) -> Modalias { Modalias(text)! }

    static func module(_ text: String) -> ModuleName { ModuleName(text)! }
}

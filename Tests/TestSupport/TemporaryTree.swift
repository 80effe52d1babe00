#if canImport(Glibc)
import Glibc
#endif

// Fixtures shared by the test targets: module directories, modprobe.d and rule trees on disk, and
// a seeded generator for property-style loops.

/// A deterministic generator for property-style loops (SplitMix64).
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A temporary directory tree for module directories and modprobe.d fixtures, removed on deinit.
public final class TemporaryTree {
    public let path: String

    public init() {
        var template = Array("/tmp/vfioctl-match-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { remove(path) }

    @discardableResult
    public func directory(_ relative: String) -> String {
        var current = path
        for part in relative.split(separator: "/") {
            current += "/" + part
            mkdir(current, 0o755)
        }
        return current
    }

    @discardableResult
    public func file(_ relative: String, _ contents: String) -> String {
        file(relative, bytes: Array(contents.utf8))
    }

    @discardableResult
    public func file(_ relative: String, bytes: [UInt8]) -> String {
        if let slash = relative.lastIndex(of: "/") { directory(String(relative[..<slash])) }
        let full = path + "/" + relative
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(full)")
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return full
    }

    private func remove(_ path: String) {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name == "." || name == ".." { continue }
                let child = path + "/" + name
                if Int32(entry.pointee.d_type) == Int32(DT_DIR) { remove(child) } else { unlink(child) }
            }
            closedir(dir)
        }
        rmdir(path)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// The module directory's and modprobe.d's files and listings, with plain syscalls (no Foundation).
/// The files themselves are read with `TextFile.bytes` (regular files of bounded size only).
enum KernelFiles {
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// A regular file's modification time (seconds, nanoseconds); nil for anything else or no file.
    static func regularFileModified(_ path: String) -> (seconds: Int, nanoseconds: Int)? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return (info.st_mtim.tv_sec, info.st_mtim.tv_nsec)
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Names in a directory (without `.` and `..`), with why it could not be listed (ENOENT: it does
    /// not exist; ENOTDIR: it is not a directory). opendir(3) opens with O_NONBLOCK|O_DIRECTORY, so
    /// a FIFO in its place fails at once.
    static func list(_ path: String) throws(FileReadError) -> [String] {
        guard let dir = opendir(path) else { throw FileReadError(path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The 1-based line of the first NUL byte, or nil: a text file has none.
    static func lineOfFirstNUL(_ bytes: [UInt8]) -> Int? {
        let offset: Int? = bytes.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress, let hit = memchr(base, 0, bytes.count) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        guard let offset else { return nil }
        return bytes[..<offset].reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    /// Calls `body` with each line (without the `\n`) and its 1-based number, making no list of them
    /// (modules.alias has 26k lines, most of which a lookup for a few devices only skips).
    static func forEachLine<Failure: Error>(
        _ bytes: [UInt8], _ body: (_ number: Int, _ line: ArraySlice<UInt8>) throws(Failure) -> Void
    ) throws(Failure) {
        var start = 0
        var number = 1
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            try body(number, bytes[start..<end])
            start = end + 1
            number += 1
        }
    }

    /// Splits into lines (without the `\n`), each with its 1-based number.
    static func lines(_ bytes: [UInt8]) -> [(number: Int, bytes: ArraySlice<UInt8>)] {
        var result: [(number: Int, bytes: ArraySlice<UInt8>)] = []
        result.reserveCapacity(bytes.count / 40)
        var start = 0
        var number = 1
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
            result.append((number, bytes[start..<i]))
            start = i + 1
            number += 1
        }
        if start < bytes.count { result.append((number, bytes[start...])) }
        return result
    }
}

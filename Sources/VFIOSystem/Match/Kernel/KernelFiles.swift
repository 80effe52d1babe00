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

/// Reader for kmod's binary index files (`modules.alias.bin`, `modules.builtin.alias.bin`, ...): a trie
/// of NUL-terminated keys, each node holding an optional prefix, children and values. Format (big
/// endian): magic 0xB007F457, version 0x0002000x, root node offset; a node offset's top bits say which
/// parts the node has (0x80000000 prefix, 0x40000000 values, 0x20000000 children).
struct KmodIndexFile {
    struct Value: Equatable {
        var key: String
        var value: String
        var priority: UInt32
    }

    enum Failure: Error, Equatable {
        case badMagic, badVersion, truncated
    }

    /// Every key and value stored, in trie order.
    static func entries(_ bytes: [UInt8]) throws(Failure) -> [Value] {
        func u32(_ at: Int) throws(Failure) -> UInt32 {
            guard at >= 0, at + 4 <= bytes.count else { throw .truncated }
            return UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8
                | UInt32(bytes[at + 3])
        }
        func cString(_ at: Int) throws(Failure) -> (bytes: ArraySlice<UInt8>, next: Int) {
            guard at < bytes.count, let end = bytes[at...].firstIndex(of: 0) else { throw .truncated }
            return (bytes[at..<end], end + 1)
        }
        guard try u32(0) == 0xB007_F457 else { throw .badMagic }
        guard try u32(4) >> 16 == 2 else { throw .badVersion }
        var result: [Value] = []
        var visited = 0
        func walk(_ offset: UInt32, _ key: [UInt8]) throws(Failure) {
            visited += 1
            guard visited <= bytes.count else { throw .truncated }  // a cycle in a corrupt file
            var p = Int(offset & 0x0FFF_FFFF)
            var key = key
            if offset & 0x8000_0000 != 0 {
                let (prefix, next) = try cString(p)
                key.append(contentsOf: prefix)
                p = next
            }
            var children: [(UInt8, UInt32)] = []
            if offset & 0x2000_0000 != 0 {
                guard p + 2 <= bytes.count else { throw .truncated }
                let first = bytes[p]
                let last = bytes[p + 1]
                p += 2
                if first <= last {
                    for ch in first...last {
                        let child = try u32(p)
                        p += 4
                        if child != 0 { children.append((ch, child)) }
                    }
                }
            }
            if offset & 0x4000_0000 != 0 {
                let count = try u32(p)
                p += 4
                let keyText = String(decoding: key, as: UTF8.self)
                for _ in 0..<count {
                    let priority = try u32(p)
                    let (value, next) = try cString(p + 4)
                    p = next
                    result.append(
                        Value(key: keyText, value: String(decoding: value, as: UTF8.self), priority: priority))
                }
            }
            for (ch, child) in children { try walk(child, key + [ch]) }
        }
        try walk(try u32(8), [])
        return result
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A file's bytes for reading only, as libkmod holds depmod's index files: mapped into memory when
/// only root can change the file, so that a lookup touching a few of its nodes reads those pages
/// and not the whole 1.3 MB (in the TCG test guest, reading modules.alias.bin took a tenth of one
/// `apply --device`). A mapped file cut short while mapped would kill the process (SIGBUS), so a
/// file another user could write is read into memory instead, as is anything mmap refuses.
final class ReadOnlyBytes: @unchecked Sendable {  // immutable after init
    let bytes: UnsafeRawBufferPointer
    /// The bytes are the file's pages (else a copy).
    var isMapped: Bool { mapped }
    private let mapped: Bool

    /// The bytes of `path` (a regular file of at most `TextFile.sizeLimit` bytes).
    init(contentsOf path: String) throws(FileReadError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw FileReadError(path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileReadError(path, errno: errno) }
        let onlyRootWrites = info.st_uid == 0 && info.st_mode & 0o022 == 0
        if info.st_mode & S_IFMT == S_IFREG, onlyRootWrites, info.st_size > 0, info.st_size <= TextFile.sizeLimit,
            let map = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED
        {
            bytes = UnsafeRawBufferPointer(start: map, count: Int(info.st_size))
            mapped = true
            return
        }
        let read = try TextFile.bytes(openFile: fd, path: path)
        bytes = Self.copy(read)
        mapped = false
    }

    /// Bytes already in memory (tests, and files built on the fly).
    init(_ array: [UInt8]) {
        bytes = Self.copy(array)
        mapped = false
    }

    private static func copy(_ array: [UInt8]) -> UnsafeRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(array.count, 1), alignment: 1)
        buffer.copyBytes(from: array)
        return UnsafeRawBufferPointer(rebasing: buffer[..<array.count])
    }

    deinit {
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        } else {
            UnsafeMutableRawPointer(mutating: bytes.baseAddress)?.deallocate()
        }
    }
}

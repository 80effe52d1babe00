import Glibc
import TestSupport
import Testing
@testable import VFIOSystem

/// Index files are mapped only when a cut-short file could not kill vfioctl: only root writes them.
@Suite struct ReadOnlyBytesTests {
    @Test("a root-only file is mapped, a file others may write is read; both give the file's bytes")
    func mappedOrRead() throws {
        let tree = TemporaryTree()
        let content = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let path = tree.file("index.bin", bytes: content)
        chmod(path, 0o644)
        let mapped = try ReadOnlyBytes(contentsOf: path)
        #expect(Array(mapped.bytes) == content)
        #expect(mapped.isMapped == (getuid() == 0))
        chmod(path, 0o666)
        let read = try ReadOnlyBytes(contentsOf: path)
        #expect(Array(read.bytes) == content && !read.isMapped)
        // Another user's file is read too.
        chmod(path, 0o644)
        if getuid() == 0 {
            chown(path, 65534, 65534)
            let owned = try ReadOnlyBytes(contentsOf: path)
            #expect(Array(owned.bytes) == content && !owned.isMapped)
        }
    }

    @Test("a FIFO, a directory and an empty file are not mapped: refused or read as TextFile does")
    func wrongKinds() throws {
        let tree = TemporaryTree()
        let fifo = tree.path + "/fifo"
        mkfifo(fifo, 0o644)
        #expect(throws: FileReadError.self) { try ReadOnlyBytes(contentsOf: fifo) }
        #expect(throws: FileReadError.self) { try ReadOnlyBytes(contentsOf: tree.directory("dir")) }
        let empty = try ReadOnlyBytes(contentsOf: tree.file("empty", ""))
        #expect(empty.bytes.isEmpty && !empty.isMapped)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import VFIOCore
import VFIOSystem

/// `persist add/remove` and `--save` on disk (StateFileUpdate): the file keeps its mode, is replaced
/// atomically, and a file that cannot be trusted is refused.
@Suite struct StateFileUpdateTests {
    static let nic = StateFileEdit.DeviceEntry(
        address: PCIAddress("0000:01:00.0")!, vendor: VendorID(0x8086),
        device: DeviceID(0x10d3), wanted: .vfio)

    @Test func theFileKeepsItsModeAndIsReplacedAtomically() throws {
        try TemporaryDirectory.with { root in
            #expect(chmod(root, 0o755) == 0)
            let path = root + "/state.toml"
            try "# mine\n".write(toFile: path)
            #expect(chmod(path, 0o600) == 0)
            #expect(try StateFileUpdate(path: path).set(Self.nic, dryRun: true) == .written)
            #expect(try String.read(path) == "# mine\n")
            #expect(try StateFileUpdate(path: path).set(Self.nic, dryRun: false) == .written)
            #expect(try String.read(path).hasPrefix("# mine\n\n[[device]]\n"))
            var info = stat()
            #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
            #expect(try StateFileUpdate(path: path).remove(Self.nic.address, dryRun: false) == .written)
            #expect(try String.read(path) == "# mine\n")
            #expect(try StateFileUpdate(path: path).remove(Self.nic.address, dryRun: false) == .absent)
        }
    }

    @Test func untrustedFilesAreRefused() throws {
        try TemporaryDirectory.with { root in
            #expect(chmod(root, 0o755) == 0)
            let real = root + "/real.toml"
            try "".write(toFile: real)
            // A symbolic link, a FIFO, a group-writable file, a file of another user.
            #expect(symlink(real, root + "/link.toml") == 0)
            #expect(mkfifo(root + "/fifo.toml", 0o644) == 0)
            try "".write(toFile: root + "/open.toml")
            #expect(chmod(root + "/open.toml", 0o664) == 0)
            try "".write(toFile: root + "/other.toml")
            #expect(chown(root + "/other.toml", 65534, 65534) == 0)
            for name in ["link.toml", "fifo.toml", "open.toml", "other.toml"] {
                do {
                    _ = try StateFileUpdate(path: root + "/" + name).set(Self.nic, dryRun: false)
                    Issue.record("\(name) was written")
                } catch let error as VFIOError {
                    #expect(error.status == .permissionDenied, "\(name): \(error)")
                }
            }
            var info = stat()
            #expect(lstat(root + "/link.toml", &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
            #expect(try String.read(real) == "")
        }
    }
}

private extension String {
    func write(toFile path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw VFIOError(.failed, "create \(path)") }
        defer { close(fd) }
        _ = utf8CString.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
    }

    static func read(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw VFIOError(.failed, "open \(path)") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

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

extension StateFileUpdateTests {
    /// Every refusal of a desired-state file names the option that chose it (--state-file), never
    /// the state directory's: a FIFO, a link to a device, a directory, a symbolic link, a file of
    /// another user, a symbolic link or a group-writable directory on the way.
    @Test func aRefusedStateFileNamesTheStateFileOption() throws {
        try TemporaryDirectory.with { root in
            #expect(chmod(root, 0o755) == 0)
            #expect(mkfifo(root + "/fifo.toml", 0o644) == 0)
            #expect(symlink("/dev/null", root + "/device.toml") == 0)
            #expect(mkdir(root + "/directory.toml", 0o755) == 0)
            try "".write(toFile: root + "/real.toml")
            #expect(symlink(root + "/real.toml", root + "/link.toml") == 0)
            try "".write(toFile: root + "/other.toml")
            #expect(chown(root + "/other.toml", 65534, 65534) == 0)
            #expect(mkdir(root + "/real", 0o755) == 0)
            #expect(symlink(root + "/real", root + "/linked") == 0)
            #expect(mkdir(root + "/open", 0o775) == 0)
            #expect(chmod(root + "/open", 0o775) == 0)
            let paths = [
                "fifo.toml", "device.toml", "directory.toml", "link.toml", "other.toml", "linked/state.toml",
                "open/state.toml"
            ]
            for name in paths {
                do {
                    _ = try StateFileUpdate(path: root + "/" + name).set(Self.nic, dryRun: false)
                    Issue.record("\(name) was written")
                } catch let error as VFIOError {
                    #expect(error.status == .permissionDenied, "\(name): \(error)")
                    let hint = error.hint ?? ""
                    #expect(hint.contains("--state-file"), "\(name): \(error)")
                    #expect(
                        !hint.contains("--state-dir") && !error.message.contains("state directory"), "\(name): \(error)"
                    )
                }
            }
            // The fix names the file by its real path through the same option.
            do {
                _ = try StateFileUpdate(path: root + "/linked/state.toml").set(Self.nic, dryRun: false)
                Issue.record("linked/state.toml was written")
            } catch let error as VFIOError {
                #expect(
                    error.hint?.contains("--state-file \"$(realpath \(root)/linked)/state.toml\"") == true, "\(error)")
            }
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

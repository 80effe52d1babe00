#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// The command's writer process, on pipes: a write to a full pipe blocks exactly as an unbind of a
/// held VFIO device does, until the other end drains it.
@Suite struct WriterProcessTests {
    private func pipeEnds() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        return (ends[0], ends[1])
    }

    /// A pipe whose write end blocks: its buffer filled, then O_NONBLOCK cleared.
    private func fullPipe() throws -> (read: Int32, write: Int32) {
        let ends = try pipeEnds()
        _ = fcntl(ends.write, F_SETFL, O_NONBLOCK)
        let chunk = [UInt8](repeating: 0x61, count: 4096)
        while chunk.withUnsafeBytes({ Glibc.write(ends.write, $0.baseAddress, $0.count) }) > 0 {}
        _ = fcntl(ends.write, F_SETFL, 0)
        return ends
    }

    private func drain(_ fd: Int32) -> [UInt8] {
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return all }
            all += buffer[..<n]
        }
    }

    private func isRunning(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 }

    @Test func oneWriterMakesEveryWriteEachWholeAndInOrder() throws {
        let writer = WriterProcess()
        let ends = try pipeEnds()
        defer { close(ends.read) }
        for value in ["0000:01:00.0", "1", "vfio-pci\n"] {
            #expect(writer.write(ends.write, value, timeout: 10) == .done)
        }
        close(ends.write)
        #expect(String(decoding: drain(ends.read), as: UTF8.self) == "0000:01:00.01vfio-pci\n")
    }

    @Test func theErrnoOfAFailedWriteComesBack() throws {
        let writer = WriterProcess()
        let fd = open("/dev/null", O_RDONLY)
        defer { close(fd) }
        #expect(writer.write(fd, "1", timeout: 10) == .failed(EBADF))
        // The writer is still there for the next write.
        let ends = try pipeEnds()
        defer { close(ends.read) }
        #expect(writer.write(ends.write, "1", timeout: 10) == .done)
        close(ends.write)
    }

    @Test func whatAMessageCannotCarryIsLeftToTheCaller() throws {
        let writer = WriterProcess()
        let ends = try pipeEnds()
        defer {
            close(ends.read)
            close(ends.write)
        }
        #expect(writer.write(ends.write, "", timeout: 10) == nil)
        #expect(writer.write(ends.write, String(repeating: "x", count: 4097), timeout: 10) == nil)
        #expect(writer.write(ends.write, "1", timeout: 10) == .done)
    }

    /// A blocked write is pending within its timeout; the writer keeps no descriptor but the one it
    /// writes (a lock the caller holds is free once the caller lets go) and exits once the write
    /// returns; the next write gets a writer of its own.
    @Test func aBlockedWriteIsPendingAndItsWriterHoldsNoLock() throws {
        let path = "/tmp/vfioctl-writer-lock.\(getpid())"
        defer { unlink(path) }
        let lock = open(path, O_RDWR | O_CREAT, 0o600)
        try #require(lock >= 0 && flock(lock, LOCK_EX) == 0)
        let writer = WriterProcess()
        let full = try fullPipe()
        defer { close(full.read) }
        let started = Monotonic.now()
        let outcome = writer.write(full.write, "1", timeout: 0.3)
        close(full.write)
        guard case .pending(let pid) = outcome else {
            Issue.record("expected pending, got \(String(describing: outcome))")
            return
        }
        let waited = Monotonic.now() - started
        #expect(waited >= 0.3 && waited < 3, "waited \(waited) s")
        close(lock)
        let again = open(path, O_RDWR)
        defer { close(again) }
        #expect(flock(again, LOCK_EX | LOCK_NB) == 0, "the blocked writer still holds the lock")

        let other = try pipeEnds()
        defer { close(other.read) }
        #expect(writer.write(other.write, "2", timeout: 10) == .done, "a new writer for the next write")
        close(other.write)

        #expect(isRunning(pid))
        _ = drain(full.read)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid, "the abandoned writer exits once its write returns")
    }
}

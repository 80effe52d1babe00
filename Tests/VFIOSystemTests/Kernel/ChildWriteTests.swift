#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// The bounded write's mechanism, on a pipe whose buffer is full: the write blocks exactly as an
/// unbind of a held VFIO device does, until the other end drains it.
@Suite struct ChildWriteTests {
    /// A pipe whose write end blocks: its buffer filled, then O_NONBLOCK cleared.
    private func fullPipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)
        let chunk = [UInt8](repeating: 0x61, count: 4096)
        while chunk.withUnsafeBytes({ Glibc.write(ends[1], $0.baseAddress, $0.count) }) > 0 {}
        _ = fcntl(ends[1], F_SETFL, 0)
        return (ends[0], ends[1])
    }

    private func drain(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    @Test func aBlockedWriteIsPendingWithinItsTimeoutAndFinishesLater() throws {
        let pipe = try fullPipe()
        defer { close(pipe.read) }
        let started = Monotonic.now()
        let pid = try ChildWrite.start(pipe.write, "1").get()
        close(pipe.write)
        #expect(ChildWrite.wait(pid, timeout: 0.3) == .pending)
        let waited = Monotonic.now() - started
        #expect(waited >= 0.3 && waited < 3, "waited \(waited) s")
        drain(pipe.read)
        #expect(ChildWrite.wait(pid, timeout: 10) == .done)
    }

    @Test func theErrnoOfAFailedWriteComesBack() throws {
        // A write to a descriptor opened read-only fails with EBADF, in the child.
        let fd = open("/dev/null", O_RDONLY)
        let pid = try ChildWrite.start(fd, "1").get()
        close(fd)
        #expect(ChildWrite.wait(pid, timeout: 10) == .failed(EBADF))
    }

    /// The child keeps no descriptor but the one it writes: a lock the caller holds is free once
    /// the caller lets go, while the child is still blocked.
    @Test func theChildHoldsNoLock() throws {
        let path = "/tmp/vfioctl-childwrite-lock.\(getpid())"
        defer { unlink(path) }
        let lock = open(path, O_RDWR | O_CREAT, 0o600)
        try #require(lock >= 0 && flock(lock, LOCK_EX) == 0)
        let pipe = try fullPipe()
        defer { close(pipe.read) }
        let pid = try ChildWrite.start(pipe.write, "1").get()
        close(pipe.write)
        #expect(ChildWrite.wait(pid, timeout: 0.2) == .pending)
        close(lock)
        let again = open(path, O_RDWR)
        defer { close(again) }
        #expect(flock(again, LOCK_EX | LOCK_NB) == 0, "the blocked child still holds the lock")
        drain(pipe.read)
        #expect(ChildWrite.wait(pid, timeout: 10) == .done)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// The bounded write's mechanism (a child per write), on pipes (`TestPipes`).
@Suite struct ChildWriteTests {
    @Test func aBlockedWriteIsPendingWithinItsTimeoutAndFinishesLater() throws {
        let pipe = try TestPipes.full()
        defer { close(pipe.read) }
        let started = Monotonic.now()
        let pid = try ChildWrite.start(pipe.write, "1").get()
        close(pipe.write)
        #expect(ChildWrite.wait(pid, timeout: 0.3) == .pending)
        let waited = Monotonic.now() - started
        #expect(waited >= 0.3 && waited < 3, "waited \(waited) s")
        TestPipes.drain(pipe.read)
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
        let pipe = try TestPipes.full()
        defer { close(pipe.read) }
        let pid = try ChildWrite.start(pipe.write, "1").get()
        close(pipe.write)
        #expect(ChildWrite.wait(pid, timeout: 0.2) == .pending)
        close(lock)
        let again = open(path, O_RDWR)
        defer { close(again) }
        #expect(flock(again, LOCK_EX | LOCK_NB) == 0, "the blocked child still holds the lock")
        TestPipes.drain(pipe.read)
        #expect(ChildWrite.wait(pid, timeout: 10) == .done)
    }
}

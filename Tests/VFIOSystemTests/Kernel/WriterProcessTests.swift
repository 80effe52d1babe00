#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// The command's writer process, on pipes (`TestPipes`).
@Suite struct WriterProcessTests {
    private func isRunning(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 }

    @Test func oneWriterMakesEveryWriteEachWholeAndInOrder() throws {
        let writer = WriterProcess()
        let ends = try TestPipes.ends()
        defer { close(ends.read) }
        for value in ["0000:01:00.0", "1", "vfio-pci\n"] {
            #expect(writer.write(ends.write, value, timeout: 10) == .done)
        }
        close(ends.write)
        #expect(String(decoding: TestPipes.drain(ends.read), as: UTF8.self) == "0000:01:00.01vfio-pci\n")
    }

    /// A descriptor kept open for many writes (a driver's bind file) is written at offset 0 each time,
    /// as sysfs takes every write as a new store; other descriptors are written where they stand.
    @Test func aKeptDescriptorIsWrittenAtItsStart() throws {
        let path = "/tmp/vfioctl-writer-offset.\(getpid())"
        defer { unlink(path) }
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        let writer = WriterProcess()
        #expect(writer.write(fd, "abc", timeout: 10) == .done)
        #expect(writer.write(fd, "xy", atStart: true, timeout: 10) == .done)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "xyc")
        #expect(writer.write(fd, "d", timeout: 10) == .done)
        #expect(
            try String(contentsOfFile: path, encoding: .utf8) == "xycd",
            "a plain write goes where the descriptor stands")
    }

    @Test func theErrnoOfAFailedWriteComesBack() throws {
        let writer = WriterProcess()
        let fd = open("/dev/null", O_RDONLY)
        defer { close(fd) }
        #expect(writer.write(fd, "1", timeout: 10) == .failed(EBADF))
        // The writer is still there for the next write.
        let ends = try TestPipes.ends()
        defer { close(ends.read) }
        #expect(writer.write(ends.write, "1", timeout: 10) == .done)
        close(ends.write)
    }

    @Test func whatAMessageCannotCarryIsLeftToTheCaller() throws {
        let writer = WriterProcess()
        let ends = try TestPipes.ends()
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
        let full = try TestPipes.full()
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

        let other = try TestPipes.ends()
        defer { close(other.read) }
        #expect(writer.write(other.write, "2", timeout: 10) == .done, "a new writer for the next write")
        close(other.write)

        #expect(isRunning(pid))
        TestPipes.drain(full.read)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid, "the abandoned writer exits once its write returns")
    }

    /// The writer is a session of its own (no Ctrl-C of the terminal reaches it) and, where it shares
    /// vfioctl's memory, blocks every signal a process can block: a handler of vfioctl's must never
    /// run on the writer's stack.
    @Test func theWriterLeavesTheTerminalAndBlocksSignals() throws {
        let writer = WriterProcess()
        let full = try TestPipes.full()
        defer { close(full.read) }
        guard case .pending(let pid) = writer.write(full.write, "1", timeout: 0.2) else {
            Issue.record("expected the write to a full pipe to be pending")
            close(full.write)
            return
        }
        close(full.write)
        defer {
            TestPipes.drain(full.read)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        #expect(getsid(pid) == pid && getsid(0) != pid)
        #if arch(x86_64) || arch(arm64)
        let status = try #require(try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8))
        let blocked = status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") }
        // Every signal but SIGKILL (9) and SIGSTOP (19), which the kernel never lets a process block.
        #expect(blocked.map { $0.split(separator: "\t").last } == "fffffffffffbfeff")
        #endif
    }
}

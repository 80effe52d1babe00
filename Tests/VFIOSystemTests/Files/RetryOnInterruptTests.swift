#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import VFIOCore
@testable import VFIOSystem

@Suite("retryingOnInterrupt: a system call interrupted by a signal runs again")
struct RetryOnInterruptTests {
    /// A stand-in system call that fails with each errno of `failures` in turn, then returns `success`.
    private final class ScriptedCall {
        var failures: [Int32]
        let success: Int
        private(set) var calls = 0
        init(failing failures: [Int32], then success: Int) {
            self.failures = failures
            self.success = success
        }
        func callAsFunction() -> Int {
            calls += 1
            guard !failures.isEmpty else { return success }
            errno = failures.removeFirst()
            return -1
        }
    }

    @Test func eintrIsRetriedUntilTheCallCompletes() {
        let call = ScriptedCall(failing: [EINTR, EINTR], then: 7)
        #expect(retryingOnInterrupt { call() } == 7)
        #expect(call.calls == 3)
    }

    @Test func anotherErrorIsReturnedAtOnceWithItsErrno() {
        let call = ScriptedCall(failing: [EINTR, EAGAIN, EINTR], then: 7)
        #expect(retryingOnInterrupt { call() } == -1)
        #expect(errno == EAGAIN)
        #expect(call.calls == 2)
    }

    @Test func successIsNotRetried() {
        let call = ScriptedCall(failing: [], then: 0)
        #expect(retryingOnInterrupt { call() } == 0)
        #expect(call.calls == 1)
    }

    @Test func aRealReadOfAPipe() {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        var byte: UInt8 = 0x2A
        #expect(retryingOnInterrupt { write(ends[1], &byte, 1) } == 1)
        close(ends[1])
        var read: UInt8 = 0
        #expect(retryingOnInterrupt { Glibc.read(ends[0], &read, 1) } == 1)
        #expect(read == 0x2A)
        #expect(retryingOnInterrupt { Glibc.read(ends[0], &read, 1) } == 0)  // end of file
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import VFIOCore

/// A device argument that is malformed (status 2) or names no device (status 4) is reported before
/// `bind`/`unbind` take the lock or capture the host: while another vfioctl holds the lock, the
/// answer comes at once instead of after --lock-timeout.
@Suite struct SelectorBeforeLockTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var status: Int32
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(arguments: ["bind", "zz:zz.9", "--driver", "vfio-pci"], status: 2),
        Case(arguments: ["unbind", "zz:zz.9"], status: 2),
        Case(arguments: ["bind", "0000:7f:00.0", "--driver", "vfio-pci"], status: 4),
        Case(arguments: ["unbind", "0000:01:00.0", "0000:7f:00.0"], status: 4),
        Case(arguments: ["bind", "1234:5678"], status: 4),
        Case(arguments: ["unbind", "1234:5678"], status: 4),
        Case(arguments: ["bind", "0000:00:7*"], status: 4)
    ]

    @Test(arguments: cases)
    func aSelectorThatNamesNothingNeitherWaitsForTheLockNorCapturesTheHost(_ c: Case) throws {
        let machine = try SimulatedKernelCommandTests.Machine()
        let state = machine.directory.path + "/state"
        try TemporaryDirectory.makeDirectory(state)
        let lock = open(state + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(lock >= 0)
        defer { close(lock) }
        try #require(flock(lock, LOCK_EX) == 0, "another vfioctl holds the lock")

        let run = machine.run(c.arguments + ["--lock-timeout", "2"])
        #expect(run.status == c.status, "\(run)")
        #expect(run.stderr.split(separator: "\n").count == 1, "not one error line: \(run)")
        #expect(!run.stderr.contains("another vfioctl"), "\(run)")
        #expect(machine.hostCaptures.load(ordering: .relaxed) == 0, "the host was captured")
    }
}

// A writing command takes the lock before it reads the devices: what another vfioctl did while it
// waited is what it sees, so it neither re-reads after locking nor fails with "changed while
// waiting for the lock".
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct LockOrderTests {
    private final class Outcome: @unchecked Sendable {
        var run: CLIRun?
        var error: (any Error)?
    }

    @Test func aWaitingCommandReadsTheDevicesOnlyOnceItHoldsTheLock() throws {
        let host = try CLIHost()
        // Another vfioctl holds the lock.
        mkdir(host.state, 0o755)
        let lock = open(host.state + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(lock >= 0)
        defer { close(lock) }
        try #require(flock(lock, LOCK_EX) == 0)

        let outcome = Outcome()
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            do { outcome.run = try host.run(["bind", "0a:00.0", "--driver", "vfio-pci", "--lock-timeout", "30"]) } catch
            { outcome.error = error }
            finished.signal()
        }
        // While it waits, the lock holder binds the card reader to vfio-pci (its driver link and
        // the DRIVER= line of its uevent, as the kernel would show them).
        Thread.sleep(forTimeInterval: 1)
        #expect(finished.wait(timeout: .now()) == .timedOut, "bind did not wait for the lock")
        let device = host.sysfs + "/devices/pci0000:00/0000:00:1b.4/0000:0a:00.0"
        try #require(symlink("../../../../bus/pci/drivers/vfio-pci", device + "/driver") == 0)
        let uevent = try String(contentsOfFile: device + "/uevent", encoding: .utf8)
        try ("DRIVER=vfio-pci\n" + uevent).write(toFile: device + "/uevent", atomically: false, encoding: .utf8)
        flock(lock, LOCK_UN)

        #expect(finished.wait(timeout: .now() + 30) == .success)
        let run = try #require(outcome.run, "\(String(describing: outcome.error))")
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("0000:0a:00.0 unchanged: already on vfio-pci"), "\(run)")
        #expect(!run.stdout.contains("changed while") && !run.stderr.contains("changed while"), "\(run)")
    }
}

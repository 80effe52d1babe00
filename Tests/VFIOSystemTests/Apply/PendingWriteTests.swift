#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// Writes that cannot hang vfioctl: an unbind the kernel blocks (a VFIO user holds the device) is
/// left pending after --timeout, exit 6 naming the write and the holders, nothing more is written,
/// the journal stays, the lock is free; once the user lets go, recovery finishes the job.
@Suite struct PendingWriteTests {
    typealias S = KernelSimulator.Standard

    @Test func aBlockedUnbindExitsSixNamingTheWriteAndTheHolder() throws {
        let f = EngineFixture()
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        f.sim.holdOpen(group: IOMMUGroup(10))
        f.host.openNodes = ["vfio/10": [.init(pid: 4242, command: "qemu-system-x86")]]
        let report = try f.unbind([S.e1000e]) {
            $0.forced = ["open-fd"]; $0.timeout = 0.2
        }
        let error = try #require(report.error)
        #expect(error.status == .timedOut)
        #expect(error.message.contains("/sys/bus/pci/drivers/vfio-pci/unbind"), "\(error)")
        #expect(error.message.contains("pid 4242 (qemu-system-x86) holds /dev/vfio/10"), "\(error)")
        #expect(error.hint?.contains("vfioctl recover") == true)
        #expect(f.sim.pendingWrites == 1)
        #expect(f.sim.blockedUnbinds == 0, "the blocking write was never made in place")
        // After the pending unbind nothing else was written (any write to the device would block).
        let steps = report.devices.flatMap(\.steps)
        #expect(steps.contains { $0.error?.hasPrefix("pending") == true })
        #expect(
            !steps.dropFirst(steps.firstIndex { $0.error?.hasPrefix("pending") == true }! + 1).contains {
                $0.error == nil
            })
        #expect(f.journalExists, "the journal stays for recover")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "vfio-pci", "still bound while the user holds it")
        // The lock is free: another run can take it at once.
        let lock = try f.state.lock(timeout: 0)
        lock.release()

        // The user lets go: the pending unbind returns; recovery then puts the device back as the
        // journal recorded it (on vfio-pci), consistently.
        f.sim.release(group: IOMMUGroup(10))
        #expect(f.sim.pendingWrites == 0)
        #expect(f.sim.driver(of: S.e1000e) == nil, "the unbind completed")
        f.host.openNodes = [:]
        var recovered = OperationReport(operation: "recover", dryRun: false)
        #expect(try f.engine().recoverLocked(forced: [], timeout: 1, report: &recovered))
        #expect(!f.journalExists)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "vfio-pci")
    }

    /// The journal names the pending write (path, value, process, device); a recovery while it is
    /// still blocked waits at most its --timeout, then exits 6 changing nothing and keeping the
    /// journal; once the write returns, recovery finishes.
    @Test func theJournalRecordsThePendingWriteAndRecoveryWaitsForIt() throws {
        let f = EngineFixture()
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        f.sim.holdOpen(group: IOMMUGroup(10))
        let report = try f.unbind([S.e1000e]) {
            $0.forced = ["open-fd"]; $0.timeout = 0.2
        }
        #expect(report.error?.status == .timedOut)
        let journal = try #require(try f.state.readJournal())
        let pending = try #require(journal.pending.first)
        #expect(journal.pending.count == 1)
        #expect(pending.address == S.e1000e)
        #expect(pending.path.hasSuffix("/bus/pci/drivers/vfio-pci/unbind"), "\(pending)")
        #expect(pending.value == S.e1000e.description)
        #expect(f.sim.writeIsPending(pid: pending.pid))

        // recover (and any writing command) while the write is blocked: bounded by its own timeout.
        f.host.openNodes = ["vfio/10": [.init(pid: 4242, command: "qemu-system-x86")]]
        var options = f.options
        options.timeout = 0.3
        let started = Monotonic.now()
        let refused = f.engine().recover(options: options)
        #expect(Monotonic.now() - started < 3, "waited for its --timeout, not forever")
        let error = try #require(refused.error)
        #expect(error.status == .timedOut, "\(error)")
        #expect(error.message.contains("drivers/vfio-pci/unbind"), "\(error)")
        #expect(error.message.contains("pid 4242 (qemu-system-x86)"), "\(error)")
        #expect(f.journalExists)
        let another = try f.bind([S.virtioNet], driver: "vfio-pci") { $0.timeout = 0.3 }
        #expect(another.error?.status == .timedOut, "the next writing command waits for it too")
        #expect(f.sim.driver(of: S.virtioNet)?.rawValue != "vfio-pci", "and writes nothing")

        // status names it
        let transaction = try #require(
            try ManagedStatus.transaction(store: f.state, writeIsPending: f.sim.writeIsPending))
        #expect(transaction.pendingWrites.count == 1 && transaction.pendingWrites[0].blocked)
        #expect(transaction.text.contains("is still blocked in the kernel"), "\(transaction.text)")

        f.sim.release(group: IOMMUGroup(10))
        f.host.openNodes = [:]
        #expect(!f.sim.writeIsPending(pid: pending.pid))
        let recovered = f.engine().recover(options: options)
        #expect(recovered.error == nil, "\(recovered.error?.description ?? "")")
        #expect(recovered.checks.contains { $0.contains("has returned") }, "\(recovered.checks)")
        #expect(!f.journalExists)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "vfio-pci")
    }

    /// Removing VFs (sriov_numvfs = 0) while a VFIO user holds one blocks in the kernel: bounded by
    /// --timeout, exit 6 naming the write, nothing else written, the journal records it.
    @Test func aBlockedVFRemovalExitsSixAndIsJournaled() throws {
        let f = EngineFixture()
        let (vfs, bound, group) = try f.twoVFsOnVFIO()
        f.sim.holdOpen(group: group)
        var options = f.options
        options.forced = ["open-fd"]
        options.timeout = 0.2
        let started = Monotonic.now()
        let report = f.engine().setVirtualFunctions(bound[S.nvme]!, count: 1, inventory: bound, options: options)
        #expect(Monotonic.now() - started < 3)
        let error = try #require(report.error)
        #expect(error.status == .timedOut, "\(error)")
        #expect(error.message.contains("sriov_numvfs"), "\(error)")
        #expect(f.sim.blockedUnbinds == 0, "the blocking write was never made in place")
        // Nothing after the pending write: not the new count, not a rollback.
        #expect(!f.sim.writes.contains { $0.path.hasSuffix("sriov_numvfs") && $0.value == "1" })
        let journal = try #require(try f.state.readJournal())
        #expect(journal.operation == "sriov")
        #expect(journal.pending.map(\.address) == [S.nvme])
        #expect(journal.pending.first?.value == "0")
        #expect(journal.pending.first?.destroys == vfs, "the VFs the removal takes are journaled")
        #expect(Set(try f.state.readManaged().map(\.address)) == Set(vfs), "their records stay while it is blocked")

        f.sim.release(group: group)
        #expect(f.sim.virtualFunctions(of: S.nvme).isEmpty, "the removal completed once the user let go")
        let recovered = f.engine().recover(options: options)
        #expect(recovered.error == nil, "\(recovered.error?.description ?? "")")
        #expect(!f.journalExists)
        // As a removal that returned at once: the destroyed VFs are no longer managed.
        let records = try f.state.readManaged()
        #expect(records.isEmpty, "\(records)")
        #expect(recovered.checks.contains { $0.hasPrefix("dropped the records of \(vfs[0])") }, "\(recovered.checks)")
        // Only a pending write was journaled: it completed, and nothing was rolled back.
        #expect(
            recovered.checks.last
                == "the pending write of the interrupted 'sriov' of pid \(journal.pid) completed; nothing to roll back",
            "\(recovered.checks)")
        #expect(!recovered.checks.contains { $0.contains("rolled back") })
    }

    /// `reset` finishes an interrupted run first, as the other writing commands do: while the
    /// write it left is still blocked, exit 6 naming it, bounded by --timeout, nothing written (a
    /// reset would block behind it) and the journal kept; once it returned, the journal goes and
    /// the reset is made.
    @Test func aResetWaitsForAPendingWriteFirst() throws {
        let f = EngineFixture()
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        f.sim.holdOpen(group: IOMMUGroup(10))
        #expect(
            try f.unbind([S.e1000e]) {
                $0.forced = ["open-fd"]; $0.timeout = 0.2
            }.error?.status == .timedOut)
        let reset = DeviceReset(kernel: f.sim, store: f.state, host: f.host, vfioDrivers: VFIODriverSet(sysfs: f.sim))
        let writes = f.sim.writes.count
        let started = Monotonic.now()
        #expect {
            try reset.lock(timeout: 0.3, lockTimeout: 1, dryRun: false)
        } throws: { error in
            let error = error as! VFIOError
            return error.status == .timedOut && error.message.contains("drivers/vfio-pci/unbind")
        }
        #expect(Monotonic.now() - started < 3)
        #expect(f.sim.writes.count == writes, "nothing written")
        #expect(f.journalExists)
        let free = try f.state.lock(timeout: 0)
        free.release()

        f.sim.release(group: IOMMUGroup(10))
        let locked = try reset.lock(timeout: 0.3, lockTimeout: 1, dryRun: false)
        defer { locked.release() }
        #expect(!f.journalExists)
        #expect(locked.notes.contains { $0.contains("has returned") }, "\(locked.notes)")
        let device = try #require(try f.sim.inventory()[S.e1000e])
        // The simulated device answers a reset with EOPNOTSUPP: what counts is that it was written.
        _ = try? reset.reset(device, forced: [], timeout: 1, locked: locked)
        #expect(f.sim.writes.contains { $0.path.hasSuffix("0000:01:00.0/reset") && $0.value == "1" })
    }

    /// A listed VF that still exists (the removal failed) keeps its record.
    @Test func aVFTheRemovalDidNotDestroyKeepsItsRecord() throws {
        let f = EngineFixture()
        let (vfs, _, _) = try f.twoVFsOnVFIO()
        try f.state.recordPendingWrite(
            .init(address: S.nvme, path: "/sys/x/sriov_numvfs", value: "0", pid: 999_999_999, destroys: vfs),
            operation: "sriov", started: 0)
        var report = OperationReport(operation: "recover", dryRun: false)
        #expect(try f.engine().recoverLocked(forced: [], timeout: 1, report: &report))
        #expect(Set(try f.state.readManaged().map(\.address)) == Set(vfs))
        #expect(!f.journalExists)
    }

    /// A journal's `[[pending]]` table survives encoding, and a malformed one is refused.
    @Test func pendingTablesRoundTripAndMalformedOnesAreRefused() throws {
        let journal = Journal(
            operation: "unbind", pid: 42, started: 7, entries: [],
            pending: [
                .init(address: S.e1000e, path: "/sys/bus/pci/drivers/vfio-pci/unbind", value: "a\"b\\c\n", pid: 9),
                .init(address: nil, path: "/sys/x", value: "1", pid: 10),
                .init(address: S.nvme, path: "/sys/y/sriov_numvfs", value: "0", pid: 11, destroys: [S.e1000e, S.nvme])
            ])
        #expect(try Journal.decode(journal.encoded(), file: "j") == journal)
        for bad in [
            "pid = 1\n[[pending]]\npath = \"/sys/x\"\nvalue = \"1\"\n",
            "pid = 1\n[[pending]]\npath = \"/sys/x\"\nvalue = \"1\"\npid = 0\n",
            "pid = 1\n[[pending]]\npath = \"/sys/x\"\nvalue = \"1\"\npid = 99999999999\n",
            "pid = 1\n[[pending]]\npath = \"/sys/x\"\nvalue = \"1\"\npid = 3\nextra = 1\n",
            "pid = 1\n[[pending]]\naddress = \"nope\"\npath = \"/sys/x\"\nvalue = \"1\"\npid = 3\n",
            "pid = 1\n[[pending]]\npath = \"/sys/x\"\nvalue = \"1\"\npid = 3\ndestroys = [\"nope\"]\n",
            "pid = 1\n[[pending]]\npath = \"/sys/x\"\nvalue = \"1\"\npid = 3\ndestroys = \"0000:01:00.0\"\n"
        ] {
            #expect(throws: VFIOError.self, "\(bad)") { try Journal.decode(bad, file: "j") }
        }
    }

    /// A pending write's process is recognised by its program (a fake /proc): a pid the system
    /// gave to another program, a zombie or no process at all is not a pending write; one whose
    /// program cannot be read counts as pending (nothing is written while in doubt).
    @Test func aPendingWritesProcessIsThisProgram() throws {
        let proc = try SafetyScratchTree()
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let own = String(decoding: buffer[..<max(count, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        try proc.link("100/exe", to: own)
        try proc.link("101/exe", to: "/usr/bin/sleep")
        try proc.directory("102")  // a zombie: no exe link
        #expect(ChildWrite.isRunning(100, proc: proc.root))
        #expect(!ChildWrite.isRunning(101, proc: proc.root), "the pid runs another program now")
        #expect(!ChildWrite.isRunning(102, proc: proc.root))
        #expect(!ChildWrite.isRunning(103, proc: proc.root), "no such process")
        #expect(!ChildWrite.isRunning(0, proc: proc.root))
        #expect(!ChildWrite.isRunning(-5, proc: proc.root))
        #expect(!ChildWrite.isRunning(Int(Int32.max) + 1, proc: proc.root))
        #expect(ChildWrite.isRunning(Int(getpid())), "the live /proc: this very process")
    }
}

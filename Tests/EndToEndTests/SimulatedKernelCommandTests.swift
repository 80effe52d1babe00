#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import TestSupport
import VFIOCommands
import VFIOCore
import VFIOSystem

/// Commands run in-process against the kernel simulator through the command context: the writes
/// reach a kernel that reacts as Linux does (a tree on disk has nothing behind it), the clock is
/// fixed, and what the commands print is compared whole.
@Suite struct SimulatedKernelCommandTests {
    typealias S = KernelSimulator.Standard

    /// The standard simulated machine, a module directory that knows its drivers, a state
    /// directory, and a context over all of it whose clock reads 2026-01-02 03:04:05 UTC.
    final class Machine: @unchecked Sendable {
        let sim = KernelSimulator.standard()
        let directory: TemporaryDirectory
        static let now = 1_767_323_045
        /// How many times a command captured the host's state (mounts, addresses, open nodes).
        let hostCaptures = Atomic<Int>(0)
        /// The dev directory for the owners of VFIO nodes (`bind --owner`, `status`): the test's own,
        /// never the host's /dev (the simulated kernel's nodes are not there).
        lazy var devRoot = directory.path + "/dev"
        /// What a capture finds; nothing unless a test says so.
        let host = Mutex(HostState())

        init() throws {
            directory = try TemporaryDirectory(prefix: "vfioctl-sim")
            let modules = directory.path + "/modules"
            try TemporaryDirectory.makeDirectory(modules)
            try Self.write(
                modules + "/modules.dep",
                ["vfio_pci", "pci_stub", "e1000e", "e1000", "8139cp", "nvme"]
                    .map { "kernel/\($0).ko:\n" }.joined())
            try Self.write(modules + "/modules.builtin", "kernel/drivers/pci/pcie/portdrv.ko\n")
            try Self.write(
                modules + "/modules.alias",
                """
                alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci
                alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e

                """)
            try TemporaryDirectory.makeDirectory(directory.path + "/modprobe.d")
        }

        deinit { directory.remove() }

        static func write(_ path: String, _ text: String) throws {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw VFIOError(.failed, "cannot create \(path)") }
            defer { close(fd) }
            _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        }

        func run(_ arguments: [String]) -> CLIRun {
            let stdout = OutputBuffer(), stderr = OutputBuffer()
            let sim = self.sim
            var context = CommandContext(
                kernel: { _ in sim },
                enumerate: { (_, hostUse, pending) throws(VFIOError) in
                    try SysfsWalkEnumerator(sysfs: sim, userGivenRoot: true, hostUse: hostUse, pendingWrites: pending)
                        .enumerate()
                },
                hostState: { _, _ in
                    self.hostCaptures.add(1, ordering: .relaxed)
                    return self.host.withLock { $0 }
                },
                stateStore: { StateStore(directory: $0) },
                standardOutput: stdout.stream, standardError: stderr.stream,
                environment: [
                    "VFIOCTL_MODULES_DIR": directory.path + "/modules", "VFIOCTL_STATE_DIR": directory.path + "/state",
                    "VFIOCTL_SYSTEM_RULES": "0", "VFIOCTL_MODPROBE_DIRS": directory.path + "/modprobe.d"
                ],
                clock: { Self.now })
            context.waitsForUdev = false
            let devRoot = self.devRoot
            context.deviceNodes = { _ in LiveDeviceNodes(devRoot: devRoot) }
            let status = VFIOCtl.main(arguments, context: context)
            return CLIRun(status: status, stdout: stdout.text, stderr: stderr.text)
        }
    }

    @Test func listReadsTheSimulatedMachine() throws {
        let machine = try Machine()
        let run = machine.run(["list", "--numeric", "--class", "net"])
        #expect(run.status == 0, "\(run)")
        #expect(
            run.stdout == """
                ADDRESS       CLASS  IDS        DRIVER      GROUP  OVERRIDE  SR-IOV  DESCRIPTION
                0000:01:00.0  0200   8086:10d3  e1000e      10     -         -
                0000:02:00.0  0200   1af4:1041  virtio-pci  11     -         -
                0000:05:01.0  0200   8086:100e  e1000       13     -         -
                0000:05:02.0  0200   10ec:8139  8139cp      13     -         -
                0000:06:00.0  0200   1af4:1041  virtio-pci  14     -         -

                """, "\(run)")
        #expect(run.stderr.isEmpty)
    }

    /// While an unbind is blocked in the kernel (a VFIO user holds the device), `list`, `show` and
    /// `status` return without reading what waits for the device's lock (driver_override), and
    /// say the write is pending: JSON `pending_write`, a warning, show's `Pending write:` line.
    @Test func readOnlyCommandsDoNotWaitForADeviceWithAPendingWrite() throws {
        let machine = try Machine()
        #expect(machine.run(["bind", "01:00.0"]).status == 0)
        machine.sim.holdOpen(group: IOMMUGroup(10))
        let unbind = machine.run(["unbind", "01:00.0", "--force", "open-fd", "--timeout", "0.2"])
        #expect(unbind.status == 6, "\(unbind)")
        for arguments in [["list", "--json"], ["show", "01:00.0", "--json"], ["status", "--json"], ["show", "01:00.0"]]
        {
            let run = machine.run(arguments)
            #expect(run.status == 0, "\(arguments): \(run)")
            #expect(run.stderr.contains("0000:01:00.0: the write \"0000:01:00.0\" > "), "\(arguments): \(run)")
            #expect(run.stderr.contains("is still blocked in the kernel"), "\(arguments): \(run)")
        }
        #expect(machine.sim.blockedReads == 0, "a read would have waited for the pending unbind")
        let show = machine.run(["show", "01:00.0", "--json"])
        let device = try #require(show.json?["device"] as? [String: Any])
        #expect((device["pending_write"] as? String)?.contains("drivers/vfio-pci/unbind") == true, "\(show)")
        let list = machine.run(["list", "--json"])
        let devices = try #require(list.json?["devices"] as? [[String: Any]])
        #expect(devices.filter { $0["pending_write"] != nil }.map { $0["address"] as? String } == ["0000:01:00.0"])
        #expect(machine.run(["show", "01:00.0"]).stdout.contains("Pending write:"))
        // Commands that read named devices (not every device) read the device the same way.
        for arguments in [["list", "01:00.0"], ["plan", "01:00.0"], ["recover", "--dry-run"]] {
            let run = machine.run(arguments)
            #expect(run.status == 0, "\(arguments): \(run)")
            #expect(machine.sim.blockedReads == 0, "\(arguments) would have waited for the pending unbind: \(run)")
        }
        // A dry run of a writing command waits for the write first, as the real run's recovery
        // does, within its --timeout: exit 6 naming it, nothing read that would wait, nothing written.
        for arguments in [["bind", "01:00.0", "--dry-run"], ["unbind", "01:00.0", "--dry-run"]] {
            let run = machine.run(arguments + ["--timeout", "0.2"])
            #expect(run.status == 6, "\(arguments): \(run)")
            #expect(run.stderr.contains("still blocked in the kernel"), "\(arguments): \(run)")
            #expect(machine.sim.blockedReads == 0, "\(arguments) would have waited for the pending unbind: \(run)")
        }
        let recover = machine.run(["recover", "--dry-run"])
        #expect(recover.stdout.contains("the devices are read once the write returns"), "\(recover)")

        // Once the user lets go the write returns: everything is read again.
        machine.sim.release(group: IOMMUGroup(10))
        let after = machine.run(["show", "01:00.0", "--json"])
        #expect(!after.stderr.contains("still blocked"), "\(after)")
        #expect((after.json?["device"] as? [String: Any])?["pending_write"] == nil, "\(after)")
    }

    /// The reads a writing command makes before its lock (the check that a glob names a device, the
    /// devices `apply --device` filters by) skip a device that the journal of the command's own
    /// `--state-dir` names with a pending write, not only one of the default state directory's.
    @Test func readsBeforeTheLockHonourTheCommandsStateDirectory() throws {
        let machine = try Machine()
        let other = machine.directory.path + "/other-state"
        #expect(machine.run(["bind", "01:00.0", "--state-dir", other]).status == 0)
        machine.sim.holdOpen(group: IOMMUGroup(10))
        let unbind = machine.run(["unbind", "01:00.0", "--force", "open-fd", "--timeout", "0.2", "--state-dir", other])
        #expect(unbind.status == 6, "\(unbind)")
        let state = machine.directory.path + "/state.toml"
        try Machine.write(
            state, "[[device]]\naddress = \"0000:01:00.0\"\nvendor = \"8086\"\ndevice = \"10d3\"\nstate = \"vfio\"\n")
        // The engine's commands wait for the write in their dry run too (exit 6); a dry run of
        // `reset` waits for nothing and reads the device without its lock-taking attributes.
        for (arguments, status) in [
            (["bind", "0000:01:00.*", "--dry-run"], 6), (["unbind", "0000:01:00.*", "--dry-run"], 6),
            (["apply", state, "--device", "0000:01:00.*", "--dry-run"], 6), (["reset", "0000:01:00.*", "--dry-run"], 0)
        ] {
            let run = machine.run(arguments + ["--timeout", "0.2", "--state-dir", other])
            #expect(run.status == status, "\(arguments): \(run)")
            #expect(machine.sim.blockedReads == 0, "\(arguments) would have waited for the pending unbind: \(run)")
        }
        machine.sim.release(group: IOMMUGroup(10))
    }

    @Test func bindLoadsTheModuleMovesTheDeviceAndRecordsItWithTheContextsClock() throws {
        let machine = try Machine()
        let bind = machine.run(["bind", "01:00.0"])
        #expect(bind.status == 0, "\(bind)")
        #expect(bind.stdout == "0000:01:00.0 e1000e -> vfio-pci (group 10, /dev/vfio/10, /dev/vfio/vfio)\n", "\(bind)")
        #expect(machine.sim.driver(of: S.e1000e) == .vfioPCI)
        #expect(machine.sim.moduleLoads.map(\.rawValue) == ["vfio_pci"])

        let status = machine.run(["status", "--json"])
        #expect(status.status == 0, "\(status)")
        #expect(status.stdout.contains("\"since\": \"2026-01-02T03:04:05Z\""), "\(status)")

        let unbind = machine.run(["unbind", "01:00.0"])
        #expect(unbind.status == 0, "\(unbind)")
        #expect(
            unbind.stdout == "0000:01:00.0 vfio-pci -> e1000e (group 10): back to its recorded driver\n", "\(unbind)")
        #expect(machine.sim.driver(of: S.e1000e) == DriverName("e1000e"))
        #expect(machine.sim.override(of: S.e1000e) == nil)
    }

    @Test func aRefusedBindChangesNothingAndSaysWhy() throws {
        let machine = try Machine()
        let writesBefore = machine.sim.writeCount
        let run = machine.run(["bind", "05:01.0", "--driver", "vfio-pci"])
        #expect(run.status == ExitStatus.refused.rawValue, "\(run)")
        #expect(run.stderr.hasPrefix("vfioctl: error: "), "\(run)")
        #expect(run.stderr.contains("group-not-viable"), "\(run)")
        #expect(machine.sim.writeCount == writesBefore)
    }

    @Test func aFailedProbeRollsBackThroughTheCommand() throws {
        let machine = try Machine()
        machine.sim.failProbe(driver: .vfioPCI, device: S.virtioNet, errno: EIO)
        let run = machine.run(["bind", "01:00.0", "02:00.0", "--driver", "vfio-pci", "--json"])
        #expect(run.status == ExitStatus.failed.rawValue, "\(run)")
        #expect(run.json?["changed"] as? Bool == false, "\(run)")
        #expect(run.device("0000:01:00.0")?["status"] as? String == "rolled_back", "\(run)")
        #expect(machine.sim.driver(of: S.e1000e) == DriverName("e1000e"))
        #expect(machine.sim.driver(of: S.virtioNet) == DriverName("virtio-pci"))
    }

    /// A device without a driver has no host users: binding only such devices reads nothing of the
    /// host (mounts, addresses, every process's open files).
    @Test func bindingOnlyDriverlessDevicesDoesNotCaptureTheHost() throws {
        let machine = try Machine()
        let run = machine.run(["bind", "00:05.0", "--driver", "vfio-pci"])
        #expect(run.status == 0, "\(run)")
        #expect(machine.sim.driver(of: S.edu) == .vfioPCI)
        #expect(machine.hostCaptures.load(ordering: .relaxed) == 0)
    }

    /// A device on a driver may have host users only the capture shows: it is captured, and what it
    /// finds refuses the bind as before.
    @Test func bindingADeviceOnADriverCapturesTheHostAndRefusesWhatItFinds() throws {
        let machine = try Machine()
        machine.host.withLock {
            $0.deviceNodes = [S.e1000e: ["vfio/devices/vfio0"]]
            $0.openNodes = ["vfio/devices/vfio0": [HostState.NodeHolder(pid: 7, command: "qemu-system-x86")]]
        }
        let writesBefore = machine.sim.writeCount
        let run = machine.run(["bind", "01:00.0", "00:05.0", "--driver", "vfio-pci"])
        #expect(run.status == ExitStatus.refused.rawValue, "\(run)")
        #expect(
            run.stderr.contains(
                "0000:01:00.0: pid 7 (qemu-system-x86) holds /dev/vfio/devices/vfio0 (override with --force open-fd)"),
            "\(run)")
        #expect(machine.sim.writeCount == writesBefore)
        #expect(machine.hostCaptures.load(ordering: .relaxed) == 1)
    }

    /// Group companions are moved too, so one on a driver makes the capture needed even when the
    /// device asked for has none (the bridge 04:00.0, group 13 with e1000 and 8139cp).
    @Test func aCompanionOnADriverCapturesTheHost() throws {
        let machine = try Machine()
        let run = machine.run(["bind", "04:00.0", "--group", "--driver", "vfio-pci"])
        #expect(run.status == ExitStatus.refused.rawValue, "\(run)")
        #expect(machine.hostCaptures.load(ordering: .relaxed) == 1)
    }
}

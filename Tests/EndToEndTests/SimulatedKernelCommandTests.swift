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
                enumerate: { (_, hostUse) throws(VFIOError) in
                    try SysfsWalkEnumerator(sysfs: sim, userGivenRoot: true, hostUse: hostUse).enumerate()
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

#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import VFIOCore
import VFIOSystem

/// `bind --owner/--mode` through the command, on the simulated kernel, with a dev directory of the
/// test's own for the nodes (mknod: root only), and its usage errors.
@Suite struct OwnershipCommandTests {
    typealias Machine = SimulatedKernelCommandTests.Machine
    static let isRoot = geteuid() == 0

    /// The machine with `dev/vfio/10`, the e1000e's group node, as the kernel makes it (0600 root).
    static func machine(node: Bool = true) throws -> Machine {
        let machine = try Machine()
        let dev = machine.directory.path + "/dev"
        mkdir(dev, 0o755)
        mkdir(dev + "/vfio", 0o755)
        if node { #expect(mknod(dev + "/vfio/10", S_IFCHR | 0o600, dev_t((240 << 8) | 10)) == 0) }
        #expect(machine.devRoot == dev)
        return machine
    }

    /// A state file with the e1000e wanted on VFIO, given to `owner` (and `mode`).
    static func ownedE1000e(_ owner: String, mode: String? = nil) -> String {
        "[[device]]\naddress = \"0000:01:00.0\"\nvendor = \"8086\"\ndevice = \"10d3\"\nstate = \"vfio\"\n"
            + "owner = \"\(owner)\"\n" + (mode.map { "mode = \"\($0)\"\n" } ?? "")
    }

    func stat(_ path: String) -> Glibc.stat {
        var info = Glibc.stat()
        _ = lstat(path, &info)
        return info
    }

    @Test(.enabled(if: isRoot, "mknod needs root")) func bindSetsTheOwnerOnceAndStatusShowsIt() throws {
        let machine = try Self.machine()
        let node = machine.directory.path + "/dev/vfio/10"
        let bind = machine.run(["bind", "01:00.0", "--owner", "4321:8765", "--mode", "0660"])
        #expect(bind.status == 0, "\(bind)")
        #expect(bind.stdout.contains("owner /dev/vfio/10 4321:8765 0660 (set)"), "\(bind)")
        #expect(bind.stdout.contains("locked-memory limit"), "\(bind)")
        let info = stat(node)
        #expect(info.st_uid == 4321 && info.st_gid == 8765 && info.st_mode & 0o7777 == 0o660)

        let again = machine.run(["bind", "01:00.0", "--owner", "4321:8765", "--mode", "0660", "--json"])
        #expect(again.status == 0, "\(again)")
        #expect(again.json?["changed"] as? Bool == false, "\(again)")
        let owners = again.device("0000:01:00.0")?["node_owners"] as? [[String: Any]]
        #expect(owners?.first?["changed"] as? Bool == false, "\(again)")
        #expect(owners?.first?["mode"] as? String == "0660", "\(again)")

        let status = machine.run(["status"])
        #expect(status.stdout.contains("/dev/vfio/10[4321:8765 0660]"), "\(status)")
        let json = machine.run(["status", "--json"])
        #expect(json.stdout.contains("\"node_owners\""), "\(json)")
    }

    @Test(.enabled(if: isRoot, "mknod needs root")) func showPrintsTheNodesOwnerAsStatusDoes() throws {
        let machine = try Self.machine()
        #expect(machine.run(["bind", "01:00.0"]).status == 0)
        let kernels = machine.run(["show", "01:00.0"])
        #expect(
            kernels.stdout.contains("/dev/vfio/10 /dev/vfio/vfio"), "the kernel's own owner is not repeated: \(kernels)"
        )
        let rootJSON = machine.run(["show", "01:00.0", "--json"])
        let rootOwners = (rootJSON.json?["device"] as? [String: Any])?["node_owners"] as? [[String: Any]]
        #expect(rootOwners?.first?["mode"] as? String == "0600", "\(rootJSON)")

        #expect(machine.run(["bind", "01:00.0", "--owner", "4321:8765", "--mode", "0660"]).status == 0)
        let show = machine.run(["show", "01:00.0"])
        #expect(show.status == 0, "\(show)")
        #expect(show.stdout.contains("/dev/vfio/10[4321:8765 0660] /dev/vfio/vfio"), "\(show)")
        let json = machine.run(["show", "01:00.0", "--json"])
        let owners = (json.json?["device"] as? [String: Any])?["node_owners"] as? [[String: Any]]
        #expect(owners?.count == 1, "\(json)")
        #expect(owners?.first?["path"] as? String == "/dev/vfio/10", "\(json)")
        #expect(owners?.first?["uid"] as? Int == 4321 && owners?.first?["gid"] as? Int == 8765, "\(json)")
        #expect(owners?.first?["mode"] as? String == "0660", "\(json)")
        #expect(owners?.first?["changed"] == nil, "show changes nothing: \(json)")

        let unbound = machine.run(["show", "02:00.0", "--json"])
        #expect(((unbound.json?["device"] as? [String: Any])?["node_owners"] as? [Any])?.isEmpty == true, "\(unbound)")
    }

    @Test(.enabled(if: isRoot, "mknod needs root")) func aBoundDeviceGetsItsOwnerWithoutBeingMoved() throws {
        let machine = try Self.machine()
        #expect(machine.run(["bind", "01:00.0"]).status == 0)
        let writes = machine.sim.writeCount
        let bind = machine.run(["bind", "01:00.0", "--owner", "4321"])
        #expect(bind.status == 0, "\(bind)")
        #expect(bind.stdout.contains("unchanged"), "\(bind)")
        #expect(stat(machine.directory.path + "/dev/vfio/10").st_uid == 4321)
        #expect(stat(machine.directory.path + "/dev/vfio/10").st_gid == 0, "USER alone keeps the group")
        #expect(machine.sim.writeCount == writes)
    }

    @Test(.enabled(if: isRoot, "mknod needs root")) func saveKeepsTheOwnerAsWritten() throws {
        let machine = try Self.machine()
        let file = machine.directory.path + "/saved.toml"
        let bind = machine.run(["bind", "01:00.0", "--owner", "4321:", "--mode", "660", "--save", "--state-file", file])
        #expect(bind.status == ExitStatus.usage.rawValue, "a USER: without a passwd entry has no login group: \(bind)")
        let saved = machine.run([
            "bind", "01:00.0", "--owner", "4321:8765", "--mode", "660", "--save", "--state-file", file
        ])
        #expect(saved.status == 0, "\(saved)")
        let text = try #require(try? TextFile.read(file))
        #expect(text.contains("owner = \"4321:8765\"\nmode = \"0660\""), "\(text)")
        let state = try DesiredState.parse(text, file: file)
        #expect(state.entries.first?.owner == OwnerSpec(user: .id(4321), group: .account(.id(8765))))
    }

    @Test(.enabled(if: isRoot, "mknod needs root")) func applySetsTheEntrysOwnerAndDiffCountsIt() throws {
        let machine = try Self.machine()
        let file = machine.directory.path + "/state.toml"
        try Machine.write(file, Self.ownedE1000e("4321:8765", mode: "0640"))
        #expect(machine.run(["bind", "01:00.0"]).status == 0)
        let diff = machine.run(["diff", file])
        #expect(diff.status == ExitStatus.changesPending.rawValue, "only the owner differs: \(diff)")
        #expect(diff.stdout.contains("owner /dev/vfio/10 root:root 0600 (now; would set 4321:8765 0640)"), "\(diff)")
        #expect(stat(machine.directory.path + "/dev/vfio/10").st_uid == 0, "diff sets nothing")
        let apply = machine.run(["apply", file])
        #expect(apply.status == 0, "\(apply)")
        let info = stat(machine.directory.path + "/dev/vfio/10")
        #expect(info.st_uid == 4321 && info.st_gid == 8765 && info.st_mode & 0o7777 == 0o640)
        #expect(machine.run(["diff", file]).status == 0, "nothing pending once applied")
    }

    @Test func somethingPlantedAtTheGroupNodeRefusesTheBindBeforeAnyWrite() throws {
        let machine = try Self.machine(node: false)
        close(open(machine.directory.path + "/dev/vfio/10", O_CREAT | O_WRONLY, 0o600))
        let writes = machine.sim.writeCount
        let bind = machine.run(["bind", "01:00.0", "--owner", "4321"])
        #expect(bind.status == ExitStatus.refused.rawValue, "\(bind)")
        #expect(bind.stderr.contains("not a character device"), "\(bind)")
        #expect(machine.sim.writeCount == writes)
        #expect(machine.sim.driver(of: KernelSimulator.Standard.e1000e) == DriverName("e1000e"))
        #expect(stat(machine.directory.path + "/dev/vfio/10").st_uid == 0)
    }

    /// The managed records in the machine's state directory.
    func records(_ machine: Machine) throws -> [ManagedDevice] {
        try StateStore(directory: machine.directory.path + "/state").readManaged()
    }

    @Test func aNodeMissingAfterTheBindPutsTheDeviceBackAndRecordsNothing() throws {
        let machine = try Self.machine(node: false)
        let bind = machine.run(["bind", "01:00.0", "--owner", "4321", "--json"])
        #expect(bind.status == ExitStatus.failed.rawValue, "\(bind)")
        #expect(bind.stdout.contains("/dev/vfio/10 does not exist"), "\(bind)")
        #expect(bind.device("0000:01:00.0")?["status"] as? String == "rolled_back", "\(bind)")
        #expect(machine.sim.driver(of: KernelSimulator.Standard.e1000e) == DriverName("e1000e"))
        #expect(machine.sim.override(of: KernelSimulator.Standard.e1000e) == nil)
        #expect(try records(machine).isEmpty, "a rolled-back bind leaves no managed record")
        #expect(access(machine.directory.path + "/state/journal.toml", F_OK) != 0, "the journal is gone")
    }

    @Test(.enabled(if: isRoot, "mknod needs root")) func aFailedOwnerGivesBackTheNodesAlreadyGiven() throws {
        let machine = try Self.machine()
        #expect(machine.run(["bind", "01:00.0"]).status == 0)
        let before = try records(machine)
        // The e1000e stays bound, its node given first; the virtio-net's node never appears.
        let bind = machine.run(["bind", "01:00.0", "02:00.0", "--owner", "4321:8765", "--mode", "0660"])
        #expect(bind.status == ExitStatus.failed.rawValue, "\(bind)")
        #expect(bind.stderr.contains("0000:02:00.0: /dev/vfio/11 does not exist"), "\(bind)")
        let info = stat(machine.directory.path + "/dev/vfio/10")
        #expect(info.st_uid == 0 && info.st_gid == 0 && info.st_mode & 0o7777 == 0o600, "given back")
        #expect(machine.sim.driver(of: KernelSimulator.Standard.e1000e) == DriverName("vfio-pci"))
        #expect(machine.sim.driver(of: KernelSimulator.Standard.virtioNet) == DriverName("virtio-pci"))
        #expect(try records(machine).map(\.address) == before.map(\.address))
    }

    @Test func aRollbackThatFailsToSaysSoAndKeepsTheJournal() throws {
        let machine = try Self.machine(node: false)
        // e1000e refuses to probe again: putting the device back fails.
        machine.sim.failProbe(driver: DriverName("e1000e")!, device: KernelSimulator.Standard.e1000e, errno: EIO)
        let bind = machine.run(["bind", "01:00.0", "--owner", "4321"])
        #expect(bind.status == ExitStatus.failed.rawValue, "\(bind)")
        #expect(bind.stderr.contains("/dev/vfio/10 does not exist; putting back 0000:01:00.0"), "\(bind)")
        #expect(bind.stderr.contains("vfioctl recover"), "\(bind)")
        #expect(access(machine.directory.path + "/state/journal.toml", F_OK) == 0, "kept for recover")
    }

    @Test func applyPutsBackWhatItBoundWhenTheOwnerFails() throws {
        let machine = try Self.machine(node: false)
        let file = machine.directory.path + "/state.toml"
        try Machine.write(file, Self.ownedE1000e("4321"))
        let apply = machine.run(["apply", file])
        #expect(apply.status == ExitStatus.failed.rawValue, "\(apply)")
        #expect(machine.sim.driver(of: KernelSimulator.Standard.e1000e) == DriverName("e1000e"))
        #expect(try records(machine).isEmpty)
    }

    @Test(arguments: [
        (["--owner", "vfioctl-no-such-user-x"], "unknown user 'vfioctl-no-such-user-x'"),
        (["--owner", "root:vfioctl-no-such-group"], "unknown group 'vfioctl-no-such-group'"),
        (["--owner", "al\"ice"], "invalid user name"),
        (["--owner", ":"], "invalid owner"),
        (["--mode", "0660"], "--mode needs --owner"),
        (["--owner", "root", "--mode", "0666"], "other users"),
        (["--owner", "root", "--mode", "4660"], "setuid"),
        (["--owner", "root", "--driver", "pci-stub"], "does not go with --driver 'pci-stub'"),
        (["--owner", "root", "--driver", "none"], "does not go with --driver 'none'"),
        (["--owner", "root", "--driver", "e1000e"], "does not go with --driver 'e1000e'")
    ])
    func badOwnershipIsAUsageErrorBeforeAnything(_ options: [String], _ message: String) throws {
        let machine = try Machine()
        let writes = machine.sim.writeCount
        let run = machine.run(["bind", "01:00.0"] + options)
        #expect(run.status == ExitStatus.usage.rawValue, "\(run)")
        #expect(run.stderr.contains(message), "\(run)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run)")
        #expect(machine.sim.writeCount == writes)
    }
}

/// `persist enable` of a state file with `owner`: the udev rules that give re-created nodes their
/// owner, in the hot-plug rule file; an unknown user refuses the whole enable.
@Suite struct PersistOwnershipTests {
    static func stateFile(_ host: CLIHost, owner: String) throws -> String {
        let file = host.root + "/owned.toml"
        let text = """
            [[device]]
            address = "0000:0a:00.0"
            vendor = "10ec"
            device = "525a"
            state = "vfio"
            owner = "\(owner)"
            mode = "0660"

            [[device]]
            ids = "8086:1533"
            state = "vfio"
            owner = "root"

            """
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return file
    }

    @Test func theRulesFileGetsTheOwnersRules() throws {
        let host = try CLIHost()
        let image = host.root + "/image"
        let run = try host.run([
            "persist", "enable", try Self.stateFile(host, owner: "root:root"), "--root", image, "--binary",
            CLIHost.binary, "--late-only"
        ])
        #expect(run.status == 0, "\(run)")
        let fd = open(image + "/etc/udev/rules.d/70-vfioctl.rules", O_RDONLY)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 65536)
        let count = read(fd, &bytes, bytes.count)
        let rules = String(decoding: bytes.prefix(max(0, count)), as: UTF8.self)
        #expect(
            rules.contains(
                #"SUBSYSTEM=="vfio", KERNEL=="[0-9]*", TEST=="/sys/kernel/iommu_groups/%k/devices/0000:0a:00.0", OWNER="root", GROUP="root", MODE="0660""#
            ), "\(rules)")
        #expect(rules.contains(#"SUBSYSTEM=="vfio-dev", KERNELS=="0000:0a:00.0", OWNER="root""#), "\(rules)")
        #expect(rules.contains("# state file line 9 (ids 8086:1533): its owner is set by 'vfioctl apply'"), "\(rules)")
        #expect(rules.contains("RUN+="), "the hot-plug rule is still there")
    }

    static func contents(_ path: String) -> String? { try? TextFile.read(path) }

    /// The workstation's NIC with an owner, as `bind --save --owner` writes it.
    static func ownedNIC(_ owner: String = "root:root") -> String {
        """
        [[device]]
        address = "0000:09:00.0"
        vendor = "8086"
        device = "10d3"
        state = "vfio"
        owner = "\(owner)"
        mode = "0660"

        """
    }

    @Test func addAndRemoveOfTheInstalledFileKeepItsOwnerRulesInStep() throws {
        let host = try CLIHost()
        let image = host.root + "/image"
        let source = host.root + "/owned.toml"
        try SimulatedKernelCommandTests.Machine.write(source, Self.ownedNIC())
        let enable = try host.run([
            "persist", "enable", source, "--root", image, "--binary", CLIHost.binary, "--late-only"
        ])
        #expect(enable.status == 0, "\(enable)")
        let rulesPath = image + "/etc/udev/rules.d/70-vfioctl.rules"
        let statePath = image + "/etc/vfioctl/state.toml"
        let installed = try #require(Self.contents(rulesPath))
        #expect(installed.contains(#"KERNELS=="0000:09:00.0", OWNER="root", GROUP="root", MODE="0660""#))
        let status = try host.run(["persist", "status", "--root", image, "--json"])
        #expect(status.json?["owner_rules_current"] as? Bool == true, "\(status)")

        // A dry run says what would change in both files and writes neither.
        let dry = try host.run(["persist", "remove", "09:00.0", "--root", image, "--dry-run"])
        #expect(dry.status == 0, "\(dry)")
        #expect(dry.stdout.contains("\(statePath): would remove 0000:09:00.0"), "\(dry)")
        #expect(dry.stdout.contains("would install /etc/udev/rules.d/70-vfioctl.rules"), "\(dry)")
        #expect(Self.contents(rulesPath) == installed)
        #expect(Self.contents(statePath) == Self.ownedNIC())

        let remove = try host.run(["persist", "remove", "09:00.0", "--root", image])
        #expect(remove.status == 0, "\(remove)")
        #expect(remove.stdout.contains("installed /etc/udev/rules.d/70-vfioctl.rules"), "\(remove)")
        let removed = try #require(Self.contents(rulesPath))
        #expect(!removed.contains("0000:09:00.0"), "\(removed)")
        #expect(removed.contains("RUN+="), "the hot-plug rule stays: \(removed)")

        // An entry without an owner changes no rule: the file is not rewritten.
        let add = try host.run(["persist", "add", "09:00.0", "--root", image])
        #expect(add.status == 0, "\(add)")
        #expect(!add.stdout.contains("installed"), "\(add)")
        #expect(Self.contents(rulesPath) == removed)

        // Drift: the state file given an owner by hand; status says so; enable puts it right.
        try SimulatedKernelCommandTests.Machine.write(statePath, Self.ownedNIC())
        let drift = try host.run(["persist", "status", "--root", image])
        #expect(drift.stdout.contains("owner rules NOT as the state file gives them"), "\(drift)")
        let driftJSON = try host.run(["persist", "status", "--root", image, "--json"])
        #expect(driftJSON.json?["owner_rules_current"] as? Bool == false, "\(driftJSON)")
        // Adding it again (without an owner) leaves rules and file in step again.
        #expect(try host.run(["persist", "add", "09:00.0", "--root", image]).status == 0)
        let again = try host.run(["persist", "status", "--root", image, "--json"])
        #expect(again.json?["owner_rules_current"] as? Bool == true, "\(again)")
    }

    @Test func anotherFileOrNoPersistenceInstallsNoRules() throws {
        let host = try CLIHost()
        let image = host.root + "/image"
        let other = host.root + "/other.toml"
        try SimulatedKernelCommandTests.Machine.write(other, Self.ownedNIC())
        // Not enabled: the default file under the root is created, no rule file.
        mkdir(image, 0o755)
        mkdir(image + "/etc", 0o755)
        let add = try host.run(["persist", "add", "09:00.0", "--root", image])
        #expect(add.status == 0, "\(add)")
        #expect(access(image + "/etc/udev/rules.d/70-vfioctl.rules", F_OK) != 0)
        // Enabled, but another file is edited: the installed rules stay as they are.
        let enable = try host.run([
            "persist", "enable", other, "--root", image, "--binary", CLIHost.binary, "--late-only"
        ])
        #expect(enable.status == 0, "\(enable)")
        let installed = Self.contents(image + "/etc/udev/rules.d/70-vfioctl.rules")
        let remove = try host.run(["persist", "remove", "09:00.0", "--state-file", other, "--root", image])
        #expect(remove.status == 0, "\(remove)")
        #expect(Self.contents(image + "/etc/udev/rules.d/70-vfioctl.rules") == installed)
    }

    @Test func anUnknownOwnerInTheInstalledFileRefusesTheEditBeforeAnyWrite() throws {
        let host = try CLIHost()
        let image = host.root + "/image"
        let source = host.root + "/owned.toml"
        try SimulatedKernelCommandTests.Machine.write(source, Self.ownedNIC())
        #expect(
            try host.run(["persist", "enable", source, "--root", image, "--binary", CLIHost.binary, "--late-only"])
                .status == 0)
        let statePath = image + "/etc/vfioctl/state.toml"
        try SimulatedKernelCommandTests.Machine.write(statePath, Self.ownedNIC("vfioctl-no-such-user-z"))
        let before = Self.contents(statePath)
        let rules = Self.contents(image + "/etc/udev/rules.d/70-vfioctl.rules")
        let add = try host.run(["persist", "add", "01:00.0", "--root", image])
        #expect(add.status == ExitStatus.usage.rawValue, "\(add)")
        #expect(add.stderr.contains("unknown user 'vfioctl-no-such-user-z'"), "\(add)")
        #expect(Self.contents(statePath) == before)
        #expect(Self.contents(image + "/etc/udev/rules.d/70-vfioctl.rules") == rules)
    }

    @Test func anUnknownUserRefusesTheEnableAndInstallsNothing() throws {
        let host = try CLIHost()
        let image = host.root + "/image"
        let run = try host.run([
            "persist", "enable", try Self.stateFile(host, owner: "vfioctl-no-such-user-y"), "--root", image,
            "--binary", CLIHost.binary, "--late-only"
        ])
        #expect(run.status == ExitStatus.usage.rawValue, "\(run)")
        #expect(run.stderr.contains("unknown user 'vfioctl-no-such-user-y'"), "\(run)")
        #expect(access(image + "/etc/udev/rules.d/70-vfioctl.rules", F_OK) != 0)
    }
}

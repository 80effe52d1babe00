// End-to-end tests of `vfioctl apply`, `diff` and `persist`: each command line runs in this process
// (InProcessRun, the binary's own entry point) against fake sysfs trees (TestSupport's scenarios)
// with a small kernel module directory of its own, so nothing depends on the host's kernel, rules
// or /sys. The unit files `persist` writes name the built binary.
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Running vfioctl

/// The result of one vfioctl run.
private struct ProvisionRun: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }

    /// The stdout as a JSON object (the `--json` report), or nil.
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
    }

    var jsonDevices: [[String: Any]] { json?["devices"] as? [[String: Any]] ?? [] }
}

/// A fake host: a sysfs tree, a kernel module directory, an empty modprobe.d, a state directory
/// path (not created), and a place for state files. Removed on deinit.
private final class ProvisionHost {
    let directory: TemporaryDirectory
    var root: String { directory.path }
    var sysfs: String { root + "/sysfs" }
    var modules: String { root + "/lib/modules/6.1.0-test" }
    var stateDirectory: String { root + "/state" }

    /// The products directory of this build: the test bundle runs from there, next to `vfioctl`.
    static let productsDirectory: String = {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // A macOS test bundle sits inside the products directory.
        while directory.path.contains(".xctest") { directory = directory.deletingLastPathComponent() }
        return directory.path
    }()
    static var binary: String { productsDirectory + "/vfioctl" }

    init(_ scenario: FakeScenario = .workstation) throws {
        directory = try TemporaryDirectory(prefix: "vfioctl-provision")
        try scenario.write(to: sysfs)
        try TemporaryDirectory.makeDirectory(modules)
        try TemporaryDirectory.makeDirectory(root + "/modprobe.d")
        try TemporaryDirectory.makeDirectory(root + "/files")
        try write(
            modules + "/modules.alias",
            """
            alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e
            alias pci:v00008086d00001533sv*sd*bc*sc*i* igb
            alias pci:v00008086d00001572sv*sd*bc*sc*i* i40e
            alias pci:v00008086d0000154Csv*sd*bc*sc*i* iavf
            alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci

            """)
        try write(
            modules + "/modules.dep",
            """
            kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/pci/vfio-pci-core.ko
            kernel/drivers/vfio/pci/vfio-pci-core.ko:
            kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko:
            kernel/drivers/net/ethernet/intel/igb/igb.ko:
            kernel/drivers/net/ethernet/intel/i40e/i40e.ko:
            kernel/drivers/net/ethernet/intel/iavf/iavf.ko:

            """)
        try write(modules + "/modules.builtin", "")
    }

    deinit { directory.remove() }

    func write(_ path: String, _ text: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw ProvisionTestError("cannot write \(path)")
        }
    }

    /// Writes a state file under files/ and returns its path.
    func stateFile(_ name: String, _ text: String) throws -> String {
        let path = root + "/files/" + name
        try write(path, text)
        return path
    }

    /// Runs vfioctl with ARGS. Commands that read the host get `--sysfs-root` and `--modules-dir`
    /// (`withHost`); the environment pins the system-wide inputs (no /etc or /run rules, an empty
    /// modprobe.d, this host's state directory).
    func run(_ arguments: [String], withHost: Bool = true) throws -> ProvisionRun {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VFIOCTL_") }
        environment["VFIOCTL_SYSTEM_RULES"] = "0"
        environment["VFIOCTL_MODPROBE_DIRS"] = root + "/modprobe.d"
        environment["VFIOCTL_STATE_DIR"] = stateDirectory
        let command = arguments + (withHost ? ["--sysfs-root", sysfs, "--modules-dir", modules] : [])
        let run =
            InProcessRun.needsProcess(environment: environment)
            ? CLIRun(try Subprocess.run([Self.binary] + command, environment: environment))
            : InProcessRun.run(command, environment: environment)
        return ProvisionRun(status: run.status, stdout: run.stdout, stderr: run.stderr)
    }

    /// Every entry under the sysfs tree and the state directory: regular files with their
    /// content, links with their target (never followed). Equal snapshots = nothing written.
    /// Everything a command could change: the tree and vfioctl's records. Not the lock file, which
    /// every writing command creates (empty) to take the lock before it reads the devices.
    func snapshot() -> [String: String] {
        var entries: [String: String] = [:]
        Self.walk(sysfs, into: &entries)
        Self.walk(stateDirectory, into: &entries)
        if entries[stateDirectory + "/lock"] == "" {
            entries[stateDirectory + "/lock"] = nil
            if entries.keys.allSatisfy({ !$0.hasPrefix(stateDirectory + "/") }) { entries[stateDirectory] = nil }
        }
        return entries
    }

    private static func walk(_ path: String, into entries: inout [String: String]) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            entries[path] = "dir"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
            for name in names { walk(path + "/" + name, into: &entries) }
        case S_IFLNK:
            entries[path] = "-> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
        case S_IFREG:
            entries[path] =
                FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? "<unreadable>"
        default:
            entries[path] = "other"
        }
    }
}

private struct ProvisionTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

private func fileExists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
}

/// Lines of TEXT containing WORD.
private func lines(_ text: String, containing word: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { $0.contains(word) }
}

// MARK: - State files

private enum StateFiles {
    /// Satisfied by the workstation scenario: the I210 is on vfio-pci, the 82574L on e1000e.
    static let satisfied = """
        [[device]]
        address = "0000:07:00.0"
        vendor = "8086"
        device = "1533"
        state = "vfio"

        [[device]]
        address = "0000:09:00.0"
        vendor = "8086"
        device = "10d3"
        state = "host"

        """

    /// The 82574L to VFIO: one pending change.
    static let pending = """
        [[device]]
        address = "0000:09:00.0"
        vendor = "8086"
        device = "10d3"
        state = "vfio"

        [[device]]
        address = "0000:07:00.0"
        vendor = "8086"
        device = "1533"
        state = "vfio"

        """

    static let head = """
        [[device]]
        address = "0000:09:00.0"
        vendor = "8086"
        device = "10d3"

        """
}

/// A state file vfioctl must reject: exit 2 and `vfioctl: error: FILE:LINE: MESSAGE`.
struct ProvisionBadStateFile: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var line: Int
    var message: String
    var testDescription: String { name }

    static let all: [ProvisionBadStateFile] = [
        ProvisionBadStateFile(
            name: "unknown key", text: StateFiles.head + "state = \"vfio\"\ncolour = \"red\"\n",
            line: 6, message: "unknown key 'colour' in [[device]] (line 1)"),
        ProvisionBadStateFile(
            name: "unknown top-level key", text: "devices = 1\n",
            line: 1, message: "unknown key 'devices' in the state file"),
        ProvisionBadStateFile(
            name: "wrong type: vendor as an integer",
            text: "[[device]]\naddress = \"0000:09:00.0\"\nvendor = 8086\ndevice = \"10d3\"\nstate = \"vfio\"\n",
            line: 3, message: "'vendor' in [[device]] (line 1) must be a string, found an integer"),
        ProvisionBadStateFile(
            name: "wrong type: vfs as a string", text: StateFiles.head + "state = \"host\"\nvfs = \"2\"\n",
            line: 6, message: "'vfs' in [[device]] (line 1) must be an integer, found a string"),
        ProvisionBadStateFile(
            name: "duplicate device",
            text: StateFiles.head + "state = \"vfio\"\n\n" + StateFiles.head + "state = \"vfio\"\n",
            line: 7, message: "0000:09:00.0 is already listed at line 1"),
        ProvisionBadStateFile(
            name: "conflicting entries for one device (ids and address)",
            text: "[[device]]\nids = \"8086:10d3\"\nstate = \"vfio\"\n\n" + StateFiles.head + "state = \"host\"\n",
            line: 5, message: "0000:09:00.0 wants host here but vfio at line 1"),
        ProvisionBadStateFile(
            name: "conflicting entries for one device (vfs_of and ids)",
            text:
                "[[device]]\nvfs_of = \"0000:02:00.0\"\nstate = \"vfio\"\n\n[[device]]\nids = \"8086:154c\"\nstate = \"stub\"\n",
            line: 5, message: "0000:02:02.0 wants stub here but vfio at line 1"),
        ProvisionBadStateFile(
            name: "missing state", text: StateFiles.head,
            line: 1, message: "[[device]] says nothing about the wanted state"),
        ProvisionBadStateFile(
            name: "invalid state", text: StateFiles.head + "state = \"vifo\"\n",
            line: 5, message: "invalid state 'vifo'"),
        ProvisionBadStateFile(
            name: "state and driver", text: StateFiles.head + "state = \"vfio\"\ndriver = \"vfio-pci\"\n",
            line: 6, message: "give either state or driver, not both"),
        ProvisionBadStateFile(
            name: "address without vendor and device",
            text: "[[device]]\naddress = \"0000:09:00.0\"\nstate = \"vfio\"\n",
            line: 1, message: "[[device]] with an address must say which hardware is expected there (vendor and device)"
        ),
        ProvisionBadStateFile(
            name: "address without device",
            text: "[[device]]\naddress = \"0000:09:00.0\"\nvendor = \"8086\"\nstate = \"vfio\"\n",
            line: 1, message: "must say which hardware is expected there"),
        ProvisionBadStateFile(
            name: "two selectors", text: StateFiles.head + "ids = \"8086:10d3\"\nstate = \"vfio\"\n",
            line: 1, message: "has more than one of address, ids, vfs_of, class"),
        ProvisionBadStateFile(
            name: "no selector", text: "[[device]]\nstate = \"vfio\"\n",
            line: 1, message: "[[device]] selects nothing"),
        ProvisionBadStateFile(
            name: "vfs on an ids entry", text: "[[device]]\nids = \"8086:10d3\"\nstate = \"vfio\"\nvfs = 2\n",
            line: 4, message: "vfs only goes with an address entry"),
        ProvisionBadStateFile(
            name: "TOML syntax error", text: "[[device]\naddress = \"0000:09:00.0\"\n",
            line: 1, message: "expected ']'")
    ]
}

// MARK: - Tests

@Suite("apply, diff and persist on fake sysfs trees")
struct ProvisionTests {
    init() throws {
        guard access(ProvisionHost.binary, X_OK) == 0 else {
            throw ProvisionTestError(
                "\(ProvisionHost.binary) is missing: build the package (swift build --build-tests) first")
        }
    }

    @Test("a bad state file: FILE:LINE on stderr, exit 2, nothing changed", arguments: ProvisionBadStateFile.all)
    func badStateFile(_ bad: ProvisionBadStateFile) throws {
        let host = try ProvisionHost()
        let file = try host.stateFile("bad.toml", bad.text)
        let before = host.snapshot()
        let prefix = "vfioctl: error: \(file):\(bad.line): "
        for arguments in [["diff", file], ["apply", file], ["apply", file, "--dry-run"]] {
            let run = try host.run(arguments)
            #expect(run.status == 2, "\(arguments.joined(separator: " ")): \(run)")
            #expect(
                run.stderr.hasPrefix(prefix) && run.stderr.contains(bad.message),
                "\(arguments.joined(separator: " ")): expected '\(prefix)...\(bad.message)...' on stderr: \(run)")
        }
        // With --json: exit 2 too, and the same FILE:LINE message (on stderr, or as the report's error).
        let json = try host.run(["apply", file, "--json"])
        #expect(json.status == 2, "\(json)")
        let reported = (json.json?["error"] as? [String: Any])?["message"] as? String
        #expect(json.stderr.hasPrefix(prefix) || reported?.hasPrefix("\(file):\(bad.line): ") == true, "\(json)")
        #expect(host.snapshot() == before, "the tree or the state directory changed")
    }

    @Test("a missing state file: exit 4")
    func missingStateFile() throws {
        let host = try ProvisionHost()
        for command in ["diff", "apply"] {
            let run = try host.run([command, host.root + "/files/none.toml"])
            #expect(run.status == 4, "\(run)")
            #expect(run.stderr.contains("cannot read \(host.root)/files/none.toml"), "\(run)")
        }
    }

    @Test("other hardware at an address: exit 3, nothing changed")
    func identityMismatch() throws {
        let host = try ProvisionHost()
        let file = try host.stateFile(
            "gpu.toml",
            """
            # 0000:09:00.0 holds an 82574L, not a GTX 1080
            [[device]]
            address = "0000:09:00.0"
            vendor = "10de"
            device = "1b80"
            state = "vfio"

            """)
        let before = host.snapshot()
        for arguments in [["diff", file], ["apply", file]] {
            let run = try host.run(arguments)
            #expect(run.status == 3, "\(run)")
            #expect(
                run.stderr.hasPrefix("vfioctl: error: \(file):2: expected 10de:1b80 at 0000:09:00.0, found 8086:10d3"),
                "\(run)")
        }
        let json = try host.run(["apply", file, "--json"])
        #expect(json.status == 3, "\(json)")
        #expect(json.json?["exit_status"] as? Int == 3)
        #expect(json.json?["changed"] as? Bool == false)
        #expect(json.jsonDevices.isEmpty)
        #expect(
            ((json.json?["error"] as? [String: Any])?["message"] as? String)?.hasPrefix("\(file):2: expected 10de:1b80")
                == true, "\(json)")

        // A subsystem that does not match is other hardware too.
        let subsystem = try host.stateFile(
            "subsystem.toml", StateFiles.head + "subsystem_vendor = \"1028\"\nstate = \"vfio\"\n")
        let run = try host.run(["apply", subsystem])
        #expect(run.status == 3, "\(run)")
        #expect(run.stderr.contains("found 8086:10d3 subsystem 8086:a01f"), "\(run)")

        // No device at all at the address.
        let absent = try host.stateFile(
            "absent.toml",
            "[[device]]\naddress = \"0000:42:00.0\"\nvendor = \"8086\"\ndevice = \"10d3\"\nstate = \"vfio\"\n")
        let none = try host.run(["apply", absent])
        #expect(none.status == 3, "\(none)")
        #expect(none.stderr.contains("expected 8086:10d3 at 0000:42:00.0, found no device there"), "\(none)")
        #expect(host.snapshot() == before, "the tree or the state directory changed")
    }

    @Test("a satisfied state: diff exits 0, apply exits 0 with changed false and no writes")
    func satisfied() throws {
        let host = try ProvisionHost()
        let file = try host.stateFile("state.toml", StateFiles.satisfied)
        let before = host.snapshot()

        let diff = try host.run(["diff", file])
        #expect(diff.status == 0, "\(diff)")
        #expect(!diff.stdout.contains("would move"), "\(diff)")
        #expect(lines(diff.stdout, containing: "unchanged").count == 2, "\(diff)")

        let apply = try host.run(["apply", file, "--json"])
        #expect(apply.status == 0, "\(apply)")
        #expect(apply.json?["changed"] as? Bool == false, "\(apply)")
        #expect(apply.json?["exit_status"] as? Int == 0)
        #expect(apply.json?["error"] is NSNull)
        let devices = apply.jsonDevices
        #expect(devices.map { $0["address"] as? String } == ["0000:07:00.0", "0000:09:00.0"])
        #expect(devices.allSatisfy { $0["status"] as? String == "unchanged" }, "\(apply)")
        #expect(devices.allSatisfy { ($0["steps"] as? [Any])?.isEmpty == true }, "\(apply)")

        let text = try host.run(["apply", file])
        #expect(text.status == 0, "\(text)")
        #expect(host.snapshot() == before, "a satisfied apply wrote something")
    }

    @Test("a pending state: diff exits 7 and lists the change; apply --dry-run too; nothing written")
    func pending() throws {
        let host = try ProvisionHost()
        let file = try host.stateFile("state.toml", StateFiles.pending)
        let before = host.snapshot()

        let diff = try host.run(["diff", file])
        #expect(diff.status == 7, "\(diff)")
        #expect(diff.stdout.contains("0000:09:00.0 would move e1000e -> vfio-pci"), "\(diff)")
        #expect(diff.stdout.contains("0000:07:00.0 unchanged"), "\(diff)")
        #expect(
            diff.stdout.contains("write \"vfio-pci\" > \(host.sysfs)/bus/pci/devices/0000:09:00.0/driver_override"),
            "\(diff)")

        let json = try host.run(["diff", file, "--json"])
        #expect(json.status == 7, "\(json)")
        #expect(json.json?["changed"] as? Bool == true)
        #expect(json.json?["dry_run"] as? Bool == true)
        let planned = json.jsonDevices.first { $0["address"] as? String == "0000:09:00.0" }
        #expect(planned?["status"] as? String == "planned", "\(json)")
        #expect(planned?["from_driver"] as? String == "e1000e")
        #expect(planned?["to_driver"] as? String == "vfio-pci")

        let dryRun = try host.run(["apply", file, "--dry-run", "--json"])
        #expect(dryRun.status == 7, "\(dryRun)")
        #expect(dryRun.json?["changed"] as? Bool == true)

        // --device narrows the run to the entries selecting that device: nothing pending there.
        let narrowed = try host.run(["apply", file, "--dry-run", "--device", "0000:07:00.0", "--json"])
        #expect(narrowed.status == 0, "\(narrowed)")
        #expect(narrowed.jsonDevices.map { $0["address"] as? String } == ["0000:07:00.0"], "\(narrowed)")
        #expect(host.snapshot() == before, "diff or a dry run wrote something")
    }

    @Test("--device (the udev hot-plug path) leaves out entries for other addresses, missing or other hardware")
    func deviceScope() throws {
        let host = try ProvisionHost()
        let file = try host.stateFile(
            "mixed.toml",
            """
            [[device]]
            address = "0000:09:00.0"
            vendor = "10de"
            device = "1b80"
            state = "vfio"

            [[device]]
            address = "0000:42:00.0"
            vendor = "8086"
            device = "1533"
            state = "vfio"

            [[device]]
            address = "0000:07:00.0"
            vendor = "8086"
            device = "1533"
            state = "vfio"

            """)
        let before = host.snapshot()
        let scoped = try host.run(["apply", file, "--device", "0000:07:00.0", "--json"])
        #expect(scoped.status == 0, "\(scoped)")
        #expect(scoped.jsonDevices.map { $0["address"] as? String } == ["0000:07:00.0"], "\(scoped)")
        #expect(scoped.json?["changed"] as? Bool == false)
        // The device whose hardware is not what the file says is still refused when it is the one asked for...
        let mismatch = try host.run(["apply", file, "--device", "0000:09:00.0"])
        #expect(mismatch.status == 3, "\(mismatch)")
        #expect(mismatch.stderr.contains("\(file):1: expected 10de:1b80 at 0000:09:00.0"), "\(mismatch)")
        // ...and without --device both bad entries are.
        let all = try host.run(["apply", file])
        #expect(all.status == 3, "\(all)")
        #expect(all.stderr.contains("2 entries refused"), "\(all)")
        #expect(host.snapshot() == before)
    }

    @Test("--device reads the device, the PFs vfs_of entries name and their groups, not every device")
    func deviceScopeReadsWhatItNeeds() throws {
        let host = try ProvisionHost(.sriovNIC)
        // An entry that reading every device warns about, away from the device asked for.
        try FileManager.default.createDirectory(
            atPath: host.sysfs + "/bus/pci/devices/not-a-device",
            withIntermediateDirectories: false)
        let file = try host.stateFile(
            "vfs.toml",
            """
            [[device]]
            vfs_of = "0000:02:00.0"
            index = "4-7"
            state = "vfio"

            """)
        let before = host.snapshot()
        let whole = try host.run(["diff", file, "--json"])
        #expect(whole.stderr.contains("not-a-device: not a PCI address"), "\(whole)")
        let scoped = try host.run(["apply", file, "--dry-run", "--device", "0000:02:02.5", "--json"])
        #expect(scoped.status == 0, "\(scoped)")
        // The VF is selected through its PF, which was read although it was not asked for...
        #expect(scoped.jsonDevices.map { $0["address"] as? String } == ["0000:02:02.5"], "\(scoped)")
        #expect(scoped.jsonDevices.first?["status"] as? String == "unchanged", "\(scoped)")
        // ...and the rest of the machine was not read.
        #expect(!scoped.stderr.contains("not-a-device"), "\(scoped)")
        #expect(host.snapshot() == before)
    }

    @Test("VFs of a PF: a VF count that differs is pending; VFs already on vfio-pci are unchanged")
    func virtualFunctions() throws {
        let host = try ProvisionHost(.sriovNIC)
        // The PF has 12 VFs with driver autoprobe on: vfs = 12 still turns autoprobe off.
        let file = try host.stateFile(
            "vfs.toml",
            """
            [[device]]
            address = "0000:02:00.0"
            vendor = "8086"
            device = "1572"
            state = "host"
            vfs = 12

            [[device]]
            vfs_of = "0000:02:00.0"
            index = "4-7"
            state = "vfio"

            """)
        let before = host.snapshot()
        let diff = try host.run(["diff", file, "--json"])
        #expect(diff.status == 7, "\(diff)")
        let devices = diff.jsonDevices
        let pf = devices.first { $0["address"] as? String == "0000:02:00.0" && $0["status"] as? String == "planned" }
        #expect(pf?["message"] as? String == "12 -> 12 VFs", "\(diff)")
        let steps = (pf?["steps"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(steps == [host.sysfs + "/bus/pci/devices/0000:02:00.0/sriov_drivers_autoprobe"], "\(diff)")
        let vfs = devices.filter { ($0["address"] as? String)?.hasPrefix("0000:02:02.") == true }
        #expect(
            vfs.compactMap { $0["address"] as? String } == [
                "0000:02:02.4", "0000:02:02.5", "0000:02:02.6", "0000:02:02.7"
            ], "\(diff)")
        #expect(vfs.allSatisfy { $0["status"] as? String == "unchanged" }, "\(diff)")
        #expect(host.snapshot() == before)
    }

    @Test("persist enable, status, disable under --root")
    func persist() throws {
        let host = try ProvisionHost()
        let file = try host.stateFile("state.toml", StateFiles.satisfied)
        let root = host.root + "/image"
        let installed = [
            "/etc/vfioctl/state.toml", "/etc/systemd/system/vfioctl.service",
            "/etc/systemd/system/sysinit.target.wants/vfioctl.service", "/etc/udev/rules.d/70-vfioctl.rules"
        ]

        let enable = try host.run(
            ["persist", "enable", file, "--root", root, "--binary", ProvisionHost.binary], withHost: false)
        #expect(enable.status == 0, "\(enable)")
        for path in installed {
            #expect(fileExists(root + path), "\(path) was not installed")
        }
        #expect(try String(contentsOfFile: root + "/etc/vfioctl/state.toml", encoding: .utf8) == StateFiles.satisfied)
        #expect(
            try FileManager.default.destinationOfSymbolicLink(
                atPath: root + "/etc/systemd/system/sysinit.target.wants/vfioctl.service")
                == "../vfioctl.service")
        let unit = try String(contentsOfFile: root + "/etc/systemd/system/vfioctl.service", encoding: .utf8)
        #expect(
            lines(unit, containing: "ExecStart=") == [
                "ExecStart=\(ProvisionHost.binary) apply /etc/vfioctl/state.toml"
            ], "\(unit)")
        #expect(unit.contains("\nWantedBy=sysinit.target\n"), "\(unit)")
        let rule = try String(contentsOfFile: root + "/etc/udev/rules.d/70-vfioctl.rules", encoding: .utf8)
        let ruleLines = lines(rule, containing: "RUN+=")
        #expect(ruleLines.count == 1, "\(rule)")
        #expect(ruleLines.first?.contains("ACTION==\"add\", SUBSYSTEM==\"pci\"") == true, "\(rule)")
        #expect(
            ruleLines.first?.contains("RUN+=\"\(ProvisionHost.binary) apply /etc/vfioctl/state.toml --device $kernel")
                == true, "\(rule)")

        let status = try host.run(["persist", "status", "--root", root, "--json"], withHost: false)
        #expect(status.status == 0, "\(status)")
        #expect(status.json?["enabled"] as? Bool == true, "\(status)")
        #expect(status.json?["state_file_error"] is NSNull, "\(status)")
        let statusText = try host.run(["persist", "status", "--root", root], withHost: false)
        #expect(statusText.stdout.hasPrefix("persistence: enabled\n"), "\(statusText)")

        // An installed file that became invalid: status says so and exits 2.
        let good = try String(contentsOfFile: root + "/etc/vfioctl/state.toml", encoding: .utf8)
        try host.write(root + "/etc/vfioctl/state.toml", good + "bogus = 1\n")
        let invalid = try host.run(["persist", "status", "--root", root, "--json"], withHost: false)
        #expect(invalid.status == 2, "\(invalid)")
        #expect((invalid.json?["state_file_error"] as? String)?.contains("unknown key 'bogus'") == true, "\(invalid)")

        let disable = try host.run(["persist", "disable", "--root", root], withHost: false)
        #expect(disable.status == 0, "\(disable)")
        for path in installed {
            #expect(!fileExists(root + path), "\(path) is still there")
        }
        let after = try host.run(["persist", "status", "--root", root, "--json"], withHost: false)
        #expect(after.status == 0, "\(after)")
        #expect(after.json?["enabled"] as? Bool == false)
        #expect(after.json?["state_file"] as? Bool == false)
        #expect(after.json?["unit"] as? Bool == false)
        #expect(after.json?["udev_rule"] as? Bool == false)
        let again = try host.run(["persist", "disable", "--root", root], withHost: false)
        #expect(again.status == 0 && again.stdout.isEmpty, "disabling twice: \(again)")
    }

    @Test("persist enable refuses a bad file or a relative binary and installs nothing")
    func persistRefuses() throws {
        let host = try ProvisionHost()
        let root = host.root + "/image"
        let bad = try host.stateFile("bad.toml", StateFiles.head)
        let run = try host.run(
            ["persist", "enable", bad, "--root", root, "--binary", ProvisionHost.binary], withHost: false)
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.hasPrefix("vfioctl: error: \(bad):1: "), "\(run)")
        let good = try host.stateFile("good.toml", StateFiles.satisfied)
        let relative = try host.run(["persist", "enable", good, "--root", root, "--binary", "vfioctl"], withHost: false)
        #expect(relative.status == 2, "\(relative)")
        #expect(relative.stderr.contains("absolute path"), "\(relative)")
        #expect(!fileExists(root + "/etc"), "something was installed under \(root)")
    }

    @Test(
        "the installed unit passes systemd-analyze verify",
        .enabled(
            if: ProvisionTests.systemdAnalyze != nil,
            "skipped: systemd-analyze is not installed (Debian package systemd)"))
    func unitVerifies() throws {
        let host = try ProvisionHost()
        let file = try host.stateFile("state.toml", StateFiles.satisfied)
        let root = host.root + "/image"
        let enable = try host.run(
            ["persist", "enable", file, "--root", root, "--binary", ProvisionHost.binary], withHost: false)
        #expect(enable.status == 0, "\(enable)")
        // Not --root: verify checks that ExecStart's binary exists, and it is the real one, outside
        // the image. --man=no: the Documentation= man pages need not be installed on this machine.
        let unit = root + "/etc/systemd/system/vfioctl.service"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProvisionTests.systemdAnalyze!)
        process.arguments = ["verify", "--man=no", unit]
        let errPath = host.root + "/verify.err"
        try host.write(errPath, "")
        let errHandle = try #require(FileHandle(forWritingAtPath: errPath))
        process.standardError = errHandle
        process.standardOutput = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try errHandle.close()
        let output = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "systemd-analyze verify: exit \(process.terminationStatus)\n\(output)")
        // verify only warns about unknown keys and bad dependencies: any word about the unit is a failure.
        #expect(lines(output, containing: "vfioctl.service").isEmpty, "systemd-analyze verify:\n\(output)")
    }

    static let systemdAnalyze: String? = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
        access($0, X_OK) == 0
    }
}

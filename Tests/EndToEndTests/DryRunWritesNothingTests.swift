// `--dry-run` of every command writes nothing and runs no program: not in the sysfs tree, not in
// the state directory (not even creating it, its lock or a journal), not under `persist --root`.
// Each command runs against a fake host that gives it something to do (a card reader to bind, a
// managed device to return, a PF to give VFs, a pending state file, installed persist files, an
// interrupted transaction), and every file of that host (content, mode, owner, times, link
// target, the set of entries) is compared before and after. Under strace, a run may exec only
// vfioctl itself: no modprobe, systemctl or udevadm.
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// How the fake host is prepared before the dry runs.
enum DryRunSetup: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// No state directory at all, nothing installed: a dry run must not create it.
    case fresh
    /// A device vfioctl manages (0000:07:00.0, from igb) and the persist files installed.
    case managed
    /// As `managed`, plus the journal of a `bind` killed after its first write.
    case interrupted

    var testDescription: String { rawValue }
}

/// A dry run (or read-only command) and what it must answer.
struct DryRunCase: Sendable, CustomTestStringConvertible {
    var arguments: [String]
    var status: Int32
    /// Words the output must hold: proof that the dry run still says what it would do.
    var says: [String]

    var testDescription: String { arguments.joined(separator: " ") }

    init(_ arguments: [String], status: Int32 = 0, says: [String] = []) {
        self.arguments = arguments
        self.status = status
        self.says = says
    }
}

/// `CLIHost` with a desired-state file, a persist root and traced runs.
final class DryRunHost: @unchecked Sendable {
    let host: CLIHost
    /// strace output, outside the snapshotted tree.
    private let traces: TemporaryDirectory
    private var runs = 0
    var stateFile: String { host.root + "/files/state.toml" }
    /// The card reader wanted on VFIO, owned by root (an owner a dry run must only describe).
    var ownedStateFile: String { host.root + "/files/owned.toml" }
    var persistRoot: String { host.root + "/image" }
    /// An image with an update-initramfs that leaves a file when run: never, under another --root.
    var toolsRoot: String { host.root + "/image-with-initramfs-tools" }

    static let strace: String? = ["/usr/bin/strace", "/bin/strace"].first { access($0, X_OK) == 0 }

    /// Applying it binds the card reader, returns the managed I210 to its host driver and gives
    /// the second X710 PF 4 VFs: a dry run of it has something of every kind to do.
    static let pendingState = """
        [[device]]
        address = "0000:0a:00.0"
        vendor = "10ec"
        device = "525a"
        state = "vfio"
        reset_method = ["flr"]

        [[device]]
        address = "0000:07:00.0"
        vendor = "8086"
        device = "1533"
        state = "host"

        [[device]]
        address = "0000:02:00.1"
        vendor = "8086"
        device = "1572"
        state = "host"
        vfs = 4

        """

    init(_ setup: DryRunSetup) throws {
        host = try CLIHost()
        traces = try TemporaryDirectory(prefix: "vfioctl-dry-run-traces")
        try FileManager.default.createDirectory(atPath: host.root + "/files", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: host.root + "/modprobe.d", withIntermediateDirectories: true)
        try Self.pendingState.write(toFile: stateFile, atomically: true, encoding: .utf8)
        try (Self.pendingState.components(separatedBy: "\n\n").first! + "\nowner = \"root:root\"\nmode = \"0660\"\n")
            .write(
                toFile: ownedStateFile, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: toolsRoot + "/usr/sbin", withIntermediateDirectories: true)
        try "#!/bin/sh\ntouch \(toolsRoot)/ran\n".write(
            toFile: toolsRoot + "/usr/sbin/update-initramfs", atomically: true, encoding: .utf8)
        chmod(toolsRoot + "/usr/sbin/update-initramfs", 0o755)
        guard setup != .fresh else { return }

        try FileManager.default.createDirectory(atPath: host.state, withIntermediateDirectories: true)
        chmod(host.state, 0o755)
        try """
        [[device]]
        address = "0000:07:00.0"
        vendor = "8086"
        device = "1533"
        original_driver = "igb"
        driver = "vfio-pci"
        since = 1700000000

        """.write(toFile: host.state + "/managed.toml", atomically: true, encoding: .utf8)
        let enable = try host.run(["persist", "enable", stateFile, "--root", persistRoot, "--binary", CLIHost.binary])
        guard enable.status == 0 else { throw FakeSysfsError("persist enable: \(enable)") }
        guard setup == .interrupted else { return }

        let crashed = try host.run(
            ["bind", "0a:00.0", "--driver", "vfio-pci"], environment: ["VFIOCTL_TEST_CRASH_AFTER_WRITE": "1"])
        guard crashed.status == 99, access(host.state + "/journal.toml", F_OK) == 0 else {
            throw FakeSysfsError("no interrupted transaction: \(crashed)")
        }
    }

    deinit { traces.remove() }

    /// Everything the host has: sysfs tree, module directory, state directory, state files, persist root.
    func snapshot() -> TreeSnapshot { TreeSnapshot([host.root]) }

    /// Runs vfioctl with `CLIHost`'s environment, under strace when it is installed; `programs`
    /// lists every program the run executed (vfioctl itself first).
    func run(_ arguments: [String]) throws -> (run: CLIRun, programs: [String]?) {
        guard let strace = Self.strace else { return (try host.run(arguments), nil) }
        runs += 1
        let trace = traces.path + "/\(runs).trace"
        let command =
            [strace, "-f", "-qq", "-e", "trace=execve,execveat", "-o", trace, "--", CLIHost.binary] + arguments
        let run = try Subprocess.run(command, environment: host.environment())
        let text = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
        let programs = text.split(separator: "\n").filter { $0.contains("execve") }.map(String.init)
        return (CLIRun(run), programs)
    }
}

@Suite("--dry-run writes nothing and runs no program", .serialized)
struct DryRunWritesNothingTests {
    /// Every command that has --dry-run (and the read-only ones, which must not write either).
    static func cases(_ host: DryRunHost, _ setup: DryRunSetup) -> [DryRunCase] {
        let root = host.persistRoot, file = host.stateFile
        let installed = setup != .fresh
        return [
            DryRunCase(
                ["bind", "0a:00.0", "--driver", "vfio-pci", "--dry-run"], says: ["would move", "driver_override"]),
            DryRunCase(["bind", "0a:00.0", "--dry-run", "--json"], says: ["\"dry_run\": true", "driver_override"]),
            // Ownership (issue 20): said, not set; the memlock hint comes with it.
            DryRunCase(
                ["bind", "0a:00.0", "--driver", "vfio-pci", "--owner", "root:root", "--mode", "0660", "--dry-run"],
                says: ["would set owner root:root 0660", "ulimit -l"]),
            DryRunCase(
                ["bind", "0a:00.0", "--owner", "0:", "--dry-run", "--json"],
                says: ["\"owner\"", "\"node_owners\": []"]),
            DryRunCase(
                ["bind", "0a:00.0", "--driver", "vfio-pci", "--method", "new_id", "--dry-run"], says: ["new_id"]),
            DryRunCase(
                ["bind", "09:00.0", "--group", "--driver", "vfio-pci", "--force", "netdev-active", "--dry-run"],
                says: ["unbind"]),
            // Driverless (issue 21): the override pinned to none, no bind; selectors of every form.
            DryRunCase(["bind", "0a:00.0", "--driver", "none", "--dry-run"], says: ["none"]),
            DryRunCase(["bind", "pci_0000_0a_00_0", "--driver", "none", "--dry-run"], says: ["none"]),
            DryRunCase(["bind", "0a:00", "--dry-run"], says: ["driver_override"]),
            DryRunCase(
                ["bind", "enp9s0", "--driver", "vfio-pci", "--force", "netdev-active", "--dry-run"],
                says: ["driver_override"]),
            DryRunCase(["unbind", "0000:0a:*", "--dry-run"]),
            DryRunCase(["override", "enp9s0", "vfio-pci", "--dry-run"], says: ["would write"]),
            DryRunCase(["list", "-k", "0000:0?:00.0"]),
            // Saving (issue 21): --save and persist add/remove with --dry-run write no file.
            DryRunCase(
                [
                    "bind", "0a:00.0", "--driver", "vfio-pci", "--save", "--state-file",
                    host.host.root + "/etc/saved.toml", "--dry-run"
                ],
                says: ["would add 0000:0a:00.0"]),
            DryRunCase(["unbind", "07:00.0", "--save", "--state-file", host.host.root + "/etc/saved.toml", "--dry-run"]
            ),
            DryRunCase(
                ["persist", "add", "enp9s0", "--state-file", host.host.root + "/etc/saved.toml", "--dry-run"],
                says: ["would add 0000:09:00.0"]),
            DryRunCase(
                ["persist", "remove", "0a:00.0", "--state-file", file, "--dry-run"], says: ["would remove 0000:0a:00.0"]
            ),
            // The installed state file (its owner rules follow it): nothing written under the root.
            DryRunCase(
                ["persist", "remove", "07:00.0", "--root", root, "--dry-run"], status: installed ? 0 : 4,
                says: installed ? ["would remove 0000:07:00.0"] : []),
            // With its record the I210 goes back to igb; without one the kernel would choose.
            // igb is not loaded in the tree: the dry run says it would load it (and runs no modprobe).
            DryRunCase(
                ["unbind", "07:00.0", "--dry-run"],
                says: ["would move"]
                    + (installed ? ["vfio-pci -> igb", "would load module igb first"] : ["drivers_probe"])),
            // vfioctl loads no module for a sysfs tree: the dry run refuses as the real run would.
            DryRunCase(["bind", "0a:00.0", "--driver", "test_gpu_vfio_pci", "--dry-run"], status: 4),
            DryRunCase(["unbind", "0a:00.0", "09:00.0", "--dry-run", "--force", "netdev-active"]),
            DryRunCase(["sriov", "02:00.1", "--vfs", "4", "--dry-run"], says: ["sriov_numvfs"]),
            DryRunCase(
                ["sriov", "02:00.1", "--vfs", "4", "--bind", "--dry-run"], says: ["sriov_numvfs", "would then be bound"]
            ),
            DryRunCase(
                ["sriov", "02:00.0", "--vfs", "2", "--force", "netdev-active", "--dry-run"], says: ["sriov_numvfs"]),
            DryRunCase(["recover", "--dry-run"], says: setup == .interrupted ? ["0000:0a:00.0"] : []),
            DryRunCase(
                ["apply", file, "--dry-run"], status: 7,
                says: ["0000:0a:00.0", "0000:07:00.0", "sriov_numvfs", "reset_method"]),
            DryRunCase(["apply", file, "--dry-run", "--device", "0000:0a:00.0"], status: 7, says: ["0000:0a:00.0"]),
            DryRunCase(["apply", file, "--dry-run", "--device", "0a:00"], status: 7, says: ["0000:0a:00.0"]),
            DryRunCase(["diff", file], status: 7, says: ["0000:0a:00.0"]),
            DryRunCase(
                ["apply", host.ownedStateFile, "--dry-run"], status: 7,
                says: ["0000:0a:00.0", "would set owner root:root 0660"]),
            DryRunCase(
                [
                    "persist", "enable", host.ownedStateFile, "--root", root, "--binary", CLIHost.binary, "--late-only",
                    "--dry-run"
                ],
                says: [#"KERNELS=="0000:0a:00.0", OWNER="root", GROUP="root", MODE="0660""#]),
            DryRunCase(["override", "0a:00.0", "vfio-pci", "--dry-run"], says: ["would write"]),
            DryRunCase(["override", "07:00.0", "--clear", "--dry-run"], says: ["would write"]),
            DryRunCase(["new-id", "vfio-pci", "10ec:525a", "--dry-run"], says: ["would write"]),
            DryRunCase(["remove-id", "vfio-pci", "10ec:525a", "--dry-run"], says: ["would write"]),
            DryRunCase(["reset", "07:00.0", "--dry-run"], says: ["would write \"1\"", "07:00.0/reset"]),
            DryRunCase(["reset", "0a:00.0", "--dry-run"], says: ["would write \"1\""]),
            DryRunCase(
                ["persist", "enable", file, "--root", root, "--binary", CLIHost.binary, "--dry-run"],
                says: ["would install /etc/systemd/system/vfioctl.service: ExecStart=\(CLIHost.binary) apply"]),
            DryRunCase(
                ["persist", "disable", "--root", root, "--dry-run"],
                says: installed
                    ? ["would remove /etc/vfioctl/state.toml", "would remove /etc/udev/rules.d/70-vfioctl.rules"] : []),
            // Early binding: every rule line, and the initramfs rebuild said, not run.
            DryRunCase(
                ["persist", "enable", file, "--root", host.toolsRoot, "--binary", CLIHost.binary, "--dry-run"],
                says: [
                    "would install /etc/udev/rules.d/40-vfioctl-early.rules:", #"KERNEL=="0000:0a:00.0""#,
                    "would install /etc/initramfs-tools/hooks/vfioctl",
                    "was not rebuilt: run /usr/sbin/update-initramfs -u -k all"
                ]),
            DryRunCase(
                [
                    "persist", "enable", file, "--root", root, "--binary", CLIHost.binary, "--late-only",
                    "--no-rebuild-initramfs", "--dry-run"
                ],
                says: installed
                    ? ["would remove /etc/udev/rules.d/40-vfioctl-early.rules"]
                    : ["would install /etc/vfioctl/state.toml"]),
            DryRunCase(
                ["persist", "disable", "--root", root, "--no-rebuild-initramfs", "--dry-run"],
                says: installed
                    ? [
                        "would remove /etc/udev/rules.d/40-vfioctl-early.rules",
                        "would remove /etc/initramfs-tools/hooks/vfioctl"
                    ] : []),
            DryRunCase(
                ["persist", "disable", "--root", root, "--restore", "--dry-run"],
                says: installed ? ["would remove /etc/systemd/system/vfioctl.service", "0000:07:00.0"] : []),
            DryRunCase(["list"], says: ["0000:0a:00.0"]),
            DryRunCase(["show", "07:00.0"], says: ["vfio-pci"]),
            DryRunCase(["groups"]),
            DryRunCase(["plan", "--all"]),
            DryRunCase(["status"], says: installed ? ["0000:07:00.0"] : []),
            DryRunCase(
                ["persist", "status", "--root", root],
                says: [installed ? "persistence: enabled" : "persistence: not enabled"]),
            DryRunCase(
                ["persist", "status", "--root", root, "--json"],
                says: installed ? [#""early_binding": {"#] : [#""early_binding": null"#])
        ]
    }

    @Test(arguments: DryRunSetup.allCases)
    func everyDryRunLeavesEveryFileAsItWas(_ setup: DryRunSetup) throws {
        let host = try DryRunHost(setup)
        var before = host.snapshot()
        for dryRun in Self.cases(host, setup) {
            let (run, programs) = try host.run(dryRun.arguments)
            #expect(run.status == dryRun.status, "\(dryRun.testDescription): \(run)")
            for word in dryRun.says {
                #expect(run.stdout.contains(word), "\(dryRun.testDescription) does not say '\(word)': \(run)")
            }
            let changes = host.snapshot().differences(from: before)
            #expect(changes.isEmpty, "\(dryRun.testDescription) wrote:\n\(changes.joined(separator: "\n"))")
            if let programs {
                #expect(
                    programs.count == 1, "\(dryRun.testDescription) ran programs:\n\(programs.joined(separator: "\n"))")
            }
            // One failure must not hide the others: the next command is compared with what this one left.
            if !changes.isEmpty { before = host.snapshot() }
        }
    }

    /// The snapshot itself must see what a write changes, or the test above proves nothing.
    @Test func theSnapshotSeesEveryKindOfChange() throws {
        try TemporaryDirectory.with { directory in
            try "a".write(toFile: directory + "/file", atomically: false, encoding: .utf8)
            symlink("file", directory + "/link")
            let before = TreeSnapshot([directory])
            #expect(TreeSnapshot([directory]).differences(from: before).isEmpty)
            let changes: [(String, () -> Void)] = [
                ("chmod", { chmod(directory + "/file", 0o600) }),
                ("rewrite", { try? "b".write(toFile: directory + "/file", atomically: false, encoding: .utf8) }),
                (
                    "relink",
                    {
                        unlink(directory + "/link"); symlink("other", directory + "/link")
                    }
                ),
                (
                    "create and remove",
                    {
                        close(open(directory + "/lock", O_CREAT | O_WRONLY, 0o600)); unlink(directory + "/lock")
                    }
                ),
                ("create a directory", { mkdir(directory + "/state", 0o755) })
            ]
            var last = before
            for (name, change) in changes {
                usleep(10_000)  // a coarse clock must still tick between changes
                change()
                let now = TreeSnapshot([directory])
                #expect(!now.differences(from: last).isEmpty, "the snapshot missed: \(name)")
                last = now
            }
        }
    }
}

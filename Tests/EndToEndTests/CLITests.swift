// End-to-end tests of the read-only commands, plan, and the refusal / rollback / crash paths of
// the writing commands against fake sysfs trees: in this process through the command context, or as
// the built `vfioctl` where a process of its own matters (another user, a crash mid-transaction).
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

struct CLIRun: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }

    init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    init(_ run: Subprocess) { self.init(status: run.status, stdout: run.stdout, stderr: run.stderr) }
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] }
    var devices: [[String: Any]] { json?["devices"] as? [[String: Any]] ?? [] }
    func device(_ address: String) -> [String: Any]? { devices.first { $0["address"] as? String == address } }
}

extension CLIHost {
    /// `list --json` of every device and their addresses; then an entry in bus/pci/devices that
    /// reading every device warns about (`not-a-device`), which a command reading only the named
    /// devices never mentions.
    func listingThenStrayEntry() throws -> (whole: CLIRun, addresses: [String]) {
        let whole = try run(["list", "--json"])
        let addresses = whole.devices.compactMap { $0["address"] as? String }
        #expect(addresses.count > 10)
        try FileManager.default.createDirectory(
            atPath: sysfs + "/bus/pci/devices/not-a-device", withIntermediateDirectories: false)
        return (whole, addresses)
    }

    /// Runs a command that names devices: it must succeed without a word about the stray entry.
    func runNamingDevices(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIRun {
        let named = try run(arguments)
        #expect(named.status == 0, "\(named)", sourceLocation: sourceLocation)
        #expect(!named.stderr.contains("not-a-device"), "\(named)", sourceLocation: sourceLocation)
        return named
    }
}

/// A JSON object as text with sorted keys, to compare two records whole.
func canonicalJSON(_ object: [String: Any]?) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object ?? [:], options: [.sortedKeys]), as: UTF8.self)
}

/// A fake host: a scenario tree, a small module directory, a state directory.
final class CLIHost: @unchecked Sendable {
    let directory: TemporaryDirectory
    var root: String { directory.path }
    var sysfs: String { root + "/sysfs" }
    var modules: String { root + "/modules/6.1.0-e2e" }
    var state: String { root + "/state" }

    static let binary: String = {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path + "/vfioctl"
    }()

    init(_ scenario: FakeScenario = .workstation) throws {
        // TemporaryDirectory prefers /dev/shm: creating a tree of hundreds of files on a busy disk
        // costs seconds.
        directory = try TemporaryDirectory(prefix: "vfioctl-e2e")
        try FileManager.default.createDirectory(atPath: modules, withIntermediateDirectories: true)
        try scenario.write(to: sysfs)
        try """
        alias vfio_pci:v000010DEd00001B80sv*sd*bc*sc*i* test_gpu_vfio_pci
        alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci
        alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e
        alias pci:v000010DEd*sv*sd*bc03sc*i* nouveau

        """.write(toFile: modules + "/modules.alias", atomically: true, encoding: .utf8)
        try "kernel/vfio_pci.ko:\nkernel/test_gpu_vfio_pci.ko:\nkernel/e1000e.ko:\nkernel/nouveau.ko:\n"
            .write(toFile: modules + "/modules.dep", atomically: true, encoding: .utf8)
        try "".write(toFile: modules + "/modules.builtin", atomically: true, encoding: .utf8)
    }

    deinit { directory.remove() }

    /// The fake host's inputs on top of a clean environment: its tree, modules and state
    /// directory, no system rule files, its own modprobe.d; `extra` last.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        Subprocess.cleanEnvironment([
            "VFIOCTL_SYSFS_ROOT": sysfs, "VFIOCTL_MODULES_DIR": modules, "VFIOCTL_STATE_DIR": state,
            "VFIOCTL_SYSTEM_RULES": "0", "VFIOCTL_MODPROBE_DIRS": root + "/modprobe.d"
        ]).merging(extra) { $1 }
    }

    /// vfioctl ARGUMENTS on this host: in this process (`InProcessRun`), or as the built binary when
    /// the run needs a process of its own (another user, a crash hook) or `process` asks for one.
    func run(
        _ arguments: [String], environment extra: [String: String] = [:], asUser uid: String? = nil,
        process: Bool = false
    ) throws -> CLIRun {
        let variables = environment(extra)
        if uid == nil && !process && !InProcessRun.needsProcess(environment: variables) {
            return InProcessRun.run(arguments, environment: variables)
        }
        var command = [Self.binary] + arguments
        if let uid { command = ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups"] + command }
        return CLIRun(try Subprocess.run(command, environment: variables))
    }

    func file(_ relative: String) -> String? { try? String(contentsOfFile: sysfs + "/" + relative, encoding: .utf8) }
}

@Suite struct ListCommandTests {
    /// `list ADDRESS` reads the named devices alone, into the records reading every device makes.
    @Test func namedDevicesAreReadAlone() throws {
        let host = try CLIHost()
        let (whole, addresses) = try host.listingThenStrayEntry()
        for address in addresses {
            let named = try host.runNamingDevices(["list", "--json", address])
            #expect(named.devices.count == 1, "\(named)")
            #expect(try canonicalJSON(named.device(address)) == canonicalJSON(whole.device(address)), "\(address)")
        }
        let missing = try host.run(["list", "0000:99:00.0"])
        #expect(missing.status == 4 && missing.stderr.contains("no PCI device at 0000:99:00.0"), "\(missing)")
        #expect(try host.run(["list"]).stderr.contains("not-a-device"))
    }

    @Test func jsonHasTheDocumentedShapeAndValues() throws {
        let host = try CLIHost()
        let run = try host.run(["list", "--json"])
        #expect(run.status == 0, "\(run)")
        #expect(run.json?["schema_version"] as? Int == 1)
        #expect(run.devices.count == 39)
        let gpu = try #require(run.device("0000:01:00.0"))
        for key in [
            "address", "vendor_id", "device_id", "subsystem_vendor_id", "subsystem_device_id", "class", "revision",
            "modalias", "driver", "driver_override", "iommu_group", "numa_node", "is_bridge", "boot_vga", "physfn",
            "virtfns", "vendor_name", "device_name"
        ] {
            #expect(gpu.keys.contains(key), "missing \(key)")
        }
        #expect(gpu["vendor_id"] as? String == "10de")
        #expect(gpu["class"] as? String == "030000")
        #expect(gpu["driver"] as? String == "nouveau")
        #expect(gpu["iommu_group"] as? Int == 2)
        #expect(gpu["boot_vga"] as? Bool == true)
        #expect(gpu["driver_override"] is NSNull)
        #expect((gpu["device_name"] as? String)?.contains("GTX 1080") == true)
        let vf = try #require(run.device("0000:02:02.0"))
        #expect(vf["physfn"] as? String == "0000:02:00.0")
        let pf = try #require(run.device("0000:02:00.0"))
        #expect((pf["virtfns"] as? [String])?.count == 12)
        #expect(run.device("0000:07:00.0")?["driver_override"] as? String == "vfio-pci")
    }

    @Test func numericSkipsNamesAndFiltersSelect() throws {
        let host = try CLIHost()
        let numeric = try host.run(["list", "--json", "--numeric", "01:00.0"])
        #expect(numeric.devices.count == 1)
        #expect(numeric.devices.first?["vendor_name"] is NSNull)
        #expect(try host.run(["list", "--json", "8086:154c"]).devices.count == 12)
        #expect(try host.run(["list", "--json", "--class", "net", "--driver", "vfio-pci"]).devices.count == 8)
        #expect(
            try host.run(["list", "--json", "--group", "7"]).devices.map { $0["address"] as? String } == [
                "0000:03:00.0", "0000:04:01.0", "0000:04:02.0"
            ])
        #expect(try host.run(["list", "--json", "--driver", "none", "--class", "ff"]).devices.count == 1)
        let table = try host.run(["list", "--class", "display"])
        let gpuLine = table.stdout.split(separator: "\n").first { $0.hasPrefix("0000:01:00.0") }.map(String.init) ?? ""
        #expect(
            gpuLine.split(separator: " ").prefix(5) == ["0000:01:00.0", "0300", "10de:1b80", "nouveau", "2"], "\(table)"
        )
        #expect(table.stdout.split(separator: "\n").count == 2)
    }

    @Test func treeShowsVFsUnderTheirPF() throws {
        let run = try CLIHost().run(["list", "--tree", "--numeric"])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let pf = try #require(lines.firstIndex { $0.contains("0000:02:00.0") })
        #expect(lines[pf + 1].contains("VF 0000:02:02.0"), "\(run.stdout)")
        #expect(
            lines.contains {
                $0.contains("0000:04:01.0") && $0.hasPrefix("│  │  ")
                    || $0.contains("0000:04:01.0") && $0.contains("   └─")
                    || $0.contains("0000:04:01.0") && $0.contains("├─")
            })
    }

    @Test(arguments: [
        (["list", "zz:00.0"], Int32(2), "invalid device 'zz:00.0'"),
        (["list", "0000:01:20.0"], 2, "invalid device"),
        (["list", "01:00.8"], 2, "invalid device"),
        (["list", "../etc"], 2, "invalid device"),
        (["list", "0000:0b:00.0"], 4, "no PCI device at 0000:0b:00.0"),
        // An id pair matching twelve VFs: show takes one device (issue 21: ids that match one device are fine).
        (["show", "8086:154c"], 2, "takes one device"),
        (["list", "--class", "spaceship"], 2, "invalid class 'spaceship'"),
        (["list", "--bogus"], 2, "Unknown option '--bogus'"),
        (["plan", "--all", "01:00.0"], 2, "--all cannot be combined"),
        (["new-id", "vfio-pci", "8086:xyz"], 2, "invalid id"),
        (["new-id", "nosuchdriver", "8086:10d3"], 4, "no PCI driver named nosuchdriver"),
        (["override", "0000:0b:00.0", "vfio-pci"], 4, "no PCI device"),
        (["bind", "01:00.0", "--force", "everything"], 2, "unknown --force code 'everything'")
    ])
    func badInputIsOneLineWithADocumentedStatus(arguments: [String], status: Int32, message: String) throws {
        let run = try CLIHost().run(arguments)
        #expect(run.status == status, "\(run)")
        #expect(run.stderr.hasPrefix("vfioctl: error: "), "\(run)")
        #expect(run.stderr.contains(message), "\(run)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run)")
    }

    @Test func notASysfsTreeIsAClearError() throws {
        let host = try CLIHost(.notSysfs)
        let run = try host.run(["list"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("is not a sysfs tree"), "\(run)")
    }

    @Test func brokenTreesWarnAndStillList() throws {
        let run = try CLIHost(.broken).run(["list", "--json"])
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.contains("vfioctl: warning: "))
        #expect(run.stderr.contains("points outside the sysfs root"))
        #expect(run.device("0000:00:16.0")?["unreadable"] as? [String] != [])
    }

    /// Skipped, visibly, where util-linux's setpriv is missing (it is on Debian and in CI).
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
            "needs /usr/bin/setpriv to drop privileges"))
    func readOnlyCommandsWorkAsAnUnprivilegedUser() throws {
        let host = try CLIHost()
        // The tree must be readable by "nobody" (mkdtemp makes the directory 0700).
        chmod(host.root, 0o755)
        for command in [["list"], ["groups"], ["plan", "--all"], ["show", "01:00.0"]] {
            let run = try host.run(command, asUser: "65534")
            #expect(run.status == 0, "\(command): \(run)")
        }
        let bind = try host.run(["bind", "0a:00.0", "--driver", "vfio-pci"], asUser: "65534")
        #expect(bind.status == 5, "\(bind)")
        #expect(bind.stderr.contains("needs root"), "\(bind)")
    }
}

@Suite struct ShowAndGroupsTests {
    /// `show ADDRESS` reads the device and its IOMMU group's members alone, into the records reading
    /// every device makes.
    @Test func theDeviceAndItsGroupAreReadAlone() throws {
        let host = try CLIHost()
        let (whole, addresses) = try host.listingThenStrayEntry()
        for address in addresses {
            let shown = try host.runNamingDevices(["show", "--json", "--no-default-rules", address])
            let device = try #require(shown.json?["device"] as? [String: Any])
            let listed = try #require(whole.device(address))
            #expect(try canonicalJSON(device.filter { listed[$0.key] != nil }) == canonicalJSON(listed), "\(address)")
            guard let group = device["iommu_group_detail"] as? [String: Any] else { continue }
            let members = (group["members"] as? [[String: Any]] ?? []).compactMap { $0["address"] as? String }
            let expected = whole.devices.filter { $0["iommu_group"] as? Int == group["group"] as? Int }
                .compactMap { $0["address"] as? String }
            #expect(members == expected, "\(address)")
        }
        #expect(try host.run(["show", "0000:99:00.0"]).status == 4)
    }

    @Test func showListsTheGroupMembersAndTheirDrivers() throws {
        let run = try CLIHost().run(["show", "01:00.0"])
        #expect(run.status == 0, "\(run)")
        #expect(
            run.stdout.contains(
                "IOMMU group 2 (not viable: blocked by 0000:01:00.0 (nouveau), 0000:01:00.1 (snd_hda_intel))"),
            "\(run.stdout)")
        #expect(run.stdout.contains("Boot VGA:        yes"))
        let json = try CLIHost().run(["show", "01:00.0", "--json"])
        let device = try #require(json.json?["device"] as? [String: Any])
        let group = try #require(device["iommu_group_detail"] as? [String: Any])
        #expect((group["members"] as? [[String: Any]])?.count == 2)
        // show carries the same driver decision as plan
        let plan = try #require(device["plan"] as? [String: Any])
        #expect((plan["chosen"] as? [String: Any])?["module"] as? String == "test_gpu_vfio_pci")
        #expect(run.stdout.contains("VFIO driver decision:"))
        #expect(run.stdout.contains("chosen: test_gpu_vfio_pci"))
    }

    @Test func groupsGiveAVerdictNamingTheBlockers() throws {
        let run = try CLIHost().run(["groups", "--json"])
        let groups = try #require(run.json?["groups"] as? [[String: Any]])
        let gpu = try #require(groups.first { $0["group"] as? Int == 2 })
        #expect(gpu["viable"] as? Bool == false)
        #expect((gpu["blockers"] as? [[String: Any]])?.count == 2)
        let i210 = try #require(groups.first { $0["group"] as? Int == 19 })
        #expect(i210["viable"] as? Bool == true)
        let bridgeGroup = try #require(groups.first { $0["group"] as? Int == 7 })
        #expect(
            (bridgeGroup["blockers"] as? [[String: Any]])?.map { $0["address"] as? String } == [
                "0000:04:01.0", "0000:04:02.0"
            ])
    }
}

@Suite struct PlanCommandTests {
    @Test func jsonCarriesChainSourcesAndTheChoice() throws {
        let run = try CLIHost().run(["plan", "--json", "--no-default-rules", "01:00.0", "0a:00.0", "03:00.0"])
        #expect(run.status == 0, "\(run)")
        let gpu = try #require(run.device("0000:01:00.0"))
        #expect((gpu["chosen"] as? [String: Any])?["module"] as? String == "test_gpu_vfio_pci")
        let chain = try #require(gpu["chain"] as? [[String: Any]])
        #expect(chain.map { $0["module"] as? String } == ["test_gpu_vfio_pci", "vfio_pci"])
        #expect(chain[0]["source"] as? String == "kernel_alias")
        #expect((chain[0]["location"] as? String)?.hasSuffix("modules.alias:1") == true)
        #expect(gpu["ambiguous"] as? Bool == false)
        #expect(gpu["host_modules"] as? [String] == ["nouveau"])
        #expect((run.device("0000:0a:00.0")?["chosen"] as? [String: Any])?["driver"] as? String == "vfio-pci")
        #expect(run.device("0000:03:00.0")?["chosen"] is NSNull)
    }

    @Test func explainAndRules() throws {
        let host = try CLIHost()
        try FileManager.default.createDirectory(atPath: host.root + "/rules", withIntermediateDirectories: true)
        try "[[rule]]\nvendor = \"10de\"\ndeny = [\"test_gpu_vfio_pci\"]\n".write(
            toFile: host.root + "/rules/50-deny.toml", atomically: true, encoding: .utf8)
        let run = try host.run(["plan", "--explain", "--rules-dir", host.root + "/rules", "01:00.0"])
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("skipped: denied by \(host.root)/rules/50-deny.toml:1"), "\(run.stdout)")
        #expect(run.stdout.contains("chosen: vfio-pci (module vfio_pci)"), "\(run.stdout)")

        try "[[rule]]\nvendor = \"10de\"\ndneyy = [\"x\"]\n".write(
            toFile: host.root + "/rules/60-typo.toml", atomically: true, encoding: .utf8)
        let bad = try host.run(["plan", "--rules-dir", host.root + "/rules"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("\(host.root)/rules/60-typo.toml:3: unknown key 'dneyy'"), "\(bad)")
    }

    /// The broken scenario has Intel integrated graphics at 00:02.0: the shipped IGD rule applies
    /// (compiled into the binary, named as built-in), and --no-default-rules drops it.
    @Test func shippedDefaultsAreInEffectFromTheBuildTree() throws {
        let host = try CLIHost(.broken)
        let run = try host.run(["plan", "--json", "0000:00:02.0"])
        #expect(run.status == 0, "\(run)")
        let chain = try #require(run.device("0000:00:02.0")?["chain"] as? [[String: Any]])
        #expect(chain.map { $0["module"] as? String } == ["vfio_pci_igd", "vfio_pci"])
        #expect(
            (chain[0]["location"] as? String)?.hasPrefix("<built-in>/50-platform-variants.toml:") == true, "\(chain[0])"
        )
        #expect(chain[0]["available"] as? Bool == false)
        let without = try host.run(["plan", "--json", "--no-default-rules", "0000:00:02.0"])
        #expect(
            (without.device("0000:00:02.0")?["chain"] as? [[String: Any]])?.map { $0["module"] as? String } == [
                "vfio_pci"
            ])
    }

    /// `plan ADDRESS` reads the named devices and their groups' members, as `bind` does, and plans
    /// them as planning every device does.
    @Test func namedDevicesAreReadAlone() throws {
        let host = try CLIHost()
        let whole = try host.run(["plan", "--json", "--no-default-rules"])
        // An entry that reading every device warns about, away from the devices asked for.
        try FileManager.default.createDirectory(
            atPath: host.sysfs + "/bus/pci/devices/not-a-device",
            withIntermediateDirectories: false)
        let named = try host.run(["plan", "--json", "--no-default-rules", "01:00.0", "0a:00.0"])
        #expect(named.status == 0, "\(named)")
        #expect(!named.stderr.contains("not-a-device"), "\(named)")
        for address in ["0000:01:00.0", "0000:0a:00.0"] {
            let planned = try #require(named.device(address))
            let inWhole = try #require(whole.device(address))
            #expect(try canonicalJSON(planned) == canonicalJSON(inWhole), "\(address)")
        }
        #expect(try host.run(["plan", "--no-default-rules"]).stderr.contains("not-a-device"))
    }
}

@Suite struct WritingCommandTests {
    @Test func refusalsChangeNothingAndNameTheirCode() throws {
        let host = try CLIHost()
        let before = host.file("bus/pci/devices/0000:01:00.0/driver_override")
        for (device, code) in [
            ("03:00.0", "bridge"), ("01:00.0", "boot-vga"), ("02:00.0", "sriov-pf"), ("04:01.0", "group-not-viable")
        ] {
            let run = try host.run(["bind", device, "--driver", "vfio-pci", "--json"])
            #expect(run.status == 3, "\(device): \(run)")
            #expect((run.json?["error"] as? [String: Any])?["message"] as? String ?? "" != "")
            #expect(run.stdout.contains("--force \(code)"), "\(device): \(run)")
        }
        #expect(host.file("bus/pci/devices/0000:01:00.0/driver_override") == before)
        #expect(!FileManager.default.fileExists(atPath: host.state + "/journal.toml"))
    }

    @Test func anAddressedInterfaceIsRefusedUntilForced() throws {
        let host = try CLIHost()
        try FileManager.default.createDirectory(atPath: host.root + "/proc/net", withIntermediateDirectories: true)
        try "enp9s0 127.0.0.2/8\n".write(
            toFile: host.root + "/proc/net/vfioctl-addresses", atomically: true, encoding: .utf8)
        let env = ["VFIOCTL_PROC_ROOT": host.root + "/proc"]
        let refused = try host.run(["bind", "09:00.0", "--dry-run"], environment: env)
        #expect(refused.status == 3, "\(refused)")
        #expect(
            refused.stderr.contains("enp9s0 is up with 127.0.0.2/8 (override with --force netdev-active)"), "\(refused)"
        )
        let forced = try host.run(["bind", "09:00.0", "--dry-run", "--force", "netdev-active"], environment: env)
        #expect(forced.status == 0, "\(forced)")
        #expect(
            forced.stdout.contains("write \"vfio-pci\" > \(host.sysfs)/bus/pci/devices/0000:09:00.0/driver_override"),
            "\(forced)")
        #expect(forced.stdout.contains("write \"0000:09:00.0\" > \(host.sysfs)/bus/pci/drivers/e1000e/unbind"))
    }

    /// Device arguments may stand before, between and after options, or after `--`: every form of
    /// command line must name exactly the devices given, and a bad one still fails by its own text.
    @Test func everyDeviceArgumentArrivesWhereverItStands() throws {
        let host = try CLIHost()
        for arguments in [
            ["bind", "0a:00.0", "0000:09:00.0", "--driver", "vfio-pci"],
            ["bind", "0a:00.0", "--dry-run", "0000:09:00.0", "--driver", "vfio-pci"],
            ["bind", "--driver", "vfio-pci", "0a:00.0", "09:00.0"],
            ["bind", "--driver", "vfio-pci", "--", "0a:00.0", "09:00.0"]
        ] {
            let run = try host.run(["bind", "--dry-run", "--json"] + arguments.dropFirst())
            #expect(run.status == 0, "\(arguments): \(run)")
            #expect(
                Set(run.devices.compactMap { $0["address"] as? String }) == ["0000:0a:00.0", "0000:09:00.0"],
                "\(arguments)")
        }
        for command in ["unbind", "reattach"] {
            let run = try host.run([command, "0a:00.0", "09:00.0", "--dry-run", "--json"])
            #expect(
                Set(run.devices.compactMap { $0["address"] as? String }) == ["0000:0a:00.0", "0000:09:00.0"],
                "\(command): \(run)")
        }
        let bad = try host.run(["bind", "0a:00.0", "09:00.0", "0a:00.0x", "--driver", "vfio-pci", "--dry-run"])
        #expect(bad.status == 2, "\(bad)")
        #expect(bad.stderr.contains("'0a:00.0x'"), "\(bad)")
        #expect(!bad.stderr.contains("\u{1F}"), "\(bad)")
    }

    /// A device argument is one device: a word that holds U+001F (which the old packing of device
    /// arguments used as its separator) is an invalid device, not two.
    @Test(arguments: ["bind", "unbind"])
    func aDeviceArgumentIsNeverSplit(command: String) throws {
        let run = try CLIHost().run([command, "0a:00.0\u{1F}09:00.0", "--dry-run", "--json"])
        #expect(run.status == 2, "\(run)")
        #expect(run.devices.isEmpty, "\(run)")
        #expect(run.stderr.contains("invalid device"), "\(run)")
    }

    /// On a plain directory tree the bind writes land in files but no driver ever binds: the read-back
    /// catches it, and the device is put back (exit 1).
    @Test func aBindThatDoesNotTakeIsRolledBack() throws {
        let host = try CLIHost()
        let run = try host.run(["bind", "0a:00.0", "--driver", "vfio-pci", "--json"])
        #expect(run.status == 1, "\(run)")
        #expect(run.devices.first?["status"] as? String == "failed")
        #expect(run.stdout.contains("did not bind"))
        #expect(
            host.file("bus/pci/devices/0000:0a:00.0/driver_override")?.trimmingCharacters(in: .whitespacesAndNewlines)
                ?? "x" == "")
        #expect(!FileManager.default.fileExists(atPath: host.state + "/journal.toml"))
    }

    /// Killed right after its first write, vfioctl leaves a journal; `recover` (or the next command)
    /// puts the device back.
    @Test(arguments: [1, 2])
    func aCrashIsRecovered(after writes: Int) throws {
        let host = try CLIHost()
        let crashed = try host.run(
            ["bind", "0a:00.0", "--driver", "vfio-pci"],
            environment: ["VFIOCTL_TEST_CRASH_AFTER_WRITE": String(writes)])
        #expect(crashed.status == 99, "\(crashed)")
        #expect(FileManager.default.fileExists(atPath: host.state + "/journal.toml"))
        #expect(host.file("bus/pci/devices/0000:0a:00.0/driver_override")?.hasPrefix("vfio-pci") == true)
        let recovered = try host.run(["recover", "--json"])
        #expect(recovered.status == 0, "\(recovered)")
        #expect(recovered.devices.first?["address"] as? String == "0000:0a:00.0")
        #expect(!FileManager.default.fileExists(atPath: host.state + "/journal.toml"))
        #expect(
            host.file("bus/pci/devices/0000:0a:00.0/driver_override")?.trimmingCharacters(in: .whitespacesAndNewlines)
                == "")
        let again = try host.run(["recover"])
        #expect(again.status == 0)
    }

    /// The next writing command after a crash recovers first, then does its own work from the
    /// recovered state (it must not mistake its own recovery for a concurrent change).
    @Test func theNextCommandRecoversFirst() throws {
        let host = try CLIHost()
        let crashed = try host.run(
            ["bind", "0a:00.0", "--driver", "vfio-pci"], environment: ["VFIOCTL_TEST_CRASH_AFTER_WRITE": "1"])
        #expect(crashed.status == 99, "\(crashed)")
        let next = try host.run(["unbind", "0a:00.0", "--json"])
        #expect(next.status == 0, "\(next)")
        #expect(next.stderr.contains("rolled back an interrupted 'bind'"), "\(next)")
        #expect(!FileManager.default.fileExists(atPath: host.state + "/journal.toml"))
        #expect(
            host.file("bus/pci/devices/0000:0a:00.0/driver_override")?.trimmingCharacters(in: .whitespacesAndNewlines)
                == "")
    }

    @Test func statusIsEmptyAtFirst() throws {
        let run = try CLIHost().run(["status", "--json"])
        #expect(run.status == 0, "\(run)")
        #expect(run.devices.isEmpty)
    }
}

// Every device form on the command line, on the workstation tree: the read commands, the commands of
// one device (which refuse several), and the writing commands with --dry-run.
import Foundation
import Testing
import TestSupport

@Suite struct SelectorCLITests {
    func addresses(_ run: CLIRun) -> [String] { run.devices.compactMap { $0["address"] as? String } }

    @Test func listTakesEveryForm() throws {
        let host = try CLIHost()
        #expect(addresses(try host.run(["list", "--json", "01:00"])) == ["0000:01:00.0", "0000:01:00.1"])
        #expect(addresses(try host.run(["list", "--json", "pci_0000_09_00_0"])) == ["0000:09:00.0"])
        #expect(addresses(try host.run(["list", "--json", "enp9s0"])) == ["0000:09:00.0"])
        #expect(addresses(try host.run(["list", "--json", "0000:02:0[23].*"])).count == 12)
        #expect(addresses(try host.run(["list", "--json", "0000:00:1f"])).count == 4)
        #expect(
            addresses(try host.run(["plan", "--json", "enp9s0", "01:00"])) == [
                "0000:01:00.0", "0000:01:00.1", "0000:09:00.0"
            ])
    }

    @Test(arguments: [
        ("eth0", "no PCI device has the network interface 'eth0'"), ("7f:00", "no PCI device in slot 0000:7f:00"),
        ("0000:7f:*", "no PCI device address matches '0000:7f:*'"),
        ("pci_0000_7f_00_0", "no PCI device at 0000:7f:00.0")
    ])
    func nothingMatchingIsNotFoundNamingTheSelector(_ selector: String, _ message: String) throws {
        let host = try CLIHost()
        for command in [
            ["list"], ["show"], ["plan"], ["bind", "--dry-run"], ["unbind", "--dry-run"],
            ["override", "--clear", "--dry-run"]
        ] {
            let run = try host.run(command + [selector])
            #expect(run.status == 4, "\(command) \(run)")
            #expect(run.stderr.contains(message), "\(command) \(run)")
        }
    }

    @Test(arguments: [
        "*", "*:*", "?*", "eth0/..", "..", "pci_0000_01_00", "a\u{1B}[2Jb", String(repeating: "e", count: 5000)
    ])
    func hostileSelectorsAreUsageErrors(_ selector: String) throws {
        let host = try CLIHost()
        for command in [["list"], ["bind", "--dry-run"], ["override", "--clear", "--dry-run"]] {
            let run = try host.run(command + [selector])
            #expect(run.status == 2, "\(command) \(run)")
            #expect(run.stderr.split(separator: "\n").count <= 2, "\(run)")
            #expect(!run.stderr.contains("\u{1B}"))
        }
    }

    /// show, override and sriov mean one device: a slot of two functions is refused, listing them.
    @Test func commandsOfOneDeviceRefuseSeveral() throws {
        let host = try CLIHost()
        for command in [
            ["show", "01:00"], ["override", "--clear", "--dry-run", "01:00"],
            ["sriov", "--vfs", "0", "--dry-run", "02:00"],
            ["show", "0000:02:*"]
        ] {
            let run = try host.run(command)
            #expect(run.status == 2, "\(command) \(run)")
            #expect(run.stderr.contains("matches"), "\(run)")
            #expect(run.stderr.contains("takes one device"), "\(run)")
        }
        let override = try host.run(["override", "--dry-run", "enp9s0", "vfio-pci"])
        #expect(override.status == 0, "\(override)")
        #expect(override.stdout.contains("0000:09:00.0"), "\(override)")
        let show = try host.run(["show", "--json", "pci_0000_01_00_1"])
        #expect(show.status == 0, "\(show)")
        #expect((show.json?["device"] as? [String: Any])?["address"] as? String == "0000:01:00.1")
    }

    /// bind and unbind take several devices as one transaction; each form resolves on them too.
    @Test func writingCommandsResolveEveryForm() throws {
        let host = try CLIHost()
        for selector in ["enp9s0", "pci_0000_09_00_0", "09:00", "0000:09:*", "8086:10d3"] {
            let run = try host.run(["bind", "--dry-run", "--json", selector])
            #expect(run.status == 0, "\(selector) \(run)")
            #expect(addresses(run) == ["0000:09:00.0"], "\(selector) \(run)")
        }
        // The GPU is the boot VGA device: forced, so the selection is what is checked.
        let slot = try host.run(["bind", "--dry-run", "--json", "--force", "boot-vga", "01:00"])
        #expect(addresses(slot) == ["0000:01:00.0", "0000:01:00.1"], "\(slot)")
    }
}

@Suite struct ListModulesCLITests {
    @Test func modulesShowTheHostDriversThatMatch() throws {
        let host = try CLIHost()
        let json = try host.run(["list", "--json", "--modules", "01:00.0", "09:00.0", "0a:00.0"])
        #expect(json.status == 0, "\(json)")
        #expect(json.device("0000:01:00.0")?["kernel_modules"] as? [String] == ["nouveau"])
        #expect(json.device("0000:09:00.0")?["kernel_modules"] as? [String] == ["e1000e"])
        #expect(json.device("0000:0a:00.0")?["kernel_modules"] as? [String] == [])
        // Without the flag the document is what it was.
        #expect(
            try host.run(["list", "--json", "09:00.0"]).device("0000:09:00.0")?.keys.contains("kernel_modules") == false
        )
        let text = try host.run(["list", "-k", "09:00.0", "0a:00.0"])
        let lines = text.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(lines.first?.contains("MODULES") == true, "\(text)")
        #expect(lines.dropFirst().map { $0.count > 7 ? String($0[7]) : "" } == ["e1000e", "-"], "\(text)")
        #expect(try host.run(["list", "--modules", "--tree"]).status == 2)
        #expect(try host.run(["list", "--modules-dir", host.modules]).status == 2)
        let missing = try host.run(["list", "--modules", "--modules-dir", host.root + "/nonexistent"])
        #expect(missing.status == 4, "\(missing)")
    }
}

@Suite struct BuiltInRulesCLITests {
    /// The binary copied outside the source tree and any install prefix still applies the shipped
    /// rules; an installed file of the same name replaces a built-in one.
    @Test func aCopiedBinaryKeepsTheShippedRules() throws {
        let host = try CLIHost(.broken)
        let bin = host.root + "/elsewhere/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLIHost.binary, toPath: bin + "/vfioctl")
        let copied = CLIRun(
            try Subprocess.run([bin + "/vfioctl", "plan", "--explain", "0000:00:02.0"], environment: host.environment())
        )
        #expect(copied.status == 0, "\(copied)")
        #expect(copied.stdout.contains("rule 'intel-igd' at <built-in>/50-platform-variants.toml:"), "\(copied)")

        let installed = host.root + "/elsewhere/lib/vfioctl/rules.d"
        try FileManager.default.createDirectory(atPath: installed, withIntermediateDirectories: true)
        try "# emptied by the administrator\n".write(
            toFile: installed + "/50-platform-variants.toml", atomically: true, encoding: .utf8)
        let overridden = CLIRun(
            try Subprocess.run([bin + "/vfioctl", "plan", "--json", "0000:00:02.0"], environment: host.environment()))
        let chain = try #require(overridden.device("0000:00:02.0")?["chain"] as? [[String: Any]], "\(overridden)")
        #expect(chain.map { $0["module"] as? String } == ["vfio_pci"])
    }
}

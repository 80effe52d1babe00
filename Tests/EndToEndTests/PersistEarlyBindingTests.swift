// `persist enable`/`disable`/`status` and early binding on the fake workstation tree: what is
// installed, bind's safety refusals with their --force codes, --late-only, the initramfs rebuild
// that is never run under another --root, and what the status says for a built-in host driver.
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A CLIHost with a state file wanting the GPU (boot VGA, 01:00.0) and the e1000e (09:00.0) on
/// VFIO, and an install root whose update-initramfs only leaves a mark when it is run.
private final class EarlyHost {
    let host: CLIHost
    var root: String { host.root + "/image" }
    var stateFile: String { host.root + "/state.toml" }
    var ranMarker: String { host.root + "/update-initramfs-ran" }

    static let earlyFiles = [
        "/etc/udev/rules.d/40-vfioctl-early.rules", "/etc/modprobe.d/vfioctl.conf",
        "/etc/initramfs-tools/hooks/vfioctl", "/etc/dracut.conf.d/vfioctl.conf"
    ]

    init(state: String = EarlyHost.gpuAndNIC) throws {
        host = try CLIHost()
        try state.write(toFile: stateFile, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: root + "/usr/sbin", withIntermediateDirectories: true)
        try "#!/bin/sh\ntouch \(ranMarker)\n".write(
            toFile: root + "/usr/sbin/update-initramfs", atomically: true, encoding: .utf8)
        chmod(root + "/usr/sbin/update-initramfs", 0o755)
    }

    static let gpuAndNIC = """
        [[device]]
        address = "0000:01:00.0"
        vendor = "10de"
        device = "1b80"
        state = "vfio"

        [[device]]
        address = "0000:09:00.0"
        vendor = "8086"
        device = "10d3"
        state = "vfio"

        """

    func run(_ arguments: [String]) throws -> CLIRun { try host.run(arguments) }

    func enable(_ extra: [String] = []) throws -> CLIRun {
        try run(["persist", "enable", stateFile, "--root", root, "--binary", CLIHost.binary] + extra)
    }

    func installed(_ path: String) -> String? { try? String(contentsOfFile: root + path, encoding: .utf8) }
}

@Suite("persist and early binding on a fake tree")
struct PersistEarlyBindingTests {
    @Test func refusesTheBootVGAWithBindsCodeAndInstallsNothing() throws {
        let early = try EarlyHost()
        let refused = try early.enable()
        #expect(refused.status == 3, "\(refused)")
        #expect(
            refused.stderr.contains(
                "0000:01:00.0: is the boot VGA device (boot_vga=1) (override with --force boot-vga)"), "\(refused)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: early.root + "/etc"), "something was installed")
    }

    @Test func forcedInstallsRuleSoftdepsHookAndDracutFile() throws {
        let early = try EarlyHost()
        let run = try early.enable(["--force", "boot-vga"])
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.contains("overridden: 0000:01:00.0: is the boot VGA device"), "\(run)")
        for path in EarlyHost.earlyFiles {
            #expect(early.installed(path) != nil, "\(path) was not installed")
        }
        let rule = try #require(early.installed(EarlyHost.earlyFiles[0]))
        #expect(
            rule.contains(
                #"KERNEL=="0000:01:00.0", ATTR{vendor}=="0x10de", ATTR{device}=="0x1b80", ATTR{driver_override}="vfio-pci", RUN{builtin}+="kmod load vfio_pci""#
            ), "\(rule)")
        #expect(rule.contains(#"KERNEL=="0000:09:00.0", ATTR{vendor}=="0x8086", ATTR{device}=="0x10d3""#), "\(rule)")
        // The host drivers the fake modules.alias gives these devices, both loadable.
        let softdeps = early.installed(EarlyHost.earlyFiles[1])?.split(separator: "\n").filter {
            $0.hasPrefix("softdep")
        }
        #expect(softdeps == ["softdep e1000e pre: vfio_pci", "softdep nouveau pre: vfio_pci"])
        var info = stat()
        #expect(
            stat(early.root + EarlyHost.earlyFiles[2], &info) == 0 && info.st_mode & 0o777 == 0o755,
            "the hook must be executable")
        // Another root than /: the rebuild is said, never run.
        #expect(
            run.stdout.contains(
                "the initramfs of \(early.root) was not rebuilt: run /usr/sbin/update-initramfs -u -k all in it"),
            "\(run)")
        #expect(!FileManager.default.fileExists(atPath: early.ranMarker), "update-initramfs was run under --root")

        // Running it again gives the same bytes (the files are deterministic).
        let first = EarlyHost.earlyFiles.map(early.installed)
        #expect(try early.enable(["--force", "boot-vga"]).status == 0)
        #expect(EarlyHost.earlyFiles.map(early.installed) == first)
    }

    @Test func lateOnlyAndDisableRemoveEveryEarlyFile() throws {
        let early = try EarlyHost()
        #expect(try early.enable(["--force", "boot-vga"]).status == 0)
        // --late-only needs no --force: nothing is kept from its host driver.
        let late = try early.enable(["--late-only"])
        #expect(late.status == 0, "\(late)")
        for path in EarlyHost.earlyFiles {
            #expect(early.installed(path) == nil, "\(path) is still there")
            #expect(late.stdout.contains("removed \(path)"), "\(late)")
        }
        #expect(early.installed("/etc/systemd/system/vfioctl.service") != nil)

        #expect(try early.enable(["--force", "boot-vga"]).status == 0)
        let disable = try early.run(["persist", "disable", "--root", early.root])
        #expect(disable.status == 0, "\(disable)")
        for path in EarlyHost.earlyFiles + ["/etc/vfioctl/state.toml"] {
            #expect(early.installed(path) == nil, "\(path) is still there")
        }
        #expect(disable.stdout.contains("was not rebuilt: run /usr/sbin/update-initramfs -u -k all"), "\(disable)")
        #expect(!FileManager.default.fileExists(atPath: early.ranMarker), "update-initramfs was run under --root")
    }

    @Test func entriesEarlyBindingDoesNotCoverAreNamed() throws {
        let early = try EarlyHost(
            state: """
                [[device]]
                ids = "8086:10d3"
                state = "vfio"

                """)
        let run = try early.enable()
        #expect(run.status == 0, "\(run)")
        #expect(
            run.stderr.contains("not bound early: \(early.stateFile):1: ids 8086:10d3 selects by ids or class"),
            "\(run)")
        #expect(early.installed(EarlyHost.earlyFiles[0]) == nil, "no address entry, no rule")
        #expect(!run.stdout.contains("initramfs"), "nothing for the initramfs to change: \(run)")
    }

    @Test func statusPerDeviceAndABuiltinHostDriver() throws {
        let early = try EarlyHost()
        #expect(try early.enable(["--force", "boot-vga"]).status == 0)
        let status = try early.run(["persist", "status", "--root", early.root, "--json"])
        #expect(status.status == 0, "\(status)")
        let binding = try #require(status.json?["early_binding"] as? [String: Any], "\(status)")
        #expect(binding["rule_current"] as? Bool == true)
        let image = try #require(binding["initramfs"] as? [String: Any])
        #expect(image["tool"] as? String == "initramfs-tools")
        #expect(
            (image["error"] as? String)?.contains("cannot read the initramfs \(early.root)/boot/initrd.img-") == true,
            "\(image)")
        let devices = try #require(binding["devices"] as? [[String: Any]])
        #expect(devices.map { $0["address"] as? String } == ["0000:01:00.0", "0000:09:00.0"])
        #expect(devices.map { $0["rule_installed"] as? Bool } == [true, true])
        #expect(devices[1]["current_driver"] as? String == "e1000e")

        // e1000e built into the kernel: it probes before any rule; pci-stub is built in too.
        try "kernel/vfio_pci.ko:\nkernel/nouveau.ko:\n".write(
            toFile: early.host.modules + "/modules.dep", atomically: true, encoding: .utf8)
        try "kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko\nkernel/drivers/pci/pci-stub.ko\n"
            .write(toFile: early.host.modules + "/modules.builtin", atomically: true, encoding: .utf8)
        let builtin = try early.run(["persist", "status", "--root", early.root])
        #expect(
            builtin.stdout.contains(
                "the host driver e1000e is built into the kernel: it probes the device when the kernel finds it, before any udev rule runs; what is left: pci-stub.ids=8086:10d3 on the kernel command line"
            ), "\(builtin)")
        #expect(
            builtin.stdout.contains("0000:09:00.0  8086:10d3  -> vfio-pci  NOT in place (now on e1000e)"), "\(builtin)")
    }
}

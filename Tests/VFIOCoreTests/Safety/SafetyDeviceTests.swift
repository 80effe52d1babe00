import TestSupport
import Testing
@testable import VFIOCore

@Suite struct SafetyDeviceTests {
    @Test func bootVGA() {
        #expect(
            SafetyChecker(host: HostState()).findings(for: SafetyFixture.gpu(bootVGA: true)).map(\.detail)
                == ["is the boot VGA device (boot_vga=1)"])
        #expect(SafetyChecker(host: HostState()).findings(for: SafetyFixture.gpu()).isEmpty)
    }

    @Test func fbcon() {
        let host = HostState(consoleFramebuffers: ["fb0": "vtcon1"])
        #expect(
            SafetyChecker(host: host).findings(for: SafetyFixture.gpu()).map(\.detail)
                == ["fb0 carries the framebuffer console (vtcon1)"])
        #expect(SafetyChecker(host: host).findings(for: SafetyFixture.gpu(["card1", "fb1"])).isEmpty)
    }

    @Test func openDisplayNodesGroupedPerProcess() {
        let xorg = HostState.NodeHolder(pid: 880, command: "Xorg")
        let host = HostState(openNodes: [
            "dri/card0": [xorg], "dri/renderD128": [xorg, .init(pid: 1200, command: "firefox")],
            "dri/card1": [.init(pid: 5, command: "other")]
        ])
        #expect(
            SafetyChecker(host: host).findings(for: SafetyFixture.gpu()).map(\.detail)
                == [
                    "pid 880 (Xorg) holds /dev/dri/card0, /dev/dri/renderD128",
                    "pid 1200 (firefox) holds /dev/dri/renderD128"
                ])
    }

    /// /dev/vfio/GROUP is the device's node only while it is on a VFIO driver: the group number of a
    /// device on a host driver may be held open for another member.
    @Test func openVFIOGroupOnlyWhenOnAVFIODriver() {
        let host = HostState(openNodes: ["vfio/12": [.init(pid: 1234, command: "qemu-system-x86")]])
        let onVFIO = SafetyFixture.nvme(driver: "vfio-pci", group: 12)
        let findings = SafetyChecker(host: host).findings(for: onVFIO)
        #expect(
            findings == [
                SafetyFinding(
                    code: .openFD, device: onVFIO.address, detail: "pid 1234 (qemu-system-x86) holds /dev/vfio/12")
            ])
        #expect(SafetyChecker(host: host).findings(for: SafetyFixture.nvme(driver: "nvme", group: 12)).isEmpty)
        let variant = SafetyChecker(
            host: host, vfioDrivers: VFIODriverSet(loaded: [DriverName("nvgrace_gpu_vfio_pci")!]))
        #expect(variant.findings(for: SafetyFixture.nvme(driver: "nvgrace_gpu_vfio_pci", group: 12)).count == 1)
    }

    @Test func openControllerCdevAndStackedBlockNodes() {
        let address = SafetyFixture.address("0000:02:00.0")
        let host = HostState(
            blockDevices: SafetyFixture.lvmDisk, deviceNodes: [address: ["nvme0", "vfio/devices/vfio0"]],
            openNodes: [
                "nvme0": [.init(pid: 77, command: "smartd")],
                "vfio/devices/vfio0": [.init(pid: 1234, command: "qemu-system-x86")],
                "dm-0": [.init(pid: 900, command: "qemu-system-x86")],
                "nvme1": [.init(pid: 78, command: "smartd")]
            ])
        let details = SafetyChecker(host: host).findings(for: SafetyFixture.nvme()).filter { $0.code == .openFD }.map(
            \.detail)
        #expect(
            details == [
                "pid 77 (smartd) holds /dev/nvme0", "pid 900 (qemu-system-x86) holds /dev/dm-0",
                "pid 1234 (qemu-system-x86) holds /dev/vfio/devices/vfio0"
            ])
    }

    @Test func bridgeAndSRIOVPF() {
        let bridge = SafetyFixture.device("0000:00:1c.0", class: 0x06_04_00, driver: "pcieport")
        #expect(
            SafetyChecker(host: HostState()).findings(for: bridge).map(\.detail) == ["is a PCI bridge (class 060400)"])
        let pf = SafetyFixture.device("0000:05:00.0", driver: "igb", sriov: SRIOVState(numVFs: 2, totalVFs: 7))
        #expect(
            SafetyChecker(host: HostState()).findings(for: pf).map(\.detail) == ["is an SR-IOV PF with 2 VFs enabled"])
        let idlePF = SafetyFixture.device("0000:05:00.0", driver: "igb", sriov: SRIOVState(numVFs: 0, totalVFs: 7))
        #expect(SafetyChecker(host: HostState()).findings(for: idlePF).isEmpty)
    }

    @Test func forcedCodesMoveToOverridden() {
        let host = HostState(addresses: ["eth0": ["192.168.1.5/24"]], consoleFramebuffers: ["fb0": "vtcon1"])
        let devices = [SafetyFixture.nic("eth0"), SafetyFixture.gpu(bootVGA: true)]
        let checker = SafetyChecker(host: host)
        let none = checker.findings(for: devices, forced: [])
        #expect(none.blocking.map(\.code) == [.netdevActive, .bootVGA, .fbcon] && none.overridden.isEmpty)
        let some = checker.findings(for: devices, forced: [.bootVGA, .fbcon, .swap])
        #expect(some.blocking.map(\.code) == [.netdevActive])
        #expect(some.overridden.map(\.code) == [.bootVGA, .fbcon])
        #expect(some.overridden.allSatisfy { $0.device == SafetyFixture.address("0000:03:00.0") })
    }

    @Test func codesAreStable() {
        #expect(
            SafetyCode.allCases.map(\.rawValue)
                == ["netdev-active", "mounted", "swap", "stacked", "boot-vga", "fbcon", "open-fd", "bridge", "sriov-pf"]
        )
        #expect(SafetyCode.allCases.allSatisfy { !$0.meaning.isEmpty })
    }

    /// What lets a bind of driverless devices skip capturing the host: for a device without a driver
    /// and without host use, a host where everything is in use finds what an empty one finds.
    @Test func aDriverlessDeviceWithoutHostUseNeedsNoHostState() {
        let address = "0000:05:00.0"
        let busy = HostState(
            addresses: ["eth0": ["192.168.1.5/24"]], routedInterfaces: ["eth0"],
            consoleFramebuffers: ["fb0": "vtcon1"],
            deviceNodes: [SafetyFixture.address(address): ["vfio/devices/vfio0"]],
            openNodes: [
                "vfio/devices/vfio0": [.init(pid: 7, command: "qemu-system-x86")],
                "vfio/5": [.init(pid: 8, command: "qemu-system-x86")]
            ])
        let driverless = [
            SafetyFixture.device(address, driver: nil, group: 5),
            SafetyFixture.device(address, class: 0x03_00_00, driver: nil, group: 5, bootVGA: true),
            SafetyFixture.device(address, class: 0x06_04_00, driver: nil),
            SafetyFixture.device(address, driver: nil, sriov: SRIOVState(numVFs: 2, totalVFs: 4))
        ]
        for device in driverless {
            #expect(!SafetyChecker.needsHostState(device))
            #expect(
                SafetyChecker(host: busy).findings(for: device)
                    == SafetyChecker(host: HostState()).findings(for: device))
        }
        #expect(SafetyChecker(host: HostState()).findings(for: driverless[1]).map(\.code) == [.bootVGA])

        // A driver, or host use in the record (a crafted tree), needs the host.
        #expect(SafetyChecker.needsHostState(SafetyFixture.device(address, driver: "vfio-pci", group: 5)))
        let crafted = SafetyFixture.device(
            address, driver: nil, hostUse: HostUse(networkInterfaces: [.init(name: "eth0", operstate: "up")]))
        #expect(SafetyChecker.needsHostState(crafted))
        #expect(SafetyChecker(host: busy).findings(for: crafted).map(\.code) == [.netdevActive])
    }
}

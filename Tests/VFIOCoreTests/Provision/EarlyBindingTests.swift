// Early binding: which entries it covers, the exact text of every file it installs (goldens), the
// checksum the initramfs hook and `persist status` must agree on, the safety checks it applies and
// what the status says for each kind of device.
import Foundation
import TestSupport
import Testing
@testable import VFIOCore

@Suite struct EarlyBindingTests {
    static let state = """
        [[device]]
        address = "0000:01:00.0"
        vendor = "8086"
        device = "10d3"
        state = "vfio"

        [[device]]
        address = "0000:03:00.0"
        vendor = "1b36"
        device = "0010"
        subsystem_vendor = "1af4"
        subsystem_device = "1100"
        state = "stub"

        [[device]]
        address = "0000:04:00.0"
        vendor = "15b3"
        device = "101e"
        driver = "mlx5_vfio_pci"

        [[device]]
        address = "0000:05:00.0"
        vendor = "8086"
        device = "1533"
        state = "host"

        [[device]]
        address = "0000:06:00.0"
        vendor = "8086"
        device = "1533"
        driver = "igb"

        [[device]]
        ids = "10de:10f0"
        state = "vfio"

        [[device]]
        vfs_of = "0000:04:00.0"
        state = "vfio"

        """

    static func early() throws -> EarlyBinding {
        EarlyBinding(try DesiredState.parse(state, file: "/etc/vfioctl/state.toml"))
    }

    @Test func onlyAddressEntriesWantingAVFIODriverOrStub() throws {
        let early = try Self.early()
        #expect(early.devices.map(\.address.description) == ["0000:01:00.0", "0000:03:00.0", "0000:04:00.0"])
        #expect(early.devices.map(\.driver.rawValue) == ["vfio-pci", "pci-stub", "mlx5_vfio_pci"])
        #expect(early.modules.map(\.rawValue) == ["vfio_pci", "pci_stub", "mlx5_vfio_pci"])
        #expect(early.notCovered.count == 2)
        #expect(early.notCovered[0].hasPrefix("/etc/vfioctl/state.toml:33: ids 10de:10f0"))
        #expect(early.notCovered[1].hasPrefix("/etc/vfioctl/state.toml:37: VFs of 0000:04:00.0"))
    }

    @Test func namedDriversSpelledEitherWay() {
        #expect(EarlyBinding.earlyDriver(.driver("vfio_pci"))?.0 == .vfioPCI)
        #expect(EarlyBinding.earlyDriver(.driver("pci_stub"))?.0 == .pciStub)
        #expect(EarlyBinding.earlyDriver(.driver("test-vfio-pci"))?.1 == ModuleName("test_vfio_pci"))
        #expect(EarlyBinding.earlyDriver(.driver("e1000e")) == nil)
        #expect(EarlyBinding.earlyDriver(.host) == nil)
    }

    /// A named driver ends up in a udev rule value, a shell script and a dracut file: only plain
    /// names get there; the others are named and left to the boot unit.
    @Test func driverNamesThatCouldEscapeAreNotBoundEarly() throws {
        for name in [#"x",RUN+="evil_vfio"#, "a$kernel_vfio", "my%vfio", "vfio;reboot", "vfio`id`", "vfio_pci\u{e9}"] {
            let state = try DesiredState.parse(
                """
                [[device]]
                address = "0000:01:00.0"
                vendor = "8086"
                device = "10d3"
                driver = \(name.debugDescription)

                """, file: "s.toml")
            let early = EarlyBinding(state)
            #expect(early.devices.isEmpty, "\(name)")
            #expect(
                early.notCovered.first?.contains("holds characters other than letters") == true,
                "\(name): \(early.notCovered)")
        }
    }

    @Test func udevRuleGolden() throws {
        #expect(
            EarlyBindingFiles.udevRuleText(try Self.early(), stateFile: PersistedPaths.stateFile) == #"""
                # Installed by `vfioctl persist enable`; removed by `vfioctl persist disable`.
                # Early binding (vfioctl.persist.enable(1), docs/early-binding.md): each device below gets its
                # driver_override before 80-drivers.rules loads its host driver, here and in the initramfs.
                # Address AND ids: a different card in the slot, or this card in another slot, is left alone.
                # Generated from /etc/vfioctl/state.toml.
                ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:01:00.0", ATTR{vendor}=="0x8086", ATTR{device}=="0x10d3", ATTR{driver_override}="vfio-pci", RUN{builtin}+="kmod load vfio_pci"
                ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:03:00.0", ATTR{vendor}=="0x1b36", ATTR{device}=="0x0010", ATTR{subsystem_vendor}=="0x1af4", ATTR{subsystem_device}=="0x1100", ATTR{driver_override}="pci-stub", RUN{builtin}+="kmod load pci_stub"
                ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:04:00.0", ATTR{vendor}=="0x15b3", ATTR{device}=="0x101e", ATTR{driver_override}="mlx5_vfio_pci", RUN{builtin}+="kmod load mlx5_vfio_pci"

                """#)
    }

    @Test func softdepGoldenOneLinePerHostModule() throws {
        var early = try Self.early()
        #expect(EarlyBindingFiles.modprobeText(early) == nil, "no host driver, no file")
        early.addSoftdeps(hostModules: [
            PCIAddress("0000:01:00.0")!: [ModuleName("e1000e")!],
            PCIAddress("0000:03:00.0")!: [ModuleName("nvme")!],
            PCIAddress("0000:04:00.0")!: [ModuleName("mlx5_core")!, ModuleName("mlx5_vfio_pci")!],
            // Not early-bound: ignored.
            PCIAddress("0000:05:00.0")!: [ModuleName("igb")!]
        ])
        #expect(
            EarlyBindingFiles.modprobeText(early) == """
                # Installed by `vfioctl persist enable`; removed by `vfioctl persist disable`.
                # Whoever loads one of these host drivers (another device's udev event, a modules list,
                # modprobe by hand) loads the VFIO module first, so a device whose driver_override is set
                # is taken by it at once. Only host drivers of early-bound devices are listed.
                softdep e1000e pre: vfio_pci
                softdep mlx5_core pre: mlx5_vfio_pci
                softdep nvme pre: pci_stub

                """)
    }

    @Test func initramfsToolsHookGolden() throws {
        #expect(
            EarlyBindingFiles.initramfsToolsHookText(try Self.early(), stateFile: PersistedPaths.stateFile) == #"""
                #!/bin/sh
                # Installed by `vfioctl persist enable`; removed by `vfioctl persist disable`.
                # Puts vfioctl's early-binding rule in the initramfs, so that its udev sets driver_override
                # before any host driver is loaded there (docs/early-binding.md).
                set -e
                PREREQ="udev"
                prereqs() { echo "$PREREQ"; }
                case "$1" in
                prereqs) prereqs; exit 0 ;;
                esac
                . /usr/share/initramfs-tools/hook-functions

                rule=/etc/udev/rules.d/40-vfioctl-early.rules
                mkdir -p "$DESTDIR/usr/lib/udev/rules.d"
                cp "$rule" "$DESTDIR/usr/lib/udev/rules.d/40-vfioctl-early.rules"
                # The udev hook copies every rule of /etc/udev/rules.d, the hot-plug rule too: it runs
                # vfioctl, which the image does not hold.
                rm -f "$DESTDIR/lib/udev/rules.d/70-vfioctl.rules" "$DESTDIR/usr/lib/udev/rules.d/70-vfioctl.rules"
                # copy_file returns 1 when the file is in the image already. mkinitramfs itself copies
                # /etc/modprobe.d/*.conf, the softdep file included.
                copy_file config /etc/vfioctl/state.toml || [ $? -eq 1 ]
                manual_add_modules vfio_pci pci_stub mlx5_vfio_pci
                # What `vfioctl persist status` looks for: the POSIX checksum and size of the rule copied.
                set -- $(cksum < "$rule")
                mkdir -p "$DESTDIR/etc/vfioctl"
                : > "$DESTDIR/etc/vfioctl/early-rule.cksum-$1-$2"

                """#)
    }

    @Test func dracutConfigGolden() throws {
        var early = try Self.early()
        #expect(
            EarlyBindingFiles.dracutConfigText(early, stateFile: PersistedPaths.stateFile) == """
                # Installed by `vfioctl persist enable`; removed by `vfioctl persist disable`.
                # Puts vfioctl's early-binding rule and modules in the initramfs (docs/early-binding.md).
                add_drivers+=" vfio_pci pci_stub mlx5_vfio_pci "
                install_items+=" /etc/udev/rules.d/40-vfioctl-early.rules /etc/vfioctl/state.toml "

                """)
        early.addSoftdeps(hostModules: [PCIAddress("0000:01:00.0")!: [ModuleName("e1000e")!]])
        #expect(
            EarlyBindingFiles.dracutConfigText(early, stateFile: PersistedPaths.stateFile).contains(
                "install_items+=\" /etc/udev/rules.d/40-vfioctl-early.rules /etc/vfioctl/state.toml /etc/modprobe.d/vfioctl.conf \""
            ))
    }

    /// The hook computes the fingerprint with cksum(1); status with POSIXChecksum: they must agree.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/cksum")))
    func checksumAgreesWithCksum() throws {
        let samples = [
            "", "a", "123456789", String(repeating: "x", count: 300),
            EarlyBindingFiles.udevRuleText(try Self.early(), stateFile: PersistedPaths.stateFile)
        ]
        for sample in samples {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/cksum")
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            input.fileHandleForWriting.write(Data(sample.utf8))
            try input.fileHandleForWriting.close()
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let expected = printed.split(separator: " ").first.map(String.init)
            #expect(String(POSIXChecksum.checksum(Array(sample.utf8))) == expected, "\(sample.prefix(20))")
        }
        // The published check value of the POSIX CRC for "123456789".
        #expect(POSIXChecksum.checksum(Array("123456789".utf8)) == 930_766_865)
    }

    // MARK: - safety

    @Test func refusesWhatTheRunningSystemUsesButNotOpenNodesOrVFs() throws {
        let state = try DesiredState.parse(
            """
            [[device]]
            address = "0000:01:00.0"
            vendor = "8086"
            device = "10d3"
            state = "vfio"

            [[device]]
            address = "0000:03:00.0"
            vendor = "8086"
            device = "10d3"
            state = "vfio"

            """, file: "s.toml")
        let early = EarlyBinding(state)
        var nic = SafetyFixture.nic("eth0")
        nic.sriov = SRIOVState(numVFs: 2)
        var gpu = SafetyFixture.gpu(bootVGA: true)
        gpu.identity = nic.identity
        var host = HostState()
        host.addresses = ["eth0": ["192.168.1.5/24"]]
        host.openNodes = ["fb0": [HostState.NodeHolder(pid: 7, command: "Xorg")]]
        let checker = SafetyChecker(host: host)
        let inventory = DeviceInventory(devices: [nic, gpu])

        let refused = EarlyBindingSafety.findings(early, inventory: inventory, checker: checker, forced: [])
        #expect(refused.blocking.map(\.code) == [.netdevActive, .bootVGA])
        #expect(refused.overridden.isEmpty)
        let error = try #require(EarlyBindingSafety.refusal(refused.blocking))
        #expect(error.status == .refused)
        #expect(
            error.message.contains("0000:01:00.0: eth0 is up with 192.168.1.5/24 (override with --force netdev-active)")
        )

        let forced = EarlyBindingSafety.findings(early, inventory: inventory, checker: checker, forced: ["boot-vga"])
        #expect(forced.blocking.map(\.code) == [.netdevActive])
        #expect(forced.overridden.map(\.code) == [.bootVGA])

        // Another card in the slot is not what the rule captures: its use is no reason to refuse.
        var other = nic
        other.identity.device = DeviceID(0x10D4)
        #expect(
            EarlyBindingSafety.findings(
                early, inventory: DeviceInventory(devices: [other]), checker: checker, forced: []
            ).blocking.isEmpty)
    }

    // MARK: - status

    static func status(
        _ state: String, devices: [PCIDevice], installed: String?, image: EarlyBindingStatus.Image = .noTool,
        builtin: Set<String> = [], vfioBuiltin: Bool = false
    ) throws -> EarlyBindingStatus {
        let early = EarlyBinding(try DesiredState.parse(state, file: "/etc/vfioctl/state.toml"))
        return EarlyBindingStatus(
            early: early, installedRule: installed, image: image, inventory: DeviceInventory(devices: devices),
            hostDrivers: { _ in
                [EarlyBindingStatus.HostDriver(module: ModuleName("e1000e")!, builtin: builtin.contains("e1000e"))]
            },
            builtinVFIO: vfioBuiltin, builtinStub: true)
    }

    static let oneNIC = """
        [[device]]
        address = "0000:01:00.0"
        vendor = "8086"
        device = "10d3"
        state = "vfio"

        """

    static func rule(_ state: String) throws -> String {
        EarlyBindingFiles.udevRuleText(
            EarlyBinding(try DesiredState.parse(state, file: "x")), stateFile: PersistedPaths.stateFile)
    }

    @Test func inPlaceWhenRuleImageAndHardwareAgree() throws {
        let status = try Self.status(
            Self.oneNIC, devices: [SafetyFixture.device("0000:01:00.0")], installed: try Self.rule(Self.oneNIC),
            image: .holdsRule(tool: .initramfsTools, path: "/boot/initrd.img-6.1"))
        #expect(status.ruleCurrent)
        #expect(status.devices.map(\.inPlace) == [true])
        #expect(status.devices[0].problems.isEmpty)
    }

    @Test func saysWhyNot() throws {
        let rule = try Self.rule(Self.oneNIC)
        // No rule installed.
        let missing = try Self.status(Self.oneNIC, devices: [SafetyFixture.device("0000:01:00.0")], installed: nil)
        #expect(
            missing.devices[0].problems == [
                "its rule is not in /etc/udev/rules.d/40-vfioctl-early.rules (run vfioctl persist enable)"
            ])
        // An initramfs built before the rule.
        let stale = try Self.status(
            Self.oneNIC, devices: [SafetyFixture.device("0000:01:00.0")], installed: rule,
            image: .staleRule(tool: .initramfsTools, path: "/boot/initrd.img-6.1"))
        #expect(
            stale.devices[0].problems == [
                "/boot/initrd.img-6.1 does not hold the installed rule (run /usr/sbin/update-initramfs -u -k all)"
            ])
        // Another card in the slot.
        var other = SafetyFixture.device("0000:01:00.0")
        other.identity.vendor = VendorID(0x1AF4)
        other.identity.device = DeviceID(0x1041)
        let different = try Self.status(Self.oneNIC, devices: [other], installed: rule)
        #expect(
            different.devices[0].problems == [
                "found 1af4:1041 subsystem 8086:a01f at 0000:01:00.0, not 8086:10d3: the rule does not capture it"
            ])
        #expect(!different.devices[0].matches)
        // Nothing in the slot.
        let absent = try Self.status(Self.oneNIC, devices: [], installed: rule)
        #expect(absent.devices[0].problems == ["no device at 0000:01:00.0 now"])
    }

    @Test func builtinHostDriverSaysWhatIsLeftAndWhatElseTheIdsCapture() throws {
        let devices = [SafetyFixture.device("0000:01:00.0"), SafetyFixture.device("0000:02:00.0")]
        let rule = try Self.rule(Self.oneNIC)
        let stub = try Self.status(Self.oneNIC, devices: devices, installed: rule, builtin: ["e1000e"])
        #expect(
            stub.devices[0].problems == [
                "the host driver e1000e is built into the kernel: it probes the device when the kernel finds it, before any udev rule runs; what is left: pci-stub.ids=8086:10d3 on the kernel command line, which also captures 0000:02:00.0 (same ids)"
            ])
        #expect(stub.devices[0].sameIDs.map(\.description) == ["0000:02:00.0"])
        let vfio = try Self.status(
            Self.oneNIC, devices: devices, installed: rule, builtin: ["e1000e"], vfioBuiltin: true)
        #expect(vfio.devices[0].commandLine == "vfio-pci.ids=8086:10d3")
        let loadable = try Self.status(Self.oneNIC, devices: devices, installed: rule)
        #expect(loadable.devices[0].inPlace && loadable.devices[0].commandLine == nil)
    }
}

import TestSupport
import Testing
import Foundation
@testable import VFIOCore
@testable import VFIOSystem

@Suite struct SafetyCaptureTests {
    /// A host with an NVMe root on LVM, a bridged NIC, fbcon on fb0 and a QEMU holding a VFIO group,
    /// written the way the kernel lays it out, then captured and checked end to end.
    @Test func captureFromFakeRoots() throws {
        let tree = try SafetyScratchTree()
        try tree.file(
            "proc/self/mountinfo",
            """
            23 28 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
            28 1 253:0 / / rw,relatime shared:1 - ext4 /dev/mapper/vg0-root rw,errors=remount-ro
            45 28 259:2 / /boot rw,relatime shared:29 - ext4 /dev/nvme0n1p2 rw

            """)
        try tree.file(
            "proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/dm-1 partition\t8388604\t0\t-2\n")
        try tree.file(
            "proc/net/route",
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
                + "br0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n")
        // No net/ipv6_route: IPv6 disabled is normal and not "unreadable".
        try tree.file("proc/net/vfioctl-addresses", "br0 192.168.1.5/24\n")
        try tree.file("proc/cmdline", "root=/dev/mapper/vg0-root quiet\n")
        try tree.link("proc/4242/fd/0", to: "/dev/null")
        try tree.link("proc/4242/fd/17", to: "/dev/vfio/12")
        try tree.link("proc/4242/fd/18", to: "/dev/vfio/vfio")
        try tree.file("proc/4242/comm", "qemu-system-x86\n")
        try tree.link("proc/4243/fd/3", to: "/dev/nvme0n1p2")
        try tree.directory("proc/4244")  // exited: no fd directory left

        for (name, dev) in [
            ("nvme0n1", "259:0"), ("nvme0n1p1", "259:1"), ("nvme0n1p2", "259:2"), ("nvme0n1p3", "259:3"),
            ("dm-0", "253:0"), ("dm-1", "253:1")
        ] {
            try tree.file("sys/class/block/\(name)/dev", dev + "\n")
            try tree.directory("sys/class/block/\(name)/holders")
        }
        for partition in ["nvme0n1p1", "nvme0n1p2", "nvme0n1p3"] {
            try tree.directory("sys/class/block/nvme0n1/\(partition)")
        }
        try tree.link("sys/class/block/nvme0n1p3/holders/dm-0", to: "../../dm-0")
        try tree.link("sys/class/block/nvme0n1p3/holders/dm-1", to: "../../dm-1")
        try tree.file("sys/class/block/dm-0/dm/name", "vg0-root\n")
        try tree.file("sys/class/block/dm-1/dm/name", "vg0-swap\n")
        try tree.link("sys/class/net/eth0/upper_br0", to: "../br0")
        try tree.directory("sys/class/net/br0")
        try tree.file("sys/class/vtconsole/vtcon0/bind", "0\n")
        try tree.file("sys/class/vtconsole/vtcon0/name", "(S) dummy device\n")
        try tree.file("sys/class/vtconsole/vtcon1/bind", "1\n")
        try tree.file("sys/class/vtconsole/vtcon1/name", "(M) frame buffer device\n")
        try tree.directory("sys/class/graphics/fb0")
        try tree.directory("sys/class/graphics/fbcon")
        try tree.link("sys/class/nvme/nvme0/device", to: "../../../0000:02:00.0")
        try tree.link("sys/class/nvme/nvme1/device", to: "../../ctl")  // NVMe over fabrics: no PCI function

        let host = HostState.capture(sysfsRoot: tree.path("sys"), procRoot: tree.path("proc") + "/", devRoot: "/dev")
        #expect(host.unreadable.isEmpty)
        #expect(host.mounts.map(\.mountPoint) == ["/proc", "/", "/boot"])
        #expect(host.swaps == [HostState.Swap(path: "/dev/dm-1", type: "partition")])
        #expect(host.routedInterfaces == ["br0"])
        #expect(host.addresses == ["br0": ["192.168.1.5/24"]])
        #expect(host.upperInterfaces == ["eth0": ["br0"]])
        #expect(host.blockDevices["nvme0n1"]?.partitions == ["nvme0n1p1", "nvme0n1p2", "nvme0n1p3"])
        #expect(host.blockDevices["nvme0n1p3"]?.holders == ["dm-0", "dm-1"])
        #expect(
            host.blockDevices["dm-0"]?.dmName == "vg0-root"
                && host.blockDevices["dm-0"]?.device == SafetyFixture.number("253:0"))
        #expect(host.consoleFramebuffers == ["fb0": "vtcon1"])
        #expect(host.deviceNodes == [SafetyFixture.address("0000:02:00.0"): ["nvme0"]])
        #expect(
            host.openNodes == [
                "vfio/12": [.init(pid: 4242, command: "qemu-system-x86")],
                "nvme0n1p2": [.init(pid: 4243, command: "?")]
            ])
        #expect(host.uncheckedProcesses == 0)

        let checker = SafetyChecker(host: host)
        #expect(
            checker.findings(for: SafetyFixture.nvme()).map(\.message) == [
                "0000:02:00.0: nvme0n1p2 mounted on /boot (override with --force mounted)",
                "0000:02:00.0: dm-0 (vg0-root) on nvme0n1p3 mounted on / (override with --force mounted)",
                "0000:02:00.0: dm-1 (vg0-swap) on nvme0n1p3 used as swap (override with --force swap)",
                "0000:02:00.0: nvme0n1p3 is held by dm-0 (vg0-root), dm-1 (vg0-swap) (override with --force stacked)",
                "0000:02:00.0: pid 4243 (?) holds /dev/nvme0n1p2 (override with --force open-fd)"
            ])
        #expect(
            checker.findings(for: SafetyFixture.nic("eth0")).map(\.detail) == [
                "eth0 is up under br0 with 192.168.1.5/24"
            ])
        #expect(checker.findings(for: SafetyFixture.gpu(["fb0"])).map(\.code) == [.fbcon])
        #expect(
            checker.findings(for: SafetyFixture.nvme([], driver: "vfio-pci", group: 12)).map(\.detail)
                == ["pid 4242 (qemu-system-x86) holds /dev/vfio/12"])
    }

    @Test func missingSourcesAreReportedNotFatal() throws {
        let tree = try SafetyScratchTree()
        try tree.directory("proc")
        try tree.directory("sys")
        let host = HostState.capture(sysfsRoot: tree.path("sys"), procRoot: tree.path("proc"), devRoot: "/dev")
        #expect(host.mounts.isEmpty && host.openNodes.isEmpty)
        let noProc = HostState.capture(sysfsRoot: tree.path("sys"), procRoot: tree.path("absent"), devRoot: "/dev")
        #expect(noProc.unreadable.contains { $0.hasPrefix("list ") && $0.contains("absent") })
        let reported = host.unreadable.joined(separator: "\n")
        for source in ["self/mountinfo", "swaps", "net/route", "class/block", "class/net"] {
            #expect(reported.contains(source))
        }
        #expect(
            !reported.contains("ipv6_route") && !reported.contains("vfioctl-addresses") && !reported.contains("cmdline")
        )
    }

    /// fbcon counts only while its vtconsole is bound, and only on the framebuffers its map names.
    @Test func fbconBindingAndMap() throws {
        let tree = try SafetyScratchTree()
        try tree.file("sys/class/vtconsole/vtcon1/bind", "0\n")
        try tree.file("sys/class/vtconsole/vtcon1/name", "(S) frame buffer device\n")
        for fb in ["fb0", "fb1", "fbcon"] { try tree.directory("sys/class/graphics/\(fb)") }
        let classes = SysfsClassReader(sysfs: LiveSysfs(root: tree.path("sys")))
        #expect(classes.consoleFramebuffers(fbconMap: [0]).isEmpty)
        try tree.file("sys/class/vtconsole/vtcon1/bind", "1\n")
        #expect(classes.consoleFramebuffers(fbconMap: [0]) == ["fb0": "vtcon1"])
        #expect(classes.consoleFramebuffers(fbconMap: [1, 2]) == ["fb1": "vtcon1"])
    }

    /// The real /proc and /sys of the machine running the tests (as root in a VM with virtio disks).
    @Test func captureLiveSystem() throws {
        let host = HostState.capture()
        #expect(host.mounts.contains { $0.mountPoint == "/" })
        #expect(!host.blockDevices.isEmpty)
        #expect(host.addresses["lo"]?.contains("127.0.0.1/8") ?? true)
        let unreadable = host.unreadable.filter { !$0.contains("ipv6_route") }
        #expect(unreadable.isEmpty, "\(unreadable)")

        // Whatever PCI device holds the root filesystem (vda on virtio-blk here) must be refused.
        let inventory = try SysfsWalkEnumerator(sysfs: LiveSysfs(root: "/sys"), userGivenRoot: false).enumerate()
        let checker = SafetyChecker(host: host, vfioDrivers: VFIODriverSet(sysfs: LiveSysfs(root: "/sys")))
        let resolver = BlockNameResolver(host: host)
        let rootBlocks = Set(host.mounts.filter { $0.mountPoint == "/" }.compactMap { resolver.block(for: $0) })
        for device in inventory.devices {
            let stack = Set(BlockStack(disks: device.hostUse.blockDevices, in: host).members.map(\.name))
            guard !stack.isDisjoint(with: rootBlocks) else { continue }
            let mounted = checker.findings(for: device).filter { $0.code == .mounted }.map(\.detail)
            #expect(
                mounted.contains { $0.hasSuffix(" mounted on /") || $0.contains(" mounted on /,") },
                "\(device.address): \(mounted)")
        }
        _ = checker.findings(for: inventory.devices, forced: [])
    }
}

/// The live /proc fd scan, against a child that really holds a block device node open (read-only).
@Suite struct SafetyLiveOpenFDTests {
    @Test func liveScanFindsAProcessHoldingABlockDevice() async throws {
        let before = HostState.capture()
        // The root disk when the sandbox allows opening it (this VM refuses /dev/vda with EPERM), else a loop device.
        let resolver = BlockNameResolver(host: before)
        let root = before.mounts.filter { $0.mountPoint == "/" }.compactMap { resolver.block(for: $0) }
        guard
            let node = (root + before.blockDevices.keys.sorted()).first(where: { name in
                guard let handle = FileHandle(forReadingAtPath: "/dev/" + name) else { return false }
                try? handle.close()
                return true
            })
        else { return }  // no openable block device (unprivileged container): nothing to hold
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        // Long enough to outlive a slow scan on a loaded machine (a 20 s sleep exited first under
        // load); the defer below kills it as soon as the test is done.
        child.arguments = ["-c", "exec 3</dev/\(node); exec sleep 600"]
        try child.run()
        defer {
            // SIGKILL: the test runner's children may inherit SIGTERM ignored, and sleep would run on.
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
        }
        let pid = child.processIdentifier
        var holders: [HostState.NodeHolder] = []
        for _ in 0..<100 where !holders.contains(where: { $0.pid == pid && $0.command == "sleep" }) {
            try await Task.sleep(for: .milliseconds(20))
            holders = HostState.capture().openNodes[node] ?? []
        }
        #expect(holders.contains(HostState.NodeHolder(pid: pid, command: "sleep")), "/dev/\(node)")
    }
}

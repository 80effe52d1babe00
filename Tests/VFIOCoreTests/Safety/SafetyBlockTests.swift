import TestSupport
import Testing
@testable import VFIOCore

@Suite struct SafetyBlockTests {
    private let disk = SafetyFixture.nvme()

    private func details(_ host: HostState, _ device: PCIDevice? = nil) -> [String] {
        SafetyChecker(host: host).findings(for: device ?? disk).map { "\($0.code.rawValue): \($0.detail)" }
    }

    @Test func unusedDiskIsSafe() {
        let host = HostState(
            mounts: [.init(device: SafetyFixture.number("8:1"), mountPoint: "/", source: "/dev/sda1")],
            blockDevices: [
                "nvme0n1": .init(name: "nvme0n1", device: SafetyFixture.number("259:0")),
                "sda1": .init(name: "sda1", device: SafetyFixture.number("8:1"))
            ])
        #expect(details(host).isEmpty)
    }

    @Test func mountedPartitionByDeviceNumber() {
        let host = HostState(
            mounts: [
                .init(device: SafetyFixture.number("259:2"), mountPoint: "/boot", source: "/dev/nvme0n1p2"),
                .init(device: SafetyFixture.number("259:1"), mountPoint: "/boot/efi", source: "/dev/nvme0n1p1"),
                .init(device: SafetyFixture.number("259:1"), mountPoint: "/efi-bind", source: "/dev/nvme0n1p1")
            ],
            blockDevices: SafetyFixture.lvmDisk.filter { !$0.key.hasPrefix("dm-") }.mapValues { block in
                var block = block
                block.holders = []
                return block
            })
        #expect(
            details(host) == [
                "mounted: nvme0n1p1 mounted on /boot/efi, /efi-bind",
                "mounted: nvme0n1p2 mounted on /boot"
            ])
    }

    @Test func lvmRootAndSwapOnAPartition() {
        let host = HostState(
            mounts: [.init(device: SafetyFixture.number("253:0"), mountPoint: "/", source: "/dev/mapper/vg0-root")],
            swaps: [.init(path: "/dev/dm-1", type: "partition")],
            blockDevices: SafetyFixture.lvmDisk)
        #expect(
            details(host) == [
                "mounted: dm-0 (vg0-root) on nvme0n1p3 mounted on /",
                "swap: dm-1 (vg0-swap) on nvme0n1p3 used as swap",
                "stacked: nvme0n1p3 is held by dm-0 (vg0-root), dm-1 (vg0-swap)"
            ])
    }

    @Test func stackedButNotMounted() {
        #expect(
            details(HostState(blockDevices: SafetyFixture.lvmDisk))
                == ["stacked: nvme0n1p3 is held by dm-0 (vg0-root), dm-1 (vg0-swap)"])
    }

    /// LUKS inside LVM inside md RAID1 over two disks of one controller: every layer is followed, and
    /// the message names the controller's disks the filesystem depends on. dm-1 also claims to hold
    /// dm-0, a cycle only a corrupt sysfs shows, which must not hang the walk.
    @Test func deepStackThroughMDAndCrypt() {
        let blocks: [String: HostState.BlockDevice] = [
            "sda": .init(name: "sda", partitions: ["sda1"]),
            "sda1": .init(name: "sda1", holders: ["md0"]),
            "sdb": .init(name: "sdb", holders: ["md0"]),
            "md0": .init(name: "md0", holders: ["dm-0"]),
            "dm-0": .init(name: "dm-0", holders: ["dm-1"], dmName: "vg-data"),
            "dm-1": .init(name: "dm-1", device: SafetyFixture.number("253:1"), holders: ["dm-0"], dmName: "luks-data")
        ]
        let host = HostState(
            mounts: [.init(device: SafetyFixture.number("253:1"), mountPoint: "/srv", source: "/dev/mapper/luks-data")],
            blockDevices: blocks)
        let ahci = SafetyFixture.device(
            "0000:00:17.0", class: 0x01_06_01, driver: "ahci", hostUse: HostUse(blockDevices: ["sda", "sdb"]))
        #expect(
            details(host, ahci) == [
                "mounted: dm-1 (luks-data) on sda1, sdb mounted on /srv",
                "stacked: sda1 is held by md0", "stacked: sdb is held by md0"
            ])
    }

    /// btrfs mounts show an anonymous 0:N device number; the source path is the way back to the disk.
    @Test func btrfsMountFoundBySource() {
        let host = HostState(
            mounts: [
                .init(
                    device: SafetyFixture.number("0:45"), mountPoint: "/data", source: "/dev/nvme0n1p2", fsType: "btrfs"
                ),
                .init(device: SafetyFixture.number("0:22"), mountPoint: "/proc", source: "proc")
            ],
            blockDevices: [
                "nvme0n1": .init(name: "nvme0n1", partitions: ["nvme0n1p2"]),
                "nvme0n1p2": .init(name: "nvme0n1p2", device: SafetyFixture.number("259:2"))
            ])
        #expect(details(host) == ["mounted: nvme0n1p2 mounted on /data"])
    }

    @Test func swapFileIsNotTheDisksSwap() {
        let host = HostState(
            swaps: [.init(path: "/dev/nvme0n1", type: "file")],
            blockDevices: ["nvme0n1": .init(name: "nvme0n1")])
        #expect(details(host).isEmpty)
        let partition = HostState(
            swaps: [.init(path: "/dev/nvme0n1", type: "partition")],
            blockDevices: ["nvme0n1": .init(name: "nvme0n1")])
        #expect(details(partition) == ["swap: nvme0n1 used as swap"])
    }
}

import TestSupport
import Testing
@testable import VFIOCore

/// The parsers against lines in the kernel's real formats (samples from Debian hosts and this VM).
@Suite struct SafetyParserTests {
    @Test func mountinfoWithOptionalFieldsEscapesAndBtrfs() {
        let text = """
            22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
            28 1 253:0 / / rw,relatime shared:1 - ext4 /dev/mapper/vg0-root rw,errors=remount-ro
            47 45 259:1 / /boot/efi rw,relatime shared:31 master:2 - vfat /dev/nvme0n1p1 rw,fmask=0077,dmask=0077
            60 28 0:45 / /data rw,relatime shared:33 - btrfs /dev/sda2 rw,space_cache=v2,subvolid=5,subvol=/
            61 28 8:17 / /mnt/my\\040disk rw,relatime - ext4 /dev/sdb1 rw
            27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
            garbage line
            """
        let mounts = ProcParsers.mounts(text)
        #expect(mounts.count == 6)
        #expect(
            mounts[1]
                == HostState.Mount(
                    device: SafetyFixture.number("253:0"), mountPoint: "/",
                    source: "/dev/mapper/vg0-root", fsType: "ext4"))
        #expect(mounts[2].source == "/dev/nvme0n1p1" && mounts[2].mountPoint == "/boot/efi")
        #expect(mounts[3].device.major == 0 && mounts[3].source == "/dev/sda2" && mounts[3].fsType == "btrfs")
        #expect(mounts[4].mountPoint == "/mnt/my disk")
        #expect(mounts[5].device == SafetyFixture.number("254:0"))
    }

    @Test func swapsPartitionAndFile() {
        let text = """
            Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority
            /dev/dm-1                               partition\t8388604\t\t0\t\t-2
            /swap\\040file                          file\t\t2097148\t\t0\t\t-3

            """
        #expect(
            ProcParsers.swaps(text) == [
                HostState.Swap(path: "/dev/dm-1", type: "partition"),
                HostState.Swap(path: "/swap file", type: "file")
            ])
        #expect(ProcParsers.swaps("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n").isEmpty)
    }

    @Test func ipv4Routes() {
        let text = """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT                                                       
            eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0                                                                               
            eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0                                                                               
            wlan0\t0000FEA9\t00000000\t0001\t0\t0\t1000\t0000FFFF\t0\t0\t0
            eth9\t0000000A\t00000000\t0000\t0\t0\t0\t000000FF\t0\t0\t0
            """
        #expect(ProcParsers.ipv4RoutedInterfaces(text) == ["eth0", "wlan0"])
    }

    @Test func ipv6RoutesIgnoreTheKernelsAutomaticOnes() {
        // This VM's table, plus eth1 which is up with IPv6 on but unconfigured (automatic routes only).
        let text = """
            fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
            fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001     eth0
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0
            00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo
            fe8000000000000000fc00fffe000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001     eth0
            ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000003 00000000 00000001     eth0
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
            fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth1
            fe80000000000000021b21fffe3a4c5d 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001     eth1
            ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001     eth1
            """
        #expect(ProcParsers.ipv6RoutedInterfaces(text) == ["eth0", "lo"])
    }

    @Test func addressFileAndFbconMap() {
        let addresses = ProcParsers.addresses("# fake getifaddrs\neth0 192.168.1.5/24\neth0 fd00::5/64  # v6\nbad\n")
        #expect(addresses == ["eth0": ["192.168.1.5/24", "fd00::5/64"]])
        #expect(ProcParsers.fbconMap(commandLine: "quiet console=ttyS0\n") == [0])
        #expect(ProcParsers.fbconMap(commandLine: "root=/dev/sda1 fbcon=rotate:1,map:12 quiet") == [1, 2])
    }
}

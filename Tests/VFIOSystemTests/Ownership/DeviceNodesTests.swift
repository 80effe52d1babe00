#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// `LiveDeviceNodes` against a dev directory of its own: the real calls (fstatat, fchownat, fchmodat)
/// on nodes made with mknod (root only), and what must be refused in a node's place.
@Suite struct DeviceNodesTests {
    static let isRoot = geteuid() == 0
    let device = DeviceNumber(major: 240, minor: 10)

    /// `DIR/vfio/` (and `DIR/vfio/devices/`), with a character device `vfio/10` when root.
    final class Dev: @unchecked Sendable {
        let directory: TemporaryDirectory
        var path: String { directory.path }

        init(node: DeviceNumber? = nil) throws {
            directory = try TemporaryDirectory(prefix: "vfioctl-dev")
            mkdir(path + "/vfio", 0o755)
            mkdir(path + "/vfio/devices", 0o755)
            if let node { #expect(mknod(path + "/vfio/10", S_IFCHR | 0o600, DeviceNodesTests.rdev(node)) == 0) }
        }

        deinit { directory.remove() }

        func stat(_ relative: String) -> Glibc.stat {
            var info = Glibc.stat()
            _ = lstat(path + "/" + relative, &info)
            return info
        }
    }

    @Test(.enabled(if: isRoot, "mknod needs root")) func setsOwnerGroupAndModeOnceThenReportsUnchanged() throws {
        let dev = try Dev(node: device)
        let nodes = LiveDeviceNodes(devRoot: dev.path)
        let wanted = NodeOwnership(uid: 4321, gid: 8765, mode: NodeMode(bits: 0o660))
        #expect(try nodes.apply(wanted, to: "/dev/vfio/10", device: device))
        let info = dev.stat("vfio/10")
        #expect(info.st_uid == 4321 && info.st_gid == 8765 && info.st_mode & 0o7777 == 0o660)
        #expect(try !nodes.apply(wanted, to: "/dev/vfio/10", device: device), "a second run changes nothing")
        let attributes = try #require(try nodes.attributes("/dev/vfio/10", device: device))
        #expect(attributes.uid == 4321 && attributes.mode == NodeMode(bits: 0o660))
    }

    @Test(.enabled(if: isRoot, "mknod needs root")) func anOwnerAloneKeepsGroupAndMode() throws {
        let dev = try Dev(node: device)
        #expect(
            try LiveDeviceNodes(devRoot: dev.path).apply(
                NodeOwnership(uid: 77, gid: nil, mode: nil), to: "/dev/vfio/10", device: nil))
        let info = dev.stat("vfio/10")
        #expect(info.st_uid == 77 && info.st_gid == 0 && info.st_mode & 0o7777 == 0o600)
    }

    @Test(.enabled(if: isRoot, "mknod needs root")) func anotherDeviceNumberThanSysfsSaysIsRefused() throws {
        let dev = try Dev(node: DeviceNumber(major: 1, minor: 3))
        #expect(throws: VFIOError.self) {
            _ = try LiveDeviceNodes(devRoot: dev.path).apply(
                NodeOwnership(uid: 77, gid: nil, mode: nil), to: "/dev/vfio/10", device: device)
        }
        #expect(dev.stat("vfio/10").st_uid == 0)
    }

    @Test func aPlantedSymlinkIsRefusedAndItsTargetUntouched() throws {
        let dev = try Dev()
        let target = dev.path + "/target"
        close(open(target, O_CREAT | O_WRONLY, 0o600))
        symlink(target, dev.path + "/vfio/10")
        let nodes = LiveDeviceNodes(devRoot: dev.path)
        do {
            _ = try nodes.apply(
                NodeOwnership(uid: 77, gid: 77, mode: NodeMode(bits: 0o660)), to: "/dev/vfio/10", device: nil)
            Issue.record("a symlink was accepted")
        } catch {
            #expect(error.status == .refused)
            #expect(error.message.contains("not a character device"))
        }
        #expect(dev.stat("target").st_uid == 0 && dev.stat("target").st_mode & 0o777 == 0o600)
        #expect(throws: VFIOError.self) { _ = try nodes.attributes("/dev/vfio/10", device: nil) }
    }

    @Test func aPlantedRegularFileIsRefused() throws {
        let dev = try Dev()
        close(open(dev.path + "/vfio/devices/vfio0", O_CREAT | O_WRONLY, 0o600))
        #expect(throws: VFIOError.self) {
            _ = try LiveDeviceNodes(devRoot: dev.path).apply(
                NodeOwnership(uid: 77, gid: nil, mode: nil), to: "/dev/vfio/devices/vfio0", device: nil)
        }
        #expect(dev.stat("vfio/devices/vfio0").st_uid == 0)
    }

    @Test func aLinkedVFIODirectoryIsNotFollowed() throws {
        let dev = try Dev()
        let elsewhere = try TemporaryDirectory(prefix: "vfioctl-elsewhere")
        defer { elsewhere.remove() }
        close(open(elsewhere.path + "/10", O_CREAT | O_WRONLY, 0o600))
        rmdir(dev.path + "/vfio/devices")
        rmdir(dev.path + "/vfio")
        symlink(elsewhere.path, dev.path + "/vfio")
        #expect(throws: VFIOError.self) {
            _ = try LiveDeviceNodes(devRoot: dev.path).apply(
                NodeOwnership(uid: 77, gid: nil, mode: nil), to: "/dev/vfio/10", device: nil)
        }
    }

    @Test(arguments: [
        "/dev/vfio/vfio", "/dev/iommu", "/dev/vfio/../iommu", "/dev/vfio/devices/..", "/dev/sda", "/dev/vfio/a/b",
        "/dev/vfio/"
    ])
    func hostNodesAndOtherPathsAreNeverChanged(_ path: String) throws {
        let dev = try Dev()
        #expect(throws: VFIOError.self) {
            _ = try LiveDeviceNodes(devRoot: dev.path).apply(
                NodeOwnership(uid: 77, gid: nil, mode: nil), to: path, device: nil)
        }
    }

    @Test func aMissingNodeHasNoAttributes() throws {
        let dev = try Dev()
        #expect(try LiveDeviceNodes(devRoot: dev.path).attributes("/dev/vfio/10", device: nil) == nil)
        #expect(try LiveDeviceNodes(devRoot: dev.path + "/none").attributes("/dev/vfio/10", device: nil) == nil)
    }

    /// glibc's makedev (a macro Swift does not import).
    static func rdev(_ device: DeviceNumber) -> dev_t {
        let major = UInt64(device.major), minor = UInt64(device.minor)
        return dev_t(((major & 0xfff) << 8) | ((major & ~0xfff) << 32) | (minor & 0xff) | ((minor & ~0xff) << 12))
    }

    @Test func deviceNumbersDecodeAsGlibcDoes() {
        for device in [
            DeviceNumber(major: 240, minor: 10), DeviceNumber(major: 4095, minor: 1_048_575),
            DeviceNumber(major: 511, minor: 300)
        ] {
            #expect(DeviceNumber(rdev: UInt64(Self.rdev(device))) == device)
        }
    }
}

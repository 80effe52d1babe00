import Glibc
@testable import VFIOCore
@testable import VFIOSystem
import Testing

/// Which paths go through a held device directory or a held driver command file.
@Suite struct HeldDescriptorsTests {
    @Test func devicePathsSplitIntoDeviceAndOneAttribute() {
        #expect(HeldDescriptors.devicePath("bus/pci/devices/0000:07:00.1")! == ("0000:07:00.1", nil))
        #expect(
            HeldDescriptors.devicePath("bus/pci/devices/0000:07:00.1/driver_override")! == (
                "0000:07:00.1", "driver_override"
            ))
        for other in [
            "bus/pci/devices/", "bus/pci/devices", "bus/pci/devices//driver", "bus/pci/devices/x/",
            "bus/pci/devices/x/power/control", "bus/pci/drivers/vfio-pci/bind", "devices/pci0000:00/0000:07:00.1",
            "xbus/pci/devices/0000:07:00.1"
        ] {
            #expect(HeldDescriptors.devicePath(other) == nil, "\(other)")
        }
    }

    /// Device names as keys: equal exactly when their bytes are; no longer than 16 bytes.
    @Test func deviceNamesAreTheirBytes() {
        let name = HeldDescriptors.DeviceName("0000:07:00.1")
        #expect(name?.string == "0000:07:00.1")
        #expect(name == HeldDescriptors.DeviceName("0000:07:00.1"))
        #expect(name != HeldDescriptors.DeviceName("0000:07:00.10"))
        #expect(HeldDescriptors.DeviceName("0000:07:00.1\0") != name)
        #expect(HeldDescriptors.DeviceName(String(repeating: "a", count: 16)) != nil)
        #expect(HeldDescriptors.DeviceName(String(repeating: "a", count: 17)) == nil)
        #expect(HeldDescriptors.DeviceName("") == nil)
    }

    /// One spelling of the devices directory: the enumerator's, which the reader opens devices by.
    @Test func theDevicePrefixIsTheEnumeratorsDirectory() {
        #expect(HeldDescriptors.devicesPrefix.description == SysfsWalkEnumerator.devicesDirectory + "/")
        let name = HeldDescriptors.DeviceName("0000:07:00.1")
        #expect(name?.withDirectoryPath { String(cString: $0) } == "bus/pci/devices/0000:07:00.1")
        #expect(HeldDescriptors.DeviceName("a")?.withDirectoryPath { String(cString: $0) } == "bus/pci/devices/a")
    }

    @Test func onlyDriverBindAndUnbindFilesAreHeld() {
        #expect(HeldDescriptors.classify("bus/pci/drivers/vfio-pci/bind") == .commandFile)
        #expect(HeldDescriptors.classify("bus/pci/drivers/e1000e/unbind") == .commandFile)
        for other in [
            "bus/pci/drivers/vfio-pci/new_id", "bus/pci/drivers_probe", "bus/pci/devices/0000:07:00.1/driver_override",
            "bus/pci/drivers/vfio-pci/rebind"
        ] {
            #expect(HeldDescriptors.classify(other) != .commandFile, "\(other)")
        }
    }

    @Test func writesThatRecreateDevicesForgetHeldDirectories() {
        #expect(HeldDescriptors.classify("bus/pci/devices/0000:07:00.0/sriov_numvfs") == .recreatesDevices)
        #expect(HeldDescriptors.classify("bus/pci/devices/0000:07:00.0/remove") == .recreatesDevices)
        #expect(HeldDescriptors.classify("bus/pci/rescan") == .recreatesDevices)
        #expect(HeldDescriptors.classify("bus/pci/devices/0000:07:00.0/driver_override") != .recreatesDevices)
    }

    /// Only a plain name is looked up next to a device's siblings: never `.` or `..`.
    @Test func onlyAddressLikeNamesAreLookedUpAmongSiblings() {
        #expect(HeldDescriptors.DeviceName("0000:07:00.1")?.withSiblingName { String(cString: $0) } == "0000:07:00.1")
        #expect(HeldDescriptors.DeviceName("10000:e1:00.0")?.withSiblingName { String(cString: $0) } == "10000:e1:00.0")
        for other in [".", "..", ":0", "0000:07:00.1/..", "0000:07:00 1", "0000:07:00.x"] {
            #expect(HeldDescriptors.DeviceName(other)?.withSiblingName { _ in true } == nil, "\(other)")
        }
    }

    /// The parent siblings are opened from is looked up once, from the device last opened by its
    /// link, and given up with the devices (new VFs) or for the next device opened by its link.
    @Test func theSiblingsParentIsLookedUpOnceAndGivenUpWithTheDevices() {
        let held = HeldDescriptors()
        var lookups = 0
        let lookUp: (Int32) -> Int32 = { _ in
            lookups += 1
            return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        #expect(held.siblingsDirectory(parent: lookUp) == nil)
        let device = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        #expect(held.holdDirectory(device, for: HeldDescriptors.DeviceName("a")!))
        held.noteOpenedByBusLink(device)
        let parent = held.siblingsDirectory(parent: lookUp)
        #expect(parent != nil && held.siblingsDirectory(parent: lookUp) == parent && lookups == 1)
        held.noteOpenedByBusLink(device)
        #expect(held.siblingsDirectory(parent: lookUp) != nil && lookups == 2)
        held.forgetDirectories()
        #expect(held.siblingsDirectory(parent: lookUp) == nil && lookups == 2)
    }

    /// Held and forgotten directories together never pass the capacity (each is an open file).
    @Test func heldAndRetiredDirectoriesStayWithinTheCapacity() {
        let held = HeldDescriptors(directoryCapacity: 2)
        let fds = (0..<4).map { _ in open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        let (a, b, c) = (
            HeldDescriptors.DeviceName("a")!, HeldDescriptors.DeviceName("b")!, HeldDescriptors.DeviceName("c")!
        )
        #expect(held.holdDirectory(fds[0], for: a) && held.holdDirectory(fds[1], for: b))
        #expect(!held.holdDirectory(fds[2], for: c))
        held.forgetDirectories()
        #expect(held.directory(a) == nil)
        #expect(!held.holdDirectory(fds[2], for: c))
        for fd in fds[2...] { close(fd) }
    }
}

/// The byte-level API, spelled with Strings for the assertions above.
extension HeldDescriptors {
    static func devicePath(_ path: String) -> (device: String, attribute: String?)? {
        var path = path
        return path.withUTF8 { bytes in
            devicePath(bytes).map { parts in
                (
                    parts.device.string,
                    parts.attribute.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0...]), as: UTF8.self) }
                )
            }
        }
    }
}

extension HeldDescriptors.DeviceName {
    init?(_ name: String) {
        var name = name
        guard let made = name.withUTF8({ Self($0) }) else { return nil }
        self = made
    }
}

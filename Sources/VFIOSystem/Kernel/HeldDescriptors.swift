#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import VFIOCore

/// Descriptors a writing command goes back to, kept open for the life of a `LiveSysfs`:
/// - the directories of devices (`bus/pci/devices/ADDRESS`), opened once when the device is read,
///   so its override, driver link and later writes are reached with one short lookup instead of a
///   walk through /sys and the bus symlink for every access;
/// - drivers' `bind` and `unbind` files, opened once and written once per device.
/// In TCG each long path walk costs tens of microseconds, several per device moved.
///
/// Every directory here was opened beneath the tree's root (openat2, RESOLVE_BENEATH), so writes
/// through it keep the guarantee `LiveSysfs.write` gives. So is the one parent directory kept to
/// open a device's siblings from (see `siblingsDirectory`). A device removed while its descriptor is
/// held answers ENOENT, as its path would; VFs that `sriov_numvfs` destroys and creates again under
/// the same addresses are new directories, so that write forgets every held directory.
final class HeldDescriptors: Sendable {
    /// Beyond this many directories (held and retired together) the rest are opened per access as
    /// before: the default soft limit on open files is 1,024.
    let directoryCapacity: Int

    init(directoryCapacity: Int = 512) {
        self.directoryCapacity = directoryCapacity
    }

    private struct State {
        var directories: [DeviceName: Int32] = [:]
        /// The directory asked for last: a device's accesses come one after another, and this
        /// spares hashing its name for each.
        var lastDirectory: (name: DeviceName, fd: Int32)?
        var commandFiles: [String: Int32] = [:]
        /// The command file asked for last (binding many devices writes one bind file over and over).
        var lastCommandFile: (path: String, fd: Int32)?
        /// Forgotten directories stay open until the end: a `LiveDirectory` may still be reading
        /// through one, and a closed number could be reused by an unrelated open.
        var retired: [Int32] = []
        /// The held directory of the device last opened by its bus link, whose parent is looked
        /// up when the next device is opened (-1: none).
        var siblingsSource: Int32 = -1
        /// That parent, once looked up (-1: not yet, or it could not be).
        var siblingsParent: Int32 = -1
        /// `bus/pci/devices` (-1: not opened yet).
        var devices: Int32 = -1

        /// Kept open like a forgotten directory: a lookup may still be running from it.
        mutating func retireSiblingsParent() {
            if siblingsParent >= 0 { retired.append(siblingsParent) }
            siblingsParent = -1
        }
    }

    private let state = Mutex(State())

    /// The held directory of device `name` (`0000:07:00.1`).
    func directory(_ name: DeviceName) -> Int32? {
        state.withLock { state in
            if let last = state.lastDirectory, last.name == name { return last.fd }
            guard let fd = state.directories[name] else { return nil }
            state.lastDirectory = (name, fd)
            return fd
        }
    }

    /// Keeps `fd` for device `name`; false (the caller still owns `fd`) when full or already held.
    func holdDirectory(_ fd: Int32, for name: DeviceName) -> Bool {
        state.withLock { state in
            guard state.directories.count + state.retired.count < directoryCapacity else { return false }
            if state.directories.isEmpty { state.directories.reserveCapacity(64) }
            // One lookup: insert, and put the earlier one back in the rare case there was one.
            if let earlier = state.directories.updateValue(fd, forKey: name) {
                state.directories[name] = earlier
                return false
            }
            state.lastDirectory = (name, fd)
            return true
        }
    }

    func commandFile(_ path: String) -> Int32? {
        state.withLock { state in
            if let last = state.lastCommandFile, last.path == path { return last.fd }
            guard let fd = state.commandFiles[path] else { return nil }
            state.lastCommandFile = (path, fd)
            return fd
        }
    }

    func holdCommandFile(_ fd: Int32, for path: String) -> Bool {
        state.withLock { state in
            guard state.commandFiles[path] == nil else { return false }
            state.commandFiles[path] = fd
            return true
        }
    }

    func forgetDirectories() {
        state.withLock { state in
            state.retired += state.directories.values
            state.directories = [:]
            state.lastDirectory = nil
            state.retireSiblingsParent()
            state.siblingsSource = -1
        }
    }

    /// `bus/pci/devices`, opened by `open` the first time it succeeds; nil while it cannot be. Its
    /// links are read once per device listed: relative to it, each is one readlinkat.
    func devicesDirectory(open: () -> Int32) -> Int32? {
        state.withLock { state in
            if state.devices < 0 { state.devices = open() }
            return state.devices >= 0 ? state.devices : nil
        }
    }

    /// Records that held directory `fd` was opened by its bus link: the next device is first
    /// looked for next to it. The previous parent, which did not hold this device, is retired.
    func noteOpenedByBusLink(_ fd: Int32) {
        state.withLock { state in
            state.retireSiblingsParent()
            state.siblingsSource = fd
        }
    }

    /// The parent directory of the device last opened by its bus link, where its siblings are
    /// opened with one lookup instead of a walk through `bus/pci/devices` and the link (most of
    /// the cost of opening a new VF). `parent` looks it up from that device's directory, once;
    /// nil when there is none. The kernel names a PCI function after its address and makes it a
    /// child of its bridge's directory, so a directory of that name there is that device.
    func siblingsDirectory(parent: (Int32) -> Int32) -> Int32? {
        state.withLock { state in
            if state.siblingsParent < 0 && state.siblingsSource >= 0 {
                state.siblingsParent = parent(state.siblingsSource)
                state.siblingsSource = -1
            }
            return state.siblingsParent >= 0 ? state.siblingsParent : nil
        }
    }

    deinit {
        state.withLock { state in
            for fd in state.directories.values { close(fd) }
            for fd in state.commandFiles.values { close(fd) }
            for fd in state.retired { close(fd) }
            if state.siblingsParent >= 0 { close(state.siblingsParent) }
            if state.devices >= 0 { close(state.devices) }
        }
    }

    // MARK: Which paths qualify

    /// `bus/pci/devices/NAME` -> (NAME, nil), `bus/pci/devices/NAME/ATTRIBUTE` -> (NAME, offset of
    /// ATTRIBUTE), anything else nil. On a path's bytes: LiveSysfs asks on every access to a device
    /// and hands the attribute to the kernel straight from the path.
    static func devicePath(_ bytes: UnsafeBufferPointer<UInt8>) -> (device: DeviceName, attribute: Int?)? {
        let prefix = devicesPrefix.utf8CodeUnitCount
        guard bytes.count > prefix, bytes.hasPrefix(devicesPrefix) else { return nil }
        let tail = bytes[prefix...]
        guard let slash = tail.firstIndex(of: UInt8(ascii: "/")) else {
            return DeviceName(UnsafeBufferPointer(rebasing: tail)).map { ($0, nil) }
        }
        let attribute = bytes[(slash + 1)...]
        guard slash > prefix, !attribute.isEmpty, !attribute.contains(UInt8(ascii: "/")),
            let device = DeviceName(UnsafeBufferPointer(rebasing: bytes[prefix..<slash]))
        else { return nil }
        return (device, slash + 1)
    }

    /// `SysfsWalkEnumerator.devicesDirectory` and a slash (checked by a test).
    static let devicesPrefix: StaticString = "bus/pci/devices/"

    /// A device directory's name (`0000:07:00.1`) as a key of two words: found in a path's bytes
    /// without making a String, and hashed faster than one. Names longer than 16 bytes (no PCI
    /// address is) are not held.
    struct DeviceName: Hashable, Sendable {
        private let words: (UInt64, UInt64)
        private let count: Int

        init?(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard (1...16).contains(bytes.count) else { return nil }
            var words: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
            self.words = words
            count = bytes.count
        }

        var string: String { withBytes { String(decoding: $0, as: UTF8.self) } }

        /// `body` with the path of this device's directory (the one `devicePath` recognises) as a
        /// C string.
        func withDirectoryPath<Result>(_ body: (UnsafePointer<CChar>) -> Result) -> Result {
            (devicesPrefix.description + string).withCString(body)
        }

        /// `body` with the name alone as a C string, when it is one plain component that can only
        /// name a device's directory next to its siblings (hex digits, `:` and `.`, starting with a
        /// hex digit: never `.` or `..`); nil without running `body` otherwise.
        func withSiblingName<Result>(_ body: (UnsafePointer<CChar>) -> Result) -> Result? {
            withBytes { name in
                let plain =
                    name[0].isHexDigit
                    && name.allSatisfy {
                        $0.isHexDigit || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".")
                    }
                return plain ? String(decoding: name, as: UTF8.self).withCString(body) : nil
            }
        }

        private func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
            withUnsafeBytes(of: words) {
                body(UnsafeBufferPointer(rebasing: $0.bindMemory(to: UInt8.self).prefix(count)))
            }
        }

        static func == (a: Self, b: Self) -> Bool { a.words == b.words && a.count == b.count }

        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
        }
    }

    /// What a written path is to the descriptors held here, told in one pass over its bytes.
    enum WrittenPath {
        /// `bus/pci/drivers/DRIVER/bind` or `.../unbind`: written once per device moved.
        case commandFile
        /// A write after which devices under held addresses may be different devices.
        case recreatesDevices
        case other
    }

    static func classify(_ path: String) -> WrittenPath {
        var path = path
        return path.withUTF8 { bytes in
            func endsWith(_ suffix: StaticString) -> Bool {
                bytes.count >= suffix.utf8CodeUnitCount
                    && UnsafeBufferPointer(rebasing: bytes[(bytes.count - suffix.utf8CodeUnitCount)...]).hasPrefix(
                        suffix)
            }
            if bytes.hasPrefix("bus/pci/drivers/") && (endsWith("/bind") || endsWith("/unbind")) { return .commandFile }
            if endsWith("/sriov_numvfs") || endsWith("/remove") || bytes.equals("bus/pci/rescan") {
                return .recreatesDevices
            }
            return .other
        }
    }
}

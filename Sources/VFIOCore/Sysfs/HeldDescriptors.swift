#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Descriptors a writing command goes back to, kept open for the life of a `LiveSysfs`:
/// - the directories of devices (`bus/pci/devices/ADDRESS`), opened once when the device is read,
///   so its override, driver link and later writes are reached with one short lookup instead of a
///   walk through /sys and the bus symlink for every access;
/// - drivers' `bind` and `unbind` files, opened once and written once per device.
/// In TCG each long path walk costs tens of microseconds, several per device moved.
///
/// Every directory here was opened beneath the tree's root (openat2, RESOLVE_BENEATH), so writes
/// through it keep the guarantee `LiveSysfs.write` gives. A device removed while its descriptor is
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
        var commandFiles: [String: Int32] = [:]
        /// Forgotten directories stay open until the end: a `LiveDirectory` may still be reading
        /// through one, and a closed number could be reused by an unrelated open.
        var retired: [Int32] = []
    }

    private let state = Mutex(State())

    /// The held directory of device `name` (`0000:07:00.1`).
    func directory(_ name: DeviceName) -> Int32? {
        state.withLock { $0.directories[name] }
    }

    /// Keeps `fd` for device `name`; false (the caller still owns `fd`) when full or already held.
    func holdDirectory(_ fd: Int32, for name: DeviceName) -> Bool {
        state.withLock { state in
            guard state.directories.count + state.retired.count < directoryCapacity,
                  state.directories[name] == nil else { return false }
            state.directories[name] = fd
            return true
        }
    }

    func commandFile(_ path: String) -> Int32? {
        state.withLock { $0.commandFiles[path] }
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
        }
    }

    deinit {
        state.withLock { state in
            for fd in state.directories.values { close(fd) }
            for fd in state.commandFiles.values { close(fd) }
            for fd in state.retired { close(fd) }
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
              let device = DeviceName(UnsafeBufferPointer(rebasing: bytes[prefix..<slash])) else { return nil }
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

        var string: String {
            withUnsafeBytes(of: words) { String(decoding: $0.prefix(count), as: UTF8.self) }
        }

        /// `body` with the path of this device's directory (the one `devicePath` recognises) as a
        /// C string on the stack: the directory is opened once per device moved, and building the
        /// String cost more than the lookup it names.
        func withDirectoryPath<Result>(_ body: (UnsafePointer<CChar>) -> Result) -> Result {
            let prefix = UnsafeBufferPointer(start: devicesPrefix.utf8Start, count: devicesPrefix.utf8CodeUnitCount)
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: prefix.count + count + 1) { buffer in
                _ = buffer.initialize(from: prefix)
                withUnsafeBytes(of: words) { name in
                    for index in 0..<count { buffer[prefix.count + index] = name[index] }
                }
                buffer[prefix.count + count] = 0
                return buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { body(UnsafePointer($0)) }
            }
        }

        static func == (a: Self, b: Self) -> Bool { a.words == b.words && a.count == b.count }

        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
        }
    }

    /// `bus/pci/drivers/DRIVER/bind` or `.../unbind`: written once per device moved.
    static func isCommandFile(_ path: String) -> Bool {
        guard path.utf8HasPrefix("bus/pci/drivers/") else { return false }
        return path.utf8HasSuffix("/bind") || path.utf8HasSuffix("/unbind")
    }

    /// Writes after which devices under held addresses may be different devices.
    static func invalidatesDevices(_ path: String) -> Bool {
        path.utf8HasSuffix("/sriov_numvfs") || path.utf8HasSuffix("/remove") || path == "bus/pci/rescan"
    }
}

import Glibc
import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// LiveSysfs against real files in a temporary directory.
@Suite struct LiveSysfsTests {
    private func withTree(_ body: (String, LiveSysfs) throws -> Void) throws {
        try TemporaryDirectory.with { root in
            #expect(mkdir(root + "/dir", 0o755) == 0)
            try put(root + "/dir/attr", "0x8086\n")
            try put(root + "/dir/two-lines", "a\nb\n\n")
            try put(root + "/dir/padded", "text\n\0\0")
            try put(root + "/dir/empty", "")
            #expect(symlink("attr", root + "/dir/link") == 0)
            #expect(symlink("../../../bus/pci/drivers/e1000e", root + "/dir/driver") == 0)
            #expect(mkfifo(root + "/dir/fifo", 0o600) == 0)
            try body(root, LiveSysfs(root: root))
        }
    }

    private func put(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0)
        defer { close(fd) }
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    private func contents(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = Glibc.read(fd, &buffer, buffer.count)
        return String(decoding: buffer[0..<max(0, n)], as: UTF8.self)
    }

    @Test func readDropsOnlyTrailingNewlinesAndNULs() throws {
        try withTree { _, sysfs in
            let values = try ["dir/attr", "dir/two-lines", "dir/padded", "dir/empty"].map { try sysfs.read($0) }
            #expect(values == ["0x8086", "a\nb", "text", ""])
        }
    }

    @Test func readReportsTheErrno() throws {
        try withTree { root, sysfs in
            let missing = #expect(throws: SysfsError.self) { try sysfs.read("dir/missing") }
            #expect(missing?.errno == Glibc.ENOENT)
            #expect(missing?.isMissing == true)
            #expect(missing?.operation == .read)
            #expect(missing?.path == root + "/dir/missing")
            #expect(missing?.description.contains("ENOENT") == true)

            let directory = #expect(throws: SysfsError.self) { try sysfs.read("dir") }
            #expect(directory?.errno == EISDIR)
            #expect(directory?.isMissing == false)

            let underFile = #expect(throws: SysfsError.self) { try sysfs.read("dir/attr/x") }
            #expect(underFile?.errno == Glibc.ENOTDIR)
            #expect(underFile?.isMissing == true)
        }
    }

    @Test func readDoesNotFollowALinkAtTheEnd() throws {
        try withTree { _, sysfs in
            let error = #expect(throws: SysfsError.self) { try sysfs.read("dir/link") }
            #expect(error?.errno == ELOOP)
        }
    }

    @Test func readLinkReturnsTheRawTarget() throws {
        try withTree { _, sysfs in
            let driver = try sysfs.readLink("dir/driver")
            let link = try sysfs.readLink("dir/link")
            #expect(driver == "../../../bus/pci/drivers/e1000e")
            #expect(link == "attr")
            let error = #expect(throws: SysfsError.self) { try sysfs.readLink("dir/attr") }
            #expect(error?.errno == EINVAL)
            #expect(error?.operation == .readLink)
        }
    }

    /// Targets are read into a 1 KiB stack buffer first; a longer one is read again, whole.
    @Test func readLinkReturnsLongTargetsWhole() throws {
        try withTree { root, sysfs in
            let long = String(repeating: "../", count: 400) + "end"
            #expect(symlink(long, root + "/dir/long") == 0)
            let (viaRoot, viaDirectory) = (
                try sysfs.readLink("dir/long"), try sysfs.openDirectory("dir").readLink("long")
            )
            #expect(viaRoot == long)
            #expect(viaDirectory == long)
            let missing = #expect(throws: SysfsError.self) { try sysfs.openDirectory("dir").readLink("absent") }
            #expect(missing?.path == root + "/dir/absent")
            #expect(missing?.isMissing == true)
        }
    }

    /// Attributes are read into a 1 KiB buffer; a longer one keeps being read to its end.
    @Test func readReturnsLongAttributesWhole() throws {
        try withTree { root, sysfs in
            let long = String(repeating: "0123456789abcdef", count: 300)
            try put(root + "/dir/config", long + "\n")
            let (viaRoot, viaDirectory) = (try sysfs.read("dir/config"), try sysfs.openDirectory("dir").read("config"))
            #expect(viaRoot == long)
            #expect(viaDirectory == long)
        }
    }

    @Test func listReportsKinds() throws {
        try withTree { _, sysfs in
            let entries = try sysfs.list("dir")
            let kinds = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.kind) })
            #expect(
                kinds == [
                    "attr": .file, "two-lines": .file, "padded": .file, "empty": .file, "link": .symlink,
                    "driver": .symlink, "fifo": .other
                ])
            let missing = #expect(throws: SysfsError.self) { try sysfs.list("nope") }
            #expect(missing?.errno == Glibc.ENOENT)
            #expect(missing?.operation == .list)
        }
    }

    /// More entries than one getdents64 buffer holds (32 KiB): every one is listed, once.
    @Test func listReadsDirectoriesLargerThanOneBuffer() throws {
        try TemporaryDirectory.with { root in
            let names = (0..<1500).map { "entry-with-a-fairly-long-name-to-fill-buffers-\($0)" }
            for name in names { try put(root + "/" + name, "") }
            let listed = try LiveSysfs(root: root).list(".")
            #expect(listed.count == names.count)
            #expect(Set(listed.map(\.name)) == Set(names))
            #expect(listed.allSatisfy { $0.kind == .file })
        }
    }

    @Test func writeIsOneWriteOfTheValue() throws {
        try withTree { root, sysfs in
            try sysfs.write("dir/empty", "vfio-pci")
            #expect(contents(root + "/dir/empty") == "vfio-pci")
            try sysfs.write("dir/empty", "\n")
            #expect(contents(root + "/dir/empty") == "\n")
            let missing = #expect(throws: SysfsError.self) { try sysfs.write("dir/nope", "x") }
            #expect(missing?.errno == Glibc.ENOENT)
            #expect(missing?.operation == .write)
            let viaLink = #expect(throws: SysfsError.self) { try sysfs.write("dir/link", "x") }
            #expect(viaLink?.errno == ELOOP)
            #expect(contents(root + "/dir/attr") == "0x8086\n")
        }
    }

    /// A crafted tree whose intermediate directory links out of the root (here to a sibling
    /// directory standing in for the real /sys): the write must fail and the outside file keep its
    /// contents. A link that stays inside the root still works.
    @Test func writesNeverLeaveTheRoot() throws {
        try TemporaryDirectory.with { base in
            let root = base + "/root", outside = base + "/outside"
            #expect(mkdir(root, 0o755) == 0 && mkdir(outside, 0o755) == 0 && mkdir(root + "/real", 0o755) == 0)
            try put(outside + "/bind", "untouched")
            try put(root + "/real/bind", "")
            #expect(symlink(outside, root + "/absolute") == 0)
            #expect(symlink("../outside", root + "/relative") == 0)
            #expect(symlink("real", root + "/inside") == 0)
            let sysfs = LiveSysfs(root: root)
            for escape in ["absolute/bind", "relative/bind", "real/../../outside/bind"] {
                let error = #expect(throws: SysfsError.self, "\(escape)") { try sysfs.write(escape, "0000:01:00.0") }
                #expect(error?.errno == EXDEV, "\(escape)")
            }
            #expect(contents(outside + "/bind") == "untouched")
            try sysfs.write("inside/bind", "0000:01:00.0")
            #expect(contents(root + "/real/bind") == "0000:01:00.0")
        }
    }

    /// `bus/pci/devices/ADDRESS` with a real directory behind a relative link, like the kernel's.
    private func withDeviceTree(_ body: (String, LiveSysfs) throws -> Void) throws {
        try TemporaryDirectory.with { root in
            for directory in [
                "bus", "bus/pci", "bus/pci/devices", "bus/pci/drivers", "bus/pci/drivers/vfio-pci",
                "devices", "devices/pci0000:00", "devices/pci0000:00/0000:07:00.1"
            ] {
                #expect(mkdir(root + "/" + directory, 0o755) == 0)
            }
            try put(root + "/devices/pci0000:00/0000:07:00.1/driver_override", "(null)\n")
            try put(root + "/bus/pci/drivers/vfio-pci/bind", "")
            #expect(symlink("../../../devices/pci0000:00/0000:07:00.1", root + "/bus/pci/devices/0000:07:00.1") == 0)
            try body(root, LiveSysfs(root: root))
        }
    }

    /// A device's directory is opened once and held: later accesses to its attributes reach the
    /// directory that was read, until a write that re-creates devices (sriov_numvfs) forgets it.
    @Test func deviceDirectoriesAreHeldUntilDevicesAreRecreated() throws {
        try withDeviceTree { root, sysfs in
            let device = root + "/devices/pci0000:00/0000:07:00.1"
            _ = try sysfs.openDirectory("bus/pci/devices/0000:07:00.1")
            // The same address now names a new directory; the held one is still reached.
            #expect(rename(device, device + ".old") == 0 && mkdir(device, 0o755) == 0)
            try put(device + "/driver_override", "(null)\n")
            try sysfs.write("bus/pci/devices/0000:07:00.1/driver_override", "vfio-pci")
            #expect(try sysfs.read("bus/pci/devices/0000:07:00.1/driver_override") == "vfio-pci")
            #expect(contents(device + ".old/driver_override") == "vfio-pci")
            #expect(contents(device + "/driver_override") == "(null)\n")

            try put(root + "/devices/pci0000:00/sriov_numvfs", "0\n")
            try sysfs.write("devices/pci0000:00/sriov_numvfs", "4")
            try sysfs.write("bus/pci/devices/0000:07:00.1/driver_override", "pci-stub")
            #expect(contents(device + "/driver_override") == "pci-stub")
        }
    }

    /// Held directories are opened beneath the root: a device link leaving it is never written
    /// through, held or not.
    @Test func heldDeviceDirectoriesStayInsideTheRoot() throws {
        try TemporaryDirectory.with { base in
            let root = base + "/root", outside = base + "/outside"
            for directory in [root, outside, root + "/bus", root + "/bus/pci", root + "/bus/pci/devices"] {
                #expect(mkdir(directory, 0o755) == 0)
            }
            try put(outside + "/driver_override", "untouched")
            #expect(symlink("../../../../outside", root + "/bus/pci/devices/0000:07:00.1") == 0)
            let sysfs = LiveSysfs(root: root)
            _ = try? sysfs.openDirectory("bus/pci/devices/0000:07:00.1")
            let error = #expect(throws: SysfsError.self) {
                try sysfs.write("bus/pci/devices/0000:07:00.1/driver_override", "vfio-pci")
            }
            #expect(error?.errno == EXDEV)
            #expect(contents(outside + "/driver_override") == "untouched")
        }
    }

    /// A driver's bind file is opened once and takes one store per write, each at offset 0 (sysfs
    /// ignores the offset; a plain file then holds the last value, as with reopening).
    @Test func bindFilesAreOpenedOnceAndWrittenPerDevice() throws {
        try withDeviceTree { root, sysfs in
            let bind = root + "/bus/pci/drivers/vfio-pci/bind"
            try sysfs.write("bus/pci/drivers/vfio-pci/bind", "0000:07:00.1")
            #expect(contents(bind) == "0000:07:00.1")
            try sysfs.write("bus/pci/drivers/vfio-pci/bind", "0000:07:00.2")
            #expect(contents(bind) == "0000:07:00.2")
            // Replaced behind vfioctl's back: the held descriptor still writes the first file.
            #expect(rename(bind, bind + ".old") == 0)
            try put(bind, "")
            try sysfs.write("bus/pci/drivers/vfio-pci/bind", "0000:07:00.3")
            #expect(contents(bind + ".old") == "0000:07:00.3")
            #expect(contents(bind) == "")
        }
    }

    @Test func rootIsNormalised() {
        #expect(LiveSysfs(root: "/tmp/x///").root == "/tmp/x")
        #expect(LiveSysfs(root: "/tmp/x/").displayPath("bus/pci") == "/tmp/x/bus/pci")
        #expect(LiveSysfs(root: "/").displayPath("bus/pci") == "/bus/pci")
        #expect(LiveSysfs(root: "///").root == "/")
    }

    @Test func errnoNamesAreSymbolicAndReadable() {
        #expect(errnoName(ENODEV) == "ENODEV (No such device)")
        #expect(errnoName(EBUSY).hasPrefix("EBUSY ("))
        #expect(errnoName(9999).hasPrefix("errno 9999"))
    }
}

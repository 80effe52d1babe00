import Foundation
import Glibc
import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// A crafted `--sysfs-root`: links that lead out of it (absolute, `../..`, to the host's own
/// /sys), FIFOs and oversized files where attributes are, and modules it does not have loaded.
/// Nothing may be read from outside the root, nothing may block, and no module is loaded into the
/// host for it. Reads that could block run under `AdversarialFiles.finishes`.
@Suite struct AdversarialSysfsRootTests {
    /// `tree/` (the root) and `outside/` (standing for the host) in one temporary directory;
    /// `outside` holds a module `secret_mod`, a device and a file `secret`.
    private func withTrees(_ body: (_ tree: String, _ outside: String) throws -> Void) throws {
        try TemporaryDirectory.with { (base: String) throws in
            let tree = base + "/tree", outside = base + "/outside"
            for directory in [
                "bus/pci/devices/0000:00:02.0", "bus/pci/drivers", "kernel/iommu_groups", "module/vfio_pci",
                "class/net/eth0"
            ] {
                try TemporaryDirectory.makeDirectory(tree + "/" + directory)
            }
            for directory in ["module/secret_mod/drivers", "devices/0000:00:09.0", "group/devices", "class/net/eth9"] {
                try TemporaryDirectory.makeDirectory(outside + "/" + directory)
            }
            AdversarialFiles.write(outside + "/secret", "SECRET\n")
            AdversarialFiles.write(outside + "/module/secret_mod/initstate", "live\n")
            AdversarialFiles.write(outside + "/devices/0000:00:09.0/vendor", "0x8086\n")
            #expect(symlink("../../devices/0000:00:09.0", outside + "/group/devices/0000:00:09.0") == 0)
            #expect(symlink("/sys/devices/pci0000:00", outside + "/class/net/eth9/device") == 0)
            AdversarialFiles.write(tree + "/bus/pci/devices/0000:00:02.0/vendor", "0x8086\n")
            AdversarialFiles.write(tree + "/module/vfio_pci/initstate", "live\n")
            try body(tree, outside)
        }
    }

    private func replace(_ path: String, withLinkTo target: String) {
        TemporaryDirectory.removeTree(path)
        #expect(symlink(target, path) == 0, "\(path)")
    }

    // MARK: links out of the root

    @Test func readsListingsAndLinksThroughAnAbsoluteLinkOutOfTheRootFail() throws {
        try withTrees { (tree: String, outside: String) throws in
            replace(tree + "/module", withLinkTo: outside + "/module")
            replace(tree + "/class", withLinkTo: outside + "/class")
            #expect(symlink(outside, tree + "/kernel/host") == 0)
            let sysfs = LiveSysfs(root: tree)
            let escapes: [(String, () throws -> String)] = [
                ("read module/secret_mod/initstate", { try sysfs.read("module/secret_mod/initstate") }),
                ("read kernel/host/secret", { try sysfs.read("kernel/host/secret") }),
                ("list module", { try sysfs.list("module").map(\.name).joined(separator: " ") }),
                ("list kernel/host", { try sysfs.list("kernel/host").map(\.name).joined(separator: " ") }),
                ("readlink class/net/eth9/device", { try sysfs.readLink("class/net/eth9/device") }),
                (
                    "open module/secret_mod",
                    {
                        _ = try sysfs.openDirectory("module/secret_mod"); return "opened"
                    }
                )
            ]
            for (what, attempt) in escapes {
                #expect(throws: SysfsError.self, "\(what) read outside the root") { _ = try attempt() }
            }
            #expect(LoadedModules(sysfs: sysfs).state(of: ModuleName("secret_mod")!) == nil)
        }
    }

    @Test func aRelativeLinkThatClimbsOutOfTheRootFails() throws {
        try withTrees { (tree: String, _: String) throws in
            replace(tree + "/bus/pci/devices", withLinkTo: "../../../outside/devices")
            #expect(symlink("../../../outside/group", tree + "/kernel/iommu_groups/5") == 0)
            #expect(symlink("../../outside", tree + "/kernel/up") == 0)
            let sysfs = LiveSysfs(root: tree)
            #expect(throws: SysfsError.self) { try sysfs.list("bus/pci/devices") }
            #expect(throws: SysfsError.self) { try sysfs.read("bus/pci/devices/0000:00:09.0/vendor") }
            #expect(throws: SysfsError.self) { try sysfs.iommuGroupMembers(IOMMUGroup(5)) }
            #expect(throws: SysfsError.self) { try sysfs.read("kernel/up/secret") }
            #expect(throws: SysfsError.self) { try sysfs.read("kernel/../../outside/secret") }
        }
    }

    /// The issue's example: a tree whose `module` is the host's real /sys/module.
    @Test(.enabled(if: access("/sys/module", F_OK) == 0, "needs a /sys/module on this machine"))
    func theHostsOwnSysModuleIsNotReadThroughATree() throws {
        try withTrees { (tree: String, _: String) throws in
            replace(tree + "/module", withLinkTo: "/sys/module")
            let sysfs = LiveSysfs(root: tree)
            #expect(throws: SysfsError.self) { try sysfs.list("module") }
            let loaded = LoadedModules(sysfs: sysfs)
            #expect(loaded.state(of: ModuleName("vfio_pci")!) == nil, "the host's modules were read")
            #expect(!loaded.warnings.isEmpty, "an escape is reported, not ignored")
        }
    }

    // MARK: what is not an attribute

    @Test(arguments: ["bus/pci/devices/0000:00:02.0/driver_override", "module/vfio_pci/initstate"])
    func aFIFOWhereAnAttributeIsIsAnErrorNotAHang(_ attribute: String) throws {
        try withTrees { (tree: String, _: String) throws in
            unlink(tree + "/" + attribute)
            #expect(mkfifo(tree + "/" + attribute, 0o600) == 0)
            let sysfs = LiveSysfs(root: tree)
            let read = AdversarialFiles.finishes(releasing: [tree + "/" + attribute]) { () -> String in
                do throws(SysfsError) { return "read '\(try sysfs.read(attribute))'" } catch {
                    return error.description
                }
            }
            #expect(read == "read \(tree)/\(attribute): a FIFO, not a regular file (EINVAL (Invalid argument))")
            let write = AdversarialFiles.finishes(releasing: [tree + "/" + attribute]) { () -> String in
                do throws(SysfsError) {
                    try sysfs.write(attribute, "vfio-pci")
                    return "written"
                } catch { return "\(error.errno)" }
            }
            #expect(write == "\(ENXIO)", "a write to a FIFO with no reader must fail at once")
        }
    }

    @Test func aFIFOInADevicesDirectoryIsAnError() throws {
        try withTrees { (tree: String, _: String) throws in
            let device = tree + "/bus/pci/devices/0000:00:02.0"
            unlink(device + "/vendor")
            #expect(mkfifo(device + "/vendor", 0o600) == 0)
            let sysfs = LiveSysfs(root: tree)
            let outcome = AdversarialFiles.finishes(releasing: [device + "/vendor"]) { () -> String in
                do throws(SysfsError) {
                    return "read '\(try sysfs.openDirectory("bus/pci/devices/0000:00:02.0").read("vendor"))'"
                } catch { return "\(error.errno)" }
            }
            #expect(outcome == "\(EINVAL)")
        }
    }

    /// sysfs attributes are at most a page; a larger file in a tree is refused, not read whole.
    @Test func anAttributeLargerThanTheLimitIsAnError() throws {
        try withTrees { (tree: String, _: String) throws in
            let path = tree + "/bus/pci/devices/0000:00:02.0/config"
            AdversarialFiles.write(path, String(repeating: "x", count: 65 << 10))
            AdversarialFiles.write(
                tree + "/bus/pci/devices/0000:00:02.0/uevent", String(repeating: "y", count: 8 << 10))
            let sysfs = LiveSysfs(root: tree)
            let error = #expect(throws: SysfsError.self) { try sysfs.read("bus/pci/devices/0000:00:02.0/config") }
            #expect(error?.errno == EFBIG)
            #expect(try sysfs.read("bus/pci/devices/0000:00:02.0/uevent").count == 8 << 10)
        }
    }

    /// A tree's `dev` is looked in beneath it: a link to the host's nodes finds none of them.
    @Test func deviceNodesOfATreeAreLookedUpBeneathItsDevDirectory() throws {
        try withTrees { (tree: String, outside: String) throws in
            try TemporaryDirectory.makeDirectory(outside + "/dev/vfio/devices")
            AdversarialFiles.write(outside + "/dev/vfio/12", "")
            AdversarialFiles.write(outside + "/dev/vfio/devices/vfio0", "")
            try TemporaryDirectory.makeDirectory(tree + "/dev")
            #expect(symlink(outside + "/dev/vfio", tree + "/dev/vfio") == 0)
            let kernel = LiveKernel(sysfsRoot: tree, devRoot: tree + "/dev")
            #expect(!kernel.deviceNodeExists("/dev/vfio/12"))
            #expect(!kernel.deviceNodeExists("/dev/vfio/devices/vfio0"))
            TemporaryDirectory.removeTree(tree + "/dev/vfio")
            #expect(symlink("../../outside/dev/vfio", tree + "/dev/vfio") == 0)
            #expect(!LiveKernel(sysfsRoot: tree, devRoot: tree + "/dev").deviceNodeExists("/dev/vfio/12"))
        }
    }

    // MARK: module loading

    /// Only a sysfs mount is the running kernel's: modules may be loaded for the live /sys.
    @Test(.enabled(if: access("/sys/bus", F_OK) == 0, "needs a mounted /sys"))
    func theLiveSysfsMayLoadModules() {
        #expect(LiveKernel(sysfsRoot: "/sys").canLoadModules)
    }

    /// A tree is not the running kernel: loading a module for it would load a real one into the
    /// host. LiveKernel for a tree has no way to run modprobe.
    @Test func noModuleIsLoadedForATree() throws {
        try withTrees { (tree: String, _: String) throws in
            let kernel = LiveKernel(sysfsRoot: tree, devRoot: tree + "/dev")
            #expect(!kernel.canLoadModules)
            let error = #expect(throws: VFIOError.self) { try kernel.loadModule(ModuleName("e1000e")!) }
            #expect(error?.status == .notFound)
            #expect(
                error?.message
                    == "the sysfs tree at \(tree) does not have module e1000e loaded, and vfioctl does not load modules for a sysfs tree"
            )
        }
    }
}

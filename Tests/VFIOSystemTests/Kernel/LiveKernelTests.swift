import Foundation
import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// The live kernel's answers that do not go through sysfs.
@Suite struct LiveKernelTests {
    /// `/dev/vfio/N` is looked up in a held `/dev/vfio`; it still answers for nodes made later,
    /// for a `/dev/vfio` made anew (vfio unloaded and loaded again), and for other nodes by path.
    @Test func groupNodesAreFoundThroughAHeldDirectoryAndByPathAlike() throws {
        try TemporaryDirectory.with { dev in
            let kernel = LiveKernel(sysfsRoot: dev, devRoot: dev)
            let files = FileManager.default
            #expect(!kernel.deviceNodeExists("/dev/vfio/12"), "no /dev/vfio yet")
            try files.createDirectory(atPath: dev + "/vfio/devices", withIntermediateDirectories: true)
            #expect(files.createFile(atPath: dev + "/vfio/12", contents: nil))
            #expect(kernel.deviceNodeExists("/dev/vfio/12"))
            #expect(!kernel.deviceNodeExists("/dev/vfio/13"))
            #expect(files.createFile(atPath: dev + "/vfio/13", contents: nil))
            #expect(kernel.deviceNodeExists("/dev/vfio/13"), "made after the directory was opened")
            #expect(files.createFile(atPath: dev + "/vfio/devices/vfio0", contents: nil))
            #expect(kernel.deviceNodeExists("/dev/vfio/devices/vfio0"))
            try files.removeItem(atPath: dev + "/vfio")
            #expect(!kernel.deviceNodeExists("/dev/vfio/12"))
            try files.createDirectory(atPath: dev + "/vfio", withIntermediateDirectories: true)
            #expect(files.createFile(atPath: dev + "/vfio/14", contents: nil))
            #expect(kernel.deviceNodeExists("/dev/vfio/14"), "a /dev/vfio made anew")
        }
    }
}

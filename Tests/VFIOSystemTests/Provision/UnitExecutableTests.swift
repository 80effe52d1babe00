// UnitExecutable's spelling of the binary in ExecStart= and RUN+=, and InstallRoot's resolution of
// --root: the pieces GeneratedTextInjectionTests and PersistPathsAndStatusTests see through the CLI.
import Foundation
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

#if canImport(Glibc)
import Glibc
#endif

@Suite struct UnitExecutableTests {
    /// An executable at `directory/name` under a fresh temporary directory (a copy of /bin/true's mode).
    private func executable(_ relativeDirectory: String, in base: String) throws -> String {
        let directory = base + "/" + relativeDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/vfioctl"
        try "#!/bin/sh\n".write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, 0o755)
        return file
    }

    @Test(arguments: [
        // (directory, systemd word, udev word) with BASE for the temporary directory.
        ("bin", "BASE/bin/vfioctl", "BASE/bin/vfioctl"),
        ("my dir", "\"BASE/my dir/vfioctl\"", "'BASE/my dir/vfioctl'"),
        ("100%", "BASE/100%%/vfioctl", "BASE/100%%/vfioctl"),
        ("a %n b", "\"BASE/a %%n b/vfioctl\"", "'BASE/a %%n b/vfioctl'"),
        ("ünïcödé", "BASE/ünïcödé/vfioctl", "BASE/ünïcödé/vfioctl")
    ])
    func spellings(_ directory: String, _ systemd: String, _ udev: String) throws {
        try TemporaryDirectory.with { base in
            let path = try executable(directory, in: base)
            let executable = try UnitExecutable(path, root: try InstallRoot("/"))
            #expect(executable.systemdWord == systemd.replacing("BASE", with: base))
            #expect(executable.udevWord == udev.replacing("BASE", with: base))
        }
    }

    /// In an image the binary is looked for under the root first: it need not exist on this system.
    @Test func anImagesBinaryIsFoundUnderTheRoot() throws {
        try TemporaryDirectory.with { base in
            _ = try executable("image/opt/vfioctl-only-in-image", in: base)
            let root = try InstallRoot(base + "/image")
            #expect(!root.isRunningSystem)
            let executable = try UnitExecutable("/opt/vfioctl-only-in-image/vfioctl", root: root)
            #expect(executable.systemdWord == "/opt/vfioctl-only-in-image/vfioctl")
            #expect(throws: VFIOError.self) {
                try UnitExecutable("/opt/vfioctl-only-in-image/vfioctl", root: try InstallRoot("/"))
            }
        }
    }

    @Test func aRootIsAbsoluteAndKnowsWhetherItIsTheRunningSystem() throws {
        #expect(try InstallRoot("/").isRunningSystem)
        #expect(try InstallRoot("//").path == "/")
        #expect(try InstallRoot("/tmp/..").isRunningSystem, "the system's root, spelled another way")
        #expect(try InstallRoot("/./tmp/.//x/").path == "/tmp/x")
        let relative = try InstallRoot("image/./x")
        #expect(relative.path == FileManager.default.currentDirectoryPath + "/image/x")
        #expect(!relative.isRunningSystem)
        #expect(relative.path(of: "/etc/vfioctl/state.toml") == relative.path + "/etc/vfioctl/state.toml")
        for blank in ["", " ", "\t\n"] {
            #expect(
                throws: VFIOError.usage(
                    "--root is empty", hint: "name a directory, or leave --root out to install under /")
            ) {
                try InstallRoot(blank)
            }
        }
    }

    /// Steps are planned from reads only; a root that is not the running system gets no reload.
    @Test func planningWritesNothingAndReloadsOnlyTheRunningSystem() throws {
        try TemporaryDirectory.with { base in
            let file = base + "/state.toml"
            try "[[device]]\naddress = \"0000:09:00.0\"\nvendor = \"8086\"\ndevice = \"10d3\"\nstate = \"vfio\"\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            let binary = try executable("bin", in: base)
            let persistence = Persistence(root: try InstallRoot(base + "/image"))
            let before = TreeSnapshot([base])
            let steps = try persistence.enableSteps(stateFile: file, binary: binary)
            #expect(steps.count == 4)
            #expect(!steps.contains { if case .reload = $0 { true } else { false } })
            #expect(persistence.describe(steps).allSatisfy { $0.hasPrefix("would ") })
            #expect(try persistence.disableSteps().isEmpty, "nothing is installed")
            #expect(TreeSnapshot([base]).differences(from: before).isEmpty)
        }
    }
}

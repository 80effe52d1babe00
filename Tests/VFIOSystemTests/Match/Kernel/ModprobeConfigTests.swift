#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

extension MatchKernelTests {
    @Suite("ModprobeConfig")
    struct ModprobeConfigTests {
        @Test(
            "directories in kmod's precedence: an earlier directory's file hides the same name; files parse in name order"
        )
        func precedence() throws {
            let tree = TemporaryTree()
            let etc = tree.directory("etc/modprobe.d")
            let run = tree.directory("run/modprobe.d")
            let lib = tree.directory("lib/modprobe.d")
            tree.file("etc/modprobe.d/vfio.conf", "blacklist nouveau\n")
            tree.file("lib/modprobe.d/vfio.conf", "blacklist radeon\n")  // hidden by /etc's vfio.conf
            tree.file("lib/modprobe.d/00-early.conf", "options vfio-pci ids=10de:1b80\n")
            tree.file("run/modprobe.d/50-mid.conf", "blacklist amdgpu\n")
            tree.file("run/modprobe.d/ignored.txt", "blacklist i915\n")  // not .conf
            tree.file("run/modprobe.d/.hidden.conf", "blacklist snd_hda_intel\n")
            tree.directory("run/modprobe.d/sub.conf")  // a directory is not read
            let config = try ModprobeConfig(directories: [etc, run, tree.path + "/missing", lib])
            #expect(config.files == [lib + "/00-early.conf", run + "/50-mid.conf", etc + "/vfio.conf"])
            #expect(
                config.blacklist(for: KernelFixtures.module("nouveau"))
                    == SourceLocation(file: etc + "/vfio.conf", line: 1))
            #expect(config.blacklist(for: KernelFixtures.module("radeon")) == nil)
            #expect(config.blacklist(for: KernelFixtures.module("amdgpu")) != nil)
            #expect(config.blacklist(for: KernelFixtures.module("i915")) == nil)
            #expect(config.blacklist(for: KernelFixtures.module("snd_hda_intel")) == nil)
            #expect(config.options(for: KernelFixtures.module("vfio_pci")).map(\.value) == ["ids=10de:1b80"])
        }

        @Test("continuations, comments, install disables, aliases, softdeps and bad lines")
        func parsing() {
            let text = """
                # comment
                blacklist mlx5-vfio-pci
                options vfio_pci ids=8086:10d3,\\
                8086:1533 disable_vga=1
                install virtio_vfio_pci /bin/false
                install qat_vfio_pci /usr/bin/true
                install pds_vfio_pci /sbin/modprobe --ignore-install pds_vfio_pci && echo loaded
                install nvgrace* exit 1
                alias pci:v000015B3d0000101E* mlx5_vfio_pci
                softdep vfio-pci pre: vfio_iommu_type1
                  # not a comment for kmod: a bad line
                frobnicate all
                blacklist
                options lonely
                include /etc/other.conf
                """
            let config = ModprobeConfig(text: text, file: "/etc/modprobe.d/t.conf")
            #expect(
                config.blacklist(for: KernelFixtures.module("mlx5_vfio_pci"))?.description == "/etc/modprobe.d/t.conf:2"
            )
            let options = config.options(for: KernelFixtures.module("vfio-pci"))
            #expect(options.map(\.value) == ["ids=8086:10d3,8086:1533 disable_vga=1"])
            #expect(options.first?.location.line == 3)
            #expect(config.disabledByInstall(for: KernelFixtures.module("virtio_vfio_pci"))?.line == 5)
            #expect(config.disabledByInstall(for: KernelFixtures.module("qat_vfio_pci"))?.line == 6)
            #expect(config.disabledByInstall(for: KernelFixtures.module("pds_vfio_pci")) == nil)
            #expect(
                config.installCommand(for: KernelFixtures.module("pds_vfio_pci"))?.value.hasPrefix("/sbin/modprobe")
                    == true)
            #expect(config.disabledByInstall(for: KernelFixtures.module("nvgrace_gpu_vfio_pci"))?.line == 8)
            #expect(config.softdeps(for: KernelFixtures.module("vfio_pci")).map(\.value) == ["pre: vfio_iommu_type1"])
            let key = AliasKey(
                variantKeyFor: KernelFixtures.modalias("pci:v000015B3d0000101Esv000015B3sd00000001bc02sc00i00"))
            #expect(config.aliases(matching: key).isEmpty)
            let hostKey = AliasKey(
                hostDriverKeyFor: KernelFixtures.modalias("pci:v000015B3d0000101Esv000015B3sd00000001bc02sc00i00"))
            #expect(config.aliases(matching: hostKey).map(\.value) == ["mlx5_vfio_pci"])
            #expect(
                config.warnings == [
                    "/etc/modprobe.d/t.conf:11: ignoring bad line starting with '#' (kmod ignores it too)",
                    "/etc/modprobe.d/t.conf:12: ignoring bad line starting with 'frobnicate' (kmod ignores it too)",
                    "/etc/modprobe.d/t.conf:13: ignoring bad line starting with 'blacklist' (kmod ignores it too)",
                    "/etc/modprobe.d/t.conf:14: ignoring bad line starting with 'options' (kmod ignores it too)",
                    "/etc/modprobe.d/t.conf:15: 'include' is deprecated and not parsed (kmod ignores it too)"
                ])
        }

        @Test("a backslash before another character is dropped, as kmod's line reader does")
        func backslashes() {
            let lines = ModprobeConfig.logicalLines("a\\b\nc\\\nd\n\\\ne")
            #expect(lines.map(\.0) == ["ab", "cd", "e"])
            #expect(lines.map(\.1) == [1, 2, 4])
        }

        @Test("the kernel command line adds blacklists and options")
        func kernelCommandLine() throws {
            let tree = TemporaryTree()
            let config = try ModprobeConfig(
                directories: [tree.path],
                kernelCommandLine:
                    "BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on modprobe.blacklist=nouveau,snd-hda-intel vfio-pci.ids=10de:1b80 module_blacklist=xe \"quoted.opt=a b\"\n"
            )
            #expect(config.blacklist(for: KernelFixtures.module("nouveau"))?.file == "/proc/cmdline")
            #expect(config.blacklist(for: KernelFixtures.module("snd_hda_intel")) != nil)
            #expect(config.blacklist(for: KernelFixtures.module("xe")) != nil)
            #expect(config.options(for: KernelFixtures.module("vfio_pci")).map(\.value) == ["ids=10de:1b80"])
            #expect(config.options(for: KernelFixtures.module("quoted")).map(\.value) == ["opt=a b"])
            #expect(config.options(for: KernelFixtures.module("intel_iommu")).isEmpty)
        }

        @Test("this machine's modprobe.d parses without complaint")
        func realConfiguration() {
            let config = ModprobeConfig()
            #expect(config.warnings.isEmpty, "\(config.warnings)")
        }

        /// `modprobe -C FILE -c` prints the configuration exactly as libkmod parsed it.
        @Test(
            "the same directives as kmod's own parser (modprobe -c)",
            .enabled(if: access("/usr/sbin/modprobe", X_OK) == 0 || access("/sbin/modprobe", X_OK) == 0))
        func againstModprobe() throws {
            let tree = TemporaryTree()
            let file = tree.file(
                "t.conf",
                """
                # comment
                blacklist mlx5-vfio-pci
                options vfio_pci ids=8086:10d3,\\
                8086:1533 disable_vga=1 # not a comment for kmod
                  # not a comment either
                blacklist a\\bc
                alias pci:v0000*-x foo-bar
                softdep vfio-pci pre: vfio_iommu_type1 post: kvm
                install virtio_vfio_pci /bin/false
                remove virtio_vfio_pci /bin/true
                blacklist
                options lonely
                blacklist x[-]y
                \tblacklist tabbed
                alias pci:[ unmatched

                """)
            let cmdline = (try? TextFile.bytes("/proc/cmdline")).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let config = try ModprobeConfig(directories: [file], kernelCommandLine: cmdline)
            // kmod re-prints softdeps from its parsed lists, losing the space before `post:`: compare those
            // without blanks.
            func comparable(_ line: String) -> String { line.hasPrefix("softdep ") ? line.filter { $0 != " " } : line }
            let ours = Set(
                config.directives.map { d in
                    comparable("\(d.command.rawValue) \(d.subject)" + (d.value.isEmpty ? "" : " \(d.value)"))
                })
            guard let pipe = popen("PATH=/usr/sbin:/sbin:$PATH modprobe -C \(file) -c 2>/dev/null", "r") else {
                Issue.record("popen failed")
                return
            }
            var output: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = fread(&buffer, 1, buffer.count, pipe)
                if n <= 0 { break }
                output += buffer[0..<n]
            }
            pclose(pipe)
            let text = String(decoding: output, as: UTF8.self)
            let theirs = Set(
                text.split(separator: "\n").prefix { !$0.hasPrefix("# End of configuration") }.map {
                    comparable(String($0))
                })
            #expect(!theirs.isEmpty)
            #expect(ours == theirs, "only vfioctl: \(ours.subtracting(theirs)); only kmod: \(theirs.subtracting(ours))")
        }
    }
}

import Testing
import TestSupport
@testable import VFIOCore

/// The parsing half of finding `/dev/nvidiaN`: the GPU's minor from NVIDIA's procfs file, and a
/// command name cut to 15 bytes completed from argv[0] (nvidia-persistenced).
@Suite struct NVIDIAProcParsersTests {
    @Test func theDeviceMinorIsParsed() {
        #expect(ProcParsers.nvidiaDeviceMinor(SafetyFixture.nvidiaInformation(minor: "0")) == 0)
        #expect(ProcParsers.nvidiaDeviceMinor(SafetyFixture.nvidiaInformation(minor: "3")) == 3)
        for bad in ["", "-1", "x", "1 2", "0x1", "99999999999999999999", "2000000"] {
            #expect(ProcParsers.nvidiaDeviceMinor(SafetyFixture.nvidiaInformation(minor: bad)) == nil, "\(bad)")
        }
        #expect(ProcParsers.nvidiaDeviceMinor("Model: \t\t NVIDIA\n") == nil)
        #expect(ProcParsers.nvidiaDeviceMinor("") == nil)
    }

    @Test func aCommandCutTo15BytesIsNamedInFullFromArgv0() {
        #expect(
            ProcParsers.fullCommand(comm: "nvidia-persiste", cmdline: "/usr/bin/nvidia-persistenced\0--user\0nvpd\0")
                == "nvidia-persistenced")
        #expect(ProcParsers.fullCommand(comm: "nvidia-persiste", cmdline: nil) == "nvidia-persiste")
        #expect(ProcParsers.fullCommand(comm: "nvidia-persiste", cmdline: "") == "nvidia-persiste")
        // A process that renamed itself keeps the name it chose; a short comm is never cut.
        #expect(ProcParsers.fullCommand(comm: "nvidia-persiste", cmdline: "/usr/bin/other\0") == "nvidia-persiste")
        #expect(ProcParsers.fullCommand(comm: "qemu", cmdline: "/usr/bin/qemu-system-x86_64\0") == "qemu")
    }
}

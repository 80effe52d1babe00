import Foundation
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// NVIDIA's proprietary driver serves each GPU through `/dev/nvidiaN`, which no sysfs class links to
/// its PCI function: the capture maps it through `/proc/driver/nvidia/gpus/ADDRESS/information`, so
/// the open-node check and the timeout report name whoever holds it (nvidia-persistenced, in full,
/// with how to stop it). DRM nodes come from the device's own `drm/` entries (HostUse).
@Suite struct NVIDIANodeCaptureTests {
    @Test func theCaptureMapsGPUsToTheirNodesAndNamesTheirHolders() throws {
        let tree = try SafetyScratchTree()
        try tree.file("proc/driver/nvidia/gpus/0000:01:00.0/information", SafetyFixture.nvidiaInformation(minor: "0"))
        try tree.file(
            "proc/driver/nvidia/gpus/0000:02:00.0/information",
            SafetyFixture.nvidiaInformation(minor: "1", address: "0000:02:00.0"))
        try tree.file("proc/driver/nvidia/gpus/0000:03:00.0/information", "garbage\n")
        try tree.file("proc/driver/nvidia/gpus/not-an-address/information", SafetyFixture.nvidiaInformation(minor: "7"))
        try tree.link("proc/900/fd/3", to: "/dev/nvidia0")
        try tree.link("proc/900/fd/4", to: "/dev/nvidiactl")
        try tree.file("proc/900/comm", "nvidia-persiste\n")
        try tree.file("proc/900/cmdline", "/usr/bin/nvidia-persistenced\0--user\0nvidia-persistenced\0")
        try tree.link("proc/901/fd/5", to: "/dev/dri/renderD128")
        try tree.file("proc/901/comm", "Xorg\n")
        try tree.directory("sys/class/block")
        try tree.directory("sys/class/net")

        let host = HostState.capture(sysfsRoot: tree.path("sys"), procRoot: tree.path("proc"), devRoot: "/dev")
        #expect(host.deviceNodes[SafetyFixture.address("0000:01:00.0")] == ["nvidia0"])
        #expect(host.deviceNodes[SafetyFixture.address("0000:02:00.0")] == ["nvidia1"])
        #expect(host.deviceNodes[SafetyFixture.address("0000:03:00.0")] == nil, "no minor in the file")
        #expect(host.openNodes["nvidia0"] == [.init(pid: 900, command: "nvidia-persistenced")])
        #expect(host.openNodes["nvidiactl"] == nil, "shared by every GPU: no device's node")
        #expect(host.openNodes["dri/renderD128"] == [.init(pid: 901, command: "Xorg")])
        #expect(!host.unreadable.contains { $0.contains("nvidia") }, "\(host.unreadable)")

        // The safety check names the holder and how to stop it.
        let gpu = SafetyFixture.device(
            "0000:01:00.0", class: 0x03_00_00, driver: "nvidia", hostUse: HostUse(displayNodes: []))
        let findings = SafetyChecker(host: host).findings(for: gpu).filter { $0.code == .openFD }
        let message = try #require(findings.first?.message)
        #expect(message.contains("pid 900 (nvidia-persistenced) holds /dev/nvidia0"), "\(message)")
        #expect(message.contains("systemctl stop nvidia-persistenced"), "\(message)")
        // A DRM render node of the device, found through its drm/ entries.
        let amd = SafetyFixture.gpu(["card0", "renderD128"])
        let drm = SafetyChecker(host: host).findings(for: amd).filter { $0.code == .openFD }
        #expect(drm.first?.message.contains("pid 901 (Xorg) holds /dev/dri/renderD128") == true, "\(drm)")
    }

    @Test func withoutTheNVIDIADriverNothingIsMissing() throws {
        let tree = try SafetyScratchTree()
        try tree.directory("proc")
        try tree.directory("sys/class/block")
        try tree.directory("sys/class/net")
        let host = HostState.capture(sysfsRoot: tree.path("sys"), procRoot: tree.path("proc"), devRoot: "/dev")
        #expect(host.deviceNodes.isEmpty)
        #expect(!host.unreadable.contains { $0.contains("nvidia") }, "\(host.unreadable)")
    }
}

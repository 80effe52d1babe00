import TestSupport
import Testing
@testable import VFIOCore

@Suite struct SafetyNetworkTests {
    private func codes(_ device: PCIDevice, _ host: HostState) -> [SafetyCode] {
        SafetyChecker(host: host).findings(for: device).map(\.code)
    }

    @Test func downInterfaceWithAddressIsSafe() {
        let host = HostState(addresses: ["eth0": ["192.168.1.5/24"]], routedInterfaces: ["eth0"])
        #expect(codes(SafetyFixture.nic("eth0", operstate: "down"), host).isEmpty)
        #expect(codes(SafetyFixture.nic("eth0", operstate: "lowerlayerdown"), host).isEmpty)
    }

    @Test func upWithoutAddressOrRouteIsSafe() {
        let host = HostState(addresses: ["eth1": ["10.0.0.1/8"]], routedInterfaces: ["eth1"])
        #expect(codes(SafetyFixture.nic("eth0"), host).isEmpty)
    }

    @Test func upWithLoopbackRangeAddressBlocks() {
        let device = SafetyFixture.nic("eth0")
        let findings = SafetyChecker(host: HostState(addresses: ["eth0": ["127.0.0.2/8"]])).findings(for: device)
        #expect(
            findings == [
                SafetyFinding(code: .netdevActive, device: device.address, detail: "eth0 is up with 127.0.0.2/8")
            ])
        #expect(
            findings.first?.message == "0000:01:00.0: eth0 is up with 127.0.0.2/8 (override with --force netdev-active)"
        )
    }

    @Test func upWithRouteOnlyBlocks() {
        let findings = SafetyChecker(host: HostState(routedInterfaces: ["eth0"])).findings(
            for: SafetyFixture.nic("eth0"))
        #expect(findings.map(\.detail) == ["eth0 is up and carries routes"])
    }

    /// `unknown` is what drivers without carrier detection report while up: not a reason to pass.
    @Test func unknownOperstateCountsAsUp() {
        let findings = SafetyChecker(host: HostState(addresses: ["eth0": ["fd00::2/64"]]))
            .findings(for: SafetyFixture.nic("eth0", operstate: "unknown"))
        #expect(findings.map(\.detail) == ["eth0 is not down (operstate unknown) with fd00::2/64"])
    }

    /// A bridged or bonded NIC has no address of its own; cutting it still cuts the bridge's traffic.
    @Test func enslavedInterfaceBlocksThroughItsBridge() {
        let host = HostState(
            addresses: ["br0": ["192.168.1.5/24"]],
            upperInterfaces: ["eth0": ["bond0"], "bond0": ["br0"], "br0": []])
        let findings = SafetyChecker(host: host).findings(for: SafetyFixture.nic("eth0"))
        #expect(findings.map(\.detail) == ["eth0 is up under br0 with 192.168.1.5/24"])
        let idle = HostState(upperInterfaces: ["eth0": ["br0"]])
        #expect(codes(SafetyFixture.nic("eth0"), idle).isEmpty)
    }
}

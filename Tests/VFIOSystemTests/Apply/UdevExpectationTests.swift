import Testing
@testable import VFIOCore
@testable import VFIOSystem

@Suite struct UdevExpectationTests {
    typealias Event = UdevExpectation.Event
    let vf = PCIAddress("0000:07:00.1")!

    private func expecting() -> UdevExpectation {
        var expectation = UdevExpectation()
        expectation.expectBind(of: vf)
        expectation.expectNode("/dev/vfio/12")
        return expectation
    }

    @Test func satisfiedOnlyByTheDevicesBindAndTheNodesAdd() {
        var expectation = expecting()
        #expect(!expectation.isSatisfied)
        // Events of other devices, other actions, other nodes change nothing.
        expectation.saw(Event(action: "bind", subsystem: "pci", sysname: "0000:07:00.2", devnode: nil))
        expectation.saw(Event(action: "add", subsystem: "pci", sysname: "0000:07:00.1", devnode: nil))
        expectation.saw(Event(action: "bind", subsystem: "nvme", sysname: "0000:07:00.1", devnode: nil))
        expectation.saw(Event(action: "add", subsystem: "vfio", sysname: "13", devnode: "/dev/vfio/13"))
        expectation.saw(Event(action: "remove", subsystem: "vfio", sysname: "12", devnode: "/dev/vfio/12"))
        #expect(expectation.pending == ["bind of 0000:07:00.1", "add of /dev/vfio/12"])
        expectation.saw(Event(action: "bind", subsystem: "pci", sysname: "0000:07:00.1", devnode: nil))
        #expect(expectation.pending == ["add of /dev/vfio/12"])
        expectation.saw(Event(action: "add", subsystem: "vfio", sysname: "12", devnode: "/dev/vfio/12"))
        #expect(expectation.isSatisfied)
    }

    @Test(arguments: [
        ("6.1.0-26-amd64", true), ("4.14.0", true), ("4.19.90-rt", true), ("5.4", true),
        ("4.13.16-100.fc25", false), ("3.10.0-1160.el7.x86_64", false), ("weird", true)
    ])
    func bindEventsExistSinceLinux414(_ release: String, _ sends: Bool) {
        #expect(UdevExpectation.kernelSendsBindEvents(release: release) == sends)
    }
}

import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// The nodes a bind result, `show` and `status` list: the group node, the container, the device cdev
/// and `/dev/iommu`, whichever the kernel makes.
@Suite struct VFIONodesTests {
    typealias S = KernelSimulator.Standard

    @Test func groupKernelListsGroupNodeAndContainer() throws {
        let f = EngineFixture()
        let report = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(report.error == nil)
        #expect(report.devices.first?.nodes.all == ["/dev/vfio/10", "/dev/vfio/vfio"])
        #expect(report.devices.first?.deviceNode == "/dev/vfio/10")
        let json = compact(OperationJSON.report(report))
        #expect(json.contains(#""device_node":"/dev/vfio/10""#))
        #expect(json.contains(#""nodes":["/dev/vfio/10","/dev/vfio/vfio"]"#))
        #expect(OperationText.report(report, verbose: false).contains("(group 10, /dev/vfio/10, /dev/vfio/vfio)"))
    }

    @Test func cdevKernelListsTheCdevNextToTheGroupNode() throws {
        let f = EngineFixture(KernelSimulator.Builder.standard().vfioNodes(groups: true, deviceCdevs: true).build())
        let report = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(report.error == nil)
        #expect(report.devices.first?.nodes.all == ["/dev/vfio/10", "/dev/vfio/vfio", "/dev/vfio/devices/vfio0"])
        #expect(report.devices.first?.deviceNode == "/dev/vfio/10")
    }

    @Test func cdevOnlyKernelListsTheCdev() throws {
        let f = EngineFixture(KernelSimulator.Builder.standard().vfioNodes(groups: false, deviceCdevs: true).build())
        let report = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(report.error == nil)
        #expect(report.devices.first?.nodes.all == ["/dev/vfio/devices/vfio0"])
        #expect(report.devices.first?.deviceNode == "/dev/vfio/devices/vfio0")
    }

    @Test func alreadyBoundReportsItsNodesAndReleaseNone() throws {
        let f = EngineFixture()
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        let again = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(again.devices.first?.status == .unchanged)
        #expect(again.devices.first?.nodes.all == ["/dev/vfio/10", "/dev/vfio/vfio"])
        let back = try f.unbind([S.e1000e])
        #expect(back.devices.first?.nodes.all == [])
        #expect(compact(OperationJSON.report(back)).contains(#""nodes":[]"#))
    }

    @Test func readerListsOnlyNodesThatExist() throws {
        let sim = KernelSimulator.Builder.standard().vfioNodes(groups: true, deviceCdevs: true).build()
        let reader = VFIONodeReader(kernel: sim)
        #expect(reader.present(S.e1000e, group: sim.group(of: S.e1000e)).perDevice == [])
        let f = EngineFixture(sim)
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        let nodes = reader.present(S.e1000e, group: sim.group(of: S.e1000e))
        #expect(nodes.perDevice == ["/dev/vfio/10", "/dev/vfio/devices/vfio0"])
        #expect(reader.missing(nodes) == [])
    }

    @Test func statusListsTheNodesOfBoundDevices() throws {
        let f = EngineFixture()
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        let reader = VFIONodeReader(kernel: f.sim)
        let entries = try ManagedStatus.read(store: f.state, inventory: try f.sim.inventory()) {
            reader.present($0.address, group: $0.iommuGroup)
        }.get()
        #expect(entries.first?.nodes.all == ["/dev/vfio/10", "/dev/vfio/vfio"])
        #expect(compact(ManagedStatus.json(entries)).contains(#""nodes":["/dev/vfio/10","/dev/vfio/vfio"]"#))
        #expect(ManagedStatus.text(entries).contains("/dev/vfio/10 /dev/vfio/vfio"))
    }

    /// The document without its layout, for looking up one key's value.
    private func compact(_ json: JSONValue) -> String { json.rendered().filter { !$0.isWhitespace } }
}

#if canImport(Glibc)
import Glibc
#endif
import VFIOCore
import VFIOSystem

/// The sysfs tree the simulator serves, rendered from the core's state: directories, attributes (with
/// their contents and write handlers) and relative symbolic links laid out as the kernel lays them out.
/// Paths are relative to the sysfs root, without leading or trailing slashes ("" is the root).
struct SimulatorTree {
    /// What a write to an attribute does.
    enum Handler: Equatable {
        case driverOverride(PCIAddress)
        case bind(DriverName)
        case unbind(DriverName)
        case newID(DriverName)
        case removeID(DriverName)
        case driversProbe
        case sriovNumVFs(PCIAddress)
        case sriovAutoprobe(PCIAddress)
        case resetMethod(PCIAddress)
        /// vfio's `enable_unsafe_noiommu_mode` parameter.
        case noIOMMUMode
        /// Writable, accepted, no modelled effect (`rescan`, `uevent`).
        case accept
        /// Writable in the kernel, not modelled here: EOPNOTSUPP, so a test notices.
        case unsupported
    }

    enum Node {
        case directory
        /// `content` nil: write-only (reading fails with EACCES); `handler` nil: read-only (EACCES).
        case file(content: String?, handler: Handler?)
        case link(target: String)
    }

    private(set) var nodes: [String: Node] = ["": .directory]
    private(set) var children: [String: [String]] = [:]

    // MARK: Building

    static func parent(of path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    mutating func directory(_ path: String) {
        guard !path.isEmpty, nodes[path] == nil else { return }
        let (parent, name) = Self.parent(of: path)
        directory(parent)
        nodes[path] = .directory
        children[parent, default: []].append(name)
    }

    private mutating func add(_ path: String, _ node: Node) {
        let (parent, name) = Self.parent(of: path)
        directory(parent)
        if nodes[path] == nil { children[parent, default: []].append(name) }
        nodes[path] = node
    }

    mutating func file(_ path: String, _ content: String?, _ handler: Handler? = nil) {
        add(path, .file(content: content, handler: handler))
    }

    /// A link at `path` to the tree path `target`, written relative the way kernfs does: up to the
    /// common ancestor, then down (`../../../bus/pci/drivers/e1000e`).
    mutating func link(_ path: String, to target: String) {
        let from = Self.parent(of: path).directory.split(separator: "/")
        let to = target.split(separator: "/")
        var common = 0
        while common < from.count, common < to.count, from[common] == to[common] { common += 1 }
        let relative = Array(repeating: "..", count: from.count - common) + to[common...].map(String.init)
        add(path, .link(target: relative.joined(separator: "/")))
    }

    // MARK: Resolving

    /// Walks `path` component by component, following links in the middle (and at the end when
    /// `followLast`), as the VFS does: the physical position is kept, so `..` after a link climbs from
    /// where the link led. Returns the physical path of the final node.
    func resolve(_ path: String, followLast: Bool) throws(KernelErrno) -> (path: String, node: Node) {
        var pending = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var position: [String] = []
        var hops = 0
        var node: Node = .directory
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." { continue }
            if component == ".." {
                if position.isEmpty { throw KernelErrno(Glibc.ENOENT) }
                position.removeLast()
                node = .directory
                continue
            }
            guard case .directory = nodes[position.joined(separator: "/")] ?? .directory else {
                throw KernelErrno(Glibc.ENOTDIR)
            }
            let candidate = (position + [component]).joined(separator: "/")
            guard let found = nodes[candidate] else { throw KernelErrno(Glibc.ENOENT) }
            if case .link(let target) = found, followLast || !pending.isEmpty {
                hops += 1
                if hops > 40 { throw KernelErrno(ELOOP) }
                if target.hasPrefix("/") { throw KernelErrno(Glibc.ENOENT) }
                pending = target.split(separator: "/").map(String.init) + pending
                continue
            }
            position.append(component)
            node = found
        }
        return (position.joined(separator: "/"), node)
    }

    func entries(of directory: String) -> [SysfsEntry] {
        (children[directory] ?? []).map { name in
            let path = directory.isEmpty ? name : directory + "/" + name
            let kind: SysfsEntry.Kind =
                switch nodes[path] {
                case .directory: .directory
                case .file: .file
                case .link: .symlink
                case nil: .other
                }
            return SysfsEntry(name: name, kind: kind)
        }
    }
}

// MARK: Rendering the state as sysfs

extension SimulatorCore {
    static let devicesDirectory = "bus/pci/devices"
    static let driversDirectory = "bus/pci/drivers"

    /// `devices/pci0000:00/0000:00:02.0/0000:01:00.0`: below the parent bridge, or the root bus of the
    /// device (or of its PF: VFs sit next to their PF).
    func canonicalPath(of address: PCIAddress) -> String {
        guard let device = devices[address] else { return "devices/missing/\(address)" }
        if let parent = device.spec.parent, devices[parent] != nil {
            return canonicalPath(of: parent) + "/" + address.description
        }
        let anchor = device.physfn ?? address
        return "devices/pci\(simHex(anchor.domain, 4)):\(simHex(anchor.bus, 2))/\(address)"
    }

    mutating func tree() -> SimulatorTree {
        if let cachedTree { return cachedTree }
        let tree = render()
        cachedTree = tree
        return tree
    }

    func render() -> SimulatorTree {
        var tree = SimulatorTree()
        tree.directory(Self.devicesDirectory)
        tree.directory(Self.driversDirectory)
        tree.directory("bus/pci/slots")
        tree.file("bus/pci/drivers_probe", nil, .driversProbe)
        tree.file("bus/pci/drivers_autoprobe", "1", .unsupported)
        tree.file("bus/pci/rescan", nil, .accept)
        tree.file("bus/pci/uevent", nil, .accept)
        tree.directory("kernel/iommu_groups")
        tree.directory("module")

        for driver in drivers { renderDriver(driver, into: &tree) }
        for address in order { renderDevice(address, into: &tree) }
        for group in Set(devices.values.compactMap(\.spec.group)) {
            let directory = "kernel/iommu_groups/\(group)"
            tree.directory(directory + "/devices")
            tree.file(directory + "/type", "DMA", .unsupported)
            tree.file(directory + "/reserved_regions", "0x00000000fee00000 0x00000000feefffff msi")
            if noIOMMUGroups.contains(group) { tree.file(directory + "/name", "vfio-noiommu") }
        }
        for name in loaded { renderModule(name, into: &tree) }
        // The group's class device, registered with its node (`/sys/class/vfio/N` for `/dev/vfio/N`).
        for group in Set(devices.values.compactMap(\.spec.group)) where vfioGroupNodeExists(group) {
            tree.directory("class/vfio/" + (noIOMMUGroups.contains(group) ? "noiommu-" : "") + "\(group)")
        }
        return tree
    }

    private func renderDriver(_ driver: Driver, into tree: inout SimulatorTree) {
        let directory = Self.driversDirectory + "/" + driver.name.rawValue
        tree.directory(directory)
        tree.file(directory + "/bind", nil, .bind(driver.name))
        tree.file(directory + "/unbind", nil, .unbind(driver.name))
        tree.file(directory + "/new_id", nil, .newID(driver.name))
        tree.file(directory + "/remove_id", nil, .removeID(driver.name))
        tree.file(directory + "/uevent", nil, .accept)
        if let module = driver.module { tree.link(directory + "/module", to: "module/\(module)") }
    }

    private func renderModule(_ name: ModuleName, into tree: inout SimulatorTree) {
        guard let module = modules[name], !module.builtIn else { return }
        let directory = "module/\(name)"
        let holders = loaded.filter { modules[$0]?.dependencies.contains(name) == true }
        let boundDevices = devices.values.filter { device in
            module.drivers.contains { $0.name == device.spec.driver }
        }.count
        tree.file(directory + "/initstate", "live")
        if name.rawValue == "vfio" && noIOMMUAvailable {
            tree.file(directory + "/parameters/enable_unsafe_noiommu_mode", noIOMMUEnabled ? "Y" : "N", .noIOMMUMode)
        }
        tree.file(directory + "/refcnt", "\(holders.count + boundDevices)")
        tree.directory(directory + "/holders")
        for holder in holders { tree.link(directory + "/holders/\(holder)", to: "module/\(holder)") }
        for driver in module.drivers {
            tree.link(directory + "/drivers/pci:\(driver.name)", to: Self.driversDirectory + "/" + driver.name.rawValue)
        }
    }

    private func renderDevice(_ address: PCIAddress, into tree: inout SimulatorTree) {
        guard let device = devices[address] else { return }
        let spec = device.spec
        let id = spec.identity
        let directory = canonicalPath(of: address)
        let bound = spec.driver.flatMap { driver(named: $0) }

        tree.link(Self.devicesDirectory + "/\(address)", to: directory)
        tree.file(directory + "/vendor", "0x" + simHex(id.vendor.rawValue, 4))
        tree.file(directory + "/device", "0x" + simHex(id.device.rawValue, 4))
        tree.file(directory + "/subsystem_vendor", "0x" + simHex(id.subsystemVendor.rawValue, 4))
        tree.file(directory + "/subsystem_device", "0x" + simHex(id.subsystemDevice.rawValue, 4))
        tree.file(directory + "/class", "0x" + simHex(id.classCode.rawValue, 6))
        tree.file(directory + "/revision", "0x" + simHex((id.revision ?? Revision(0)).rawValue, 2))
        tree.file(directory + "/modalias", Self.modalias(id))
        tree.file(directory + "/driver_override", spec.driverOverride ?? "(null)", .driverOverride(address))
        tree.file(directory + "/numa_node", "\(spec.numaNode)", .unsupported)
        tree.file(directory + "/enable", spec.driver == nil ? "0" : "1", .unsupported)
        tree.file(directory + "/irq", device.physfn == nil ? "\(16 + (order.firstIndex(of: address) ?? 0) % 8)" : "0")
        tree.file(directory + "/local_cpulist", "0")
        tree.file(directory + "/power_state", bound?.spec.kind == .vfio ? "D3hot" : "D0")
        tree.file(directory + "/uevent", uevent(spec), .accept)
        tree.file(directory + "/remove", nil, .unsupported)
        tree.file(directory + "/rescan", nil, .accept)
        if !spec.isBridge { tree.file(directory + "/reset", nil, .unsupported) }
        if let supported = spec.resetMethods {
            let active = device.activeResetMethods ?? supported
            tree.file(
                directory + "/reset_method", active.joined(separator: " "),
                .resetMethod(address))
        }
        if [0x0300, 0x0001].contains(id.classCode.classAndSubclass) {
            tree.file(directory + "/boot_vga", spec.bootVGA ? "1" : "0")
        }
        tree.file(directory + "/power/control", spec.driver == nil ? "on" : "auto", .unsupported)
        tree.file(directory + "/power/runtime_status", bound?.spec.kind == .vfio ? "suspended" : "active")
        tree.link(directory + "/subsystem", to: "bus/pci")

        if spec.isBridge {
            let buses = order.compactMap { devices[$0]?.spec.parent == address ? $0.bus : nil }
            let secondary = buses.min() ?? address.bus &+ 1
            tree.directory(directory + "/pci_bus/\(simHex(address.domain, 4)):\(simHex(secondary, 2))")
        }
        if let driver = spec.driver {
            let driverDirectory = Self.driversDirectory + "/" + driver.rawValue
            tree.link(directory + "/driver", to: driverDirectory)
            tree.link(driverDirectory + "/\(address)", to: directory)
        }
        if let group = spec.group {
            tree.link(directory + "/iommu_group", to: "kernel/iommu_groups/\(group)")
            tree.link("kernel/iommu_groups/\(group)/devices/\(address)", to: directory)
        }
        if let capability = spec.sriov {
            tree.file(directory + "/sriov_totalvfs", "\(capability.totalVFs)")
            tree.file(directory + "/sriov_numvfs", "\(device.virtfns.count)", .sriovNumVFs(address))
            tree.file(
                directory + "/sriov_drivers_autoprobe", capability.driversAutoprobe ? "1" : "0",
                .sriovAutoprobe(address))
            tree.file(directory + "/sriov_offset", "\(capability.offset)")
            tree.file(directory + "/sriov_stride", "\(capability.stride)")
            tree.file(directory + "/sriov_vf_device", String(capability.vfDevice.rawValue, radix: 16))
            for (n, vf) in device.virtfns.enumerated() {
                tree.link(directory + "/virtfn\(n)", to: canonicalPath(of: vf))
            }
        }
        if let pf = device.physfn { tree.link(directory + "/physfn", to: canonicalPath(of: pf)) }
        if let cdev = device.cdev { tree.file(directory + "/vfio-dev/vfio\(cdev)/dev", "511:\(cdev)") }
        if bound?.spec.kind == .host {
            for use in spec.hostUse { renderHostUse(use, at: directory, into: &tree) }
        }
    }

    private func renderHostUse(_ use: KernelSimulator.HostUseSpec, at directory: String, into tree: inout SimulatorTree)
    {
        switch use {
        case .network(let name, let operstate):
            tree.file(directory + "/net/\(name)/operstate", operstate)
        case .virtioNetwork(let index, let name, let operstate):
            tree.file(directory + "/virtio\(index)/device", "0x0001")
            tree.file(directory + "/virtio\(index)/net/\(name)/operstate", operstate)
        case .nvme(let controller, let namespaces):
            let path = directory + "/nvme/nvme\(controller)"
            tree.file(path + "/state", "live")
            for namespace in namespaces { tree.file(path + "/nvme\(controller)n\(namespace)/size", "2097152") }
        }
    }

    private func uevent(_ spec: KernelSimulator.DeviceSpec) -> String {
        let id = spec.identity
        var lines: [String] = []
        if let driver = spec.driver { lines.append("DRIVER=\(driver)") }
        lines.append("PCI_CLASS=\(String(id.classCode.rawValue, radix: 16).uppercased())")
        lines.append(
            "PCI_ID=\(simHex(id.vendor.rawValue, 4).uppercased()):\(simHex(id.device.rawValue, 4).uppercased())")
        lines.append(
            "PCI_SUBSYS_ID=\(simHex(id.subsystemVendor.rawValue, 4).uppercased()):"
                + simHex(id.subsystemDevice.rawValue, 4).uppercased())
        lines.append("PCI_SLOT_NAME=\(spec.address)")
        lines.append("MODALIAS=\(Self.modalias(id))")
        return lines.joined(separator: "\n")
    }

    /// `pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X`, formatted here independently of VFIOCore.
    static func modalias(_ id: PCIIdentity) -> String {
        func up(_ value: some BinaryInteger, _ width: Int) -> String { simHex(value, width).uppercased() }
        return "pci:v\(up(id.vendor.rawValue, 8))d\(up(id.device.rawValue, 8))"
            + "sv\(up(id.subsystemVendor.rawValue, 8))sd\(up(id.subsystemDevice.rawValue, 8))"
            + "bc\(up(id.classCode.baseClass, 2))sc\(up(id.classCode.subclass, 2))i\(up(id.classCode.interface, 2))"
    }
}

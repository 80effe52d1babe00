/// Human-readable renderings of devices: the `list` table, the `list --tree` topology, `show`, `groups`.
public struct DeviceText {
    package let namer: DeviceNamer
    package let vfioDrivers: VFIODriverSet

    public init(namer: DeviceNamer, vfioDrivers: VFIODriverSet) {
        self.namer = namer
        self.vfioDrivers = vfioDrivers
    }

    /// Like `lspci -k`, plus IOMMU group, driver_override and SR-IOV columns, written line by line.
    /// With `kernelModules`, a MODULES column before the description: lspci -k's "Kernel modules:"
    /// (comma-separated, `-` for none).
    public func list(
        _ devices: [PCIDevice], kernelModules: ((PCIDevice) -> [ModuleName])? = nil,
        to out: (String) -> Void
    ) {
        var header = ["ADDRESS", "CLASS", "IDS", "DRIVER", "GROUP", "OVERRIDE", "SR-IOV", "DESCRIPTION"]
        if kernelModules != nil { header.insert("MODULES", at: header.count - 1) }
        StreamedTable<PCIDevice>(
            header: header,
            cells: { device in
                var cells = [
                    device.address.description,
                    hex(device.identity.classCode.classAndSubclass, width: 4),
                    "\(device.identity.vendor):\(device.identity.device)",
                    device.driver?.rawValue ?? "-",
                    device.iommuGroup?.description ?? "-",
                    device.driverOverride?.rawValue ?? "-",
                    sriovSummary(device)
                ]
                if let kernelModules {
                    let modules = kernelModules(device)
                    cells.append(modules.isEmpty ? "-" : modules.map(\.rawValue).joined(separator: ","))
                }
                return cells
            },
            last: { namer.description($0) ?? "" }
        ).write(devices, to: out)
    }

    func sriovSummary(_ device: PCIDevice) -> String {
        if let pf = device.sriov.physfn { return "VF of \(pf)" }
        guard let total = device.sriov.totalVFs else { return "-" }
        return "PF \(device.sriov.numVFs ?? 0)/\(total)"
    }

    /// The PCI topology: root buses, bridges with what sits behind them, VFs under their PF.
    public func tree(_ inventory: DeviceInventory) -> String {
        var out = ""
        let roots = inventory.children(of: nil)
        let buses = Dictionary(grouping: roots) {
            "\(hex($0.address.domain, width: 4)):\(hex($0.address.bus, width: 2))"
        }
        for bus in buses.keys.sorted() {
            out += "[\(bus)] root bus\n"
            let devices = buses[bus]!
            for (i, device) in devices.enumerated() {
                treeNode(device, inventory: inventory, prefix: "", isLast: i == devices.count - 1, into: &out)
            }
        }
        return out
    }

    private func treeNode(
        _ device: PCIDevice, inventory: DeviceInventory, prefix: String, isLast: Bool,
        into out: inout String
    ) {
        let isVF = device.isVirtualFunction
        out += prefix + (isLast ? "└─ " : "├─ ") + (isVF ? "VF " : "") + treeLabel(device) + "\n"
        let childPrefix = prefix + (isLast ? "   " : "│  ")
        let children =
            inventory.children(of: device.address)
            + device.sriov.virtfns.compactMap { inventory[$0] }
        for (i, child) in children.enumerated() {
            treeNode(child, inventory: inventory, prefix: childPrefix, isLast: i == children.count - 1, into: &out)
        }
    }

    private func treeLabel(_ device: PCIDevice) -> String {
        var parts = [
            device.address.description,
            "[\(hex(device.identity.classCode.classAndSubclass, width: 4))]",
            "\(device.identity.vendor):\(device.identity.device)",
            device.driver?.rawValue ?? "(no driver)",
            device.iommuGroup.map { "group \($0)" } ?? "no group"
        ]
        if let name = namer.deviceName(device) ?? namer.className(device) { parts.append(name) }
        return parts.joined(separator: "  ")
    }

    /// `show`: everything about the device and its group, then the driver decision when there is one.
    /// `nodes`: the VFIO nodes that exist for it (empty unless it is on a VFIO driver), with the owner,
    /// group and mode of its per-device ones; `power`: its reset and power facts.
    public func show(
        _ device: PCIDevice, inventory: DeviceInventory, plan: DevicePlan?, nodes: VFIONodes = VFIONodes(),
        owners: [NodeAttributes] = [], power: DevicePower = DevicePower()
    ) -> String {
        show(device, inventory: inventory, nodes: nodes, owners: owners, power: power)
            + (plan.map { "VFIO driver decision:\n" + PlanText(namer: namer).explain($0) } ?? "")
    }

    /// Everything the model holds about one device, then its IOMMU group. `nodes`: the VFIO nodes
    /// that exist for it (empty unless it is on a VFIO driver), `owners` the owner, group and mode of
    /// its per-device ones; `power`: its reset and power facts.
    public func show(
        _ device: PCIDevice, inventory: DeviceInventory, nodes: VFIONodes = VFIONodes(),
        owners: [NodeAttributes] = [], power: DevicePower = DevicePower()
    ) -> String {
        var lines: [(String, String)] = []
        let identity = device.identity
        lines.append(("Address", device.address.description))
        if let description = namer.description(device) { lines.append(("Description", description)) }
        lines.append(("Vendor", "\(identity.vendor)" + (namer.vendorName(device).map { " (\($0))" } ?? "")))
        lines.append(("Device", "\(identity.device)" + (namer.deviceName(device).map { " (\($0))" } ?? "")))
        lines.append(("Subsystem", "\(identity.subsystemVendor):\(identity.subsystemDevice)"))
        lines.append(("Class", "\(identity.classCode)" + (namer.className(device).map { " (\($0))" } ?? "")))
        lines.append(("Revision", identity.revision?.description ?? "not read"))
        lines.append(("Modalias", device.modalias.rawValue))
        lines.append(("Driver", device.driver?.rawValue ?? "none"))
        lines.append(("Driver override", device.driverOverride?.rawValue ?? "none"))
        lines.append(("NUMA node", device.numaNode.map(String.init) ?? "none"))
        lines.append(("Bridge", device.isBridge ? "yes" : "no"))
        lines.append(("Boot VGA", device.bootVGA ? "yes" : "no"))
        lines.append(("Upstream bridge", device.parent?.description ?? "none (root bus)"))
        if let pf = device.sriov.physfn { lines.append(("SR-IOV", "virtual function of \(pf)")) }
        if let total = device.sriov.totalVFs {
            let autoprobe = device.sriov.driversAutoprobe.map { $0 ? "on" : "off" } ?? "unknown"
            lines.append(
                (
                    "SR-IOV",
                    "physical function, \(device.sriov.numVFs ?? 0) of \(total) VFs enabled, drivers_autoprobe \(autoprobe)"
                ))
            if !device.sriov.virtfns.isEmpty {
                lines.append(("Virtual functions", device.sriov.virtfns.map(\.description).joined(separator: " ")))
            }
        }
        lines.append(("Host use", hostUseSummary(device.hostUse)))
        lines.append(("VFIO nodes", nodes.isEmpty ? "none" : NodeAttributes.annotated(nodes.all, owners)))
        lines.append(
            (
                "Reset methods",
                power.resetMethods.map { $0.isEmpty ? "none" : $0.joined(separator: " ") }
                    ?? "none (no reset_method: the kernel cannot reset it alone)"
            ))
        lines.append(("Power", powerSummary(power)))
        if !device.unreadable.isEmpty {
            lines.append(("Unreadable", device.unreadable.joined(separator: ", ")))
        }
        if let write = device.pendingWrite {
            lines.append(("Pending write", "\(write), still blocked in the kernel (driver_override not read)"))
        }
        let width = lines.map(\.0.count).max() ?? 0
        var out =
            lines.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 1) + $0.1 }
            .joined(separator: "\n") + "\n"
        if let group = device.iommuGroup {
            let viability = GroupViability(
                group: group, members: inventory.members(of: group), vfioDrivers: vfioDrivers)
            out += "IOMMU group \(group) (\(viability.verdict)):\n" + memberLines(viability.members)
        } else {
            out += "IOMMU group: none (the IOMMU is off or the device is not translated; vfio-pci cannot bind it)\n"
        }
        return out
    }

    /// `D3hot (runtime suspended), D3cold allowed, vfio-pci disable_idle_d3 off`.
    func powerSummary(_ power: DevicePower) -> String {
        var parts = [(power.powerState ?? "unknown") + (power.runtimeStatus.map { " (runtime \($0))" } ?? "")]
        if let allowed = power.d3coldAllowed { parts.append("D3cold " + (allowed ? "allowed" : "not allowed")) }
        if let disabled = power.vfioDisableIdleD3 {
            parts.append("vfio-pci disable_idle_d3 " + (disabled ? "on" : "off"))
        }
        return parts.joined(separator: ", ")
    }

    func hostUseSummary(_ use: HostUse) -> String {
        guard !use.isEmpty else { return "nothing visible in sysfs" }
        var parts: [String] = []
        parts += use.networkInterfaces.map { "net \($0.name) (\($0.operstate ?? "unknown"))" }
        parts += use.blockDevices.map { "block \($0)" }
        parts += use.displayNodes.map { "display \($0)" }
        return parts.joined(separator: ", ")
    }

    func memberLines(_ members: [PCIDevice]) -> String {
        var table = TextTable(header: ["  ADDRESS", "IDS", "DRIVER", "DESCRIPTION"])
        for member in members {
            table.append([
                "  " + member.address.description, "\(member.identity.vendor):\(member.identity.device)",
                member.driver?.rawValue ?? "-", namer.description(member) ?? ""
            ])
        }
        return table.rendered()
    }

    /// Each IOMMU group with its verdict and members.
    public func groups(_ viabilities: [GroupViability]) -> String {
        viabilities.map { "IOMMU group \($0.group): \($0.verdict)\n" + memberLines($0.members) }.joined(separator: "\n")
    }
}

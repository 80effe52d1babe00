/// Decides, from a device record and a `HostState` snapshot alone, what moving the device away from
/// its host driver would break. Pure: no I/O, so every rule is testable with constructed values.
public struct SafetyChecker: Sendable {
    public let host: HostState
    /// Tells whether the device's driver is a VFIO driver, which makes /dev/vfio/GROUP its node.
    public let vfioDrivers: VFIODriverSet
    private let mountPoints: [String: [String]]
    private let swapDevices: Set<String>

    public init(host: HostState, vfioDrivers: VFIODriverSet = VFIODriverSet(loaded: [])) {
        self.host = host
        self.vfioDrivers = vfioDrivers
        let resolver = BlockNameResolver(host: host)
        var mountPoints: [String: [String]] = [:]
        for mount in host.mounts {
            guard let block = resolver.block(for: mount) else { continue }
            if !mountPoints[block, default: []].contains(mount.mountPoint) {
                mountPoints[block, default: []].append(mount.mountPoint)
            }
        }
        self.mountPoints = mountPoints
        swapDevices = Set(host.swaps.filter { $0.type != "file" }.compactMap { resolver.block(forPath: $0.path) })
    }

    /// Whether a finding for this device could come from the host's state. Every finding that
    /// reads `HostState` starts from something the device has only while a driver is bound: its
    /// interfaces, block devices and display nodes (`hostUse`), its VFIO group node (a VFIO driver)
    /// and its NVMe or VFIO cdev nodes (class devices of its driver). A device without a driver and
    /// without host use can only be a boot VGA device, a bridge or a PF, which its record says alone.
    public static func needsHostState(_ device: PCIDevice) -> Bool {
        precondition(device.hostUseRead, "safety check on \(device.address), enumerated without its host use")
        return device.driver != nil || !device.hostUse.isEmpty
    }

    /// Every finding for one device, in `SafetyCode` order.
    public func findings(for device: PCIDevice) -> [SafetyFinding] {
        // A record read without its host use would pass every check it cannot see.
        precondition(device.hostUseRead, "safety check on \(device.address), enumerated without its host use")
        var details: [(SafetyCode, String)] = []
        // Each part is looked at only when the device has something of that kind: most devices a
        // bulk bind moves (new VFs) have none, and each empty part still cost its arrays.
        let use = device.hostUse
        if !use.networkInterfaces.isEmpty { details += networkFindings(device).map { (.netdevActive, $0) } }
        let stack = use.blockDevices.isEmpty ? BlockStack.none : BlockStack(disks: use.blockDevices, in: host)
        if !stack.members.isEmpty { details += blockFindings(stack) }
        if device.bootVGA { details.append((.bootVGA, "is the boot VGA device (boot_vga=1)")) }
        for fb in use.displayNodes where fb.hasPrefix("fb") {
            if let console = host.consoleFramebuffers[fb] {
                details.append((.fbcon, "\(fb) carries the framebuffer console (\(console))"))
            }
        }
        for finding in openNodeFindings(device, stack: stack) { details.append((.openFD, finding)) }
        if device.isBridge { details.append((.bridge, "is a PCI bridge (class \(device.identity.classCode))")) }
        let vfs = max(device.sriov.numVFs ?? 0, device.sriov.virtfns.count)
        if vfs > 0 { details.append((.sriovPF, "is an SR-IOV PF with \(vfs) VF\(vfs == 1 ? "" : "s") enabled")) }
        return details.map { SafetyFinding(code: $0.0, device: device.address, detail: $0.1) }
    }

    /// Findings for several devices, split by whether the user forced their code with `--force`.
    public func findings(
        for devices: [PCIDevice], forced: Set<SafetyCode>
    )
        -> (blocking: [SafetyFinding], overridden: [SafetyFinding])
    {
        let all = devices.flatMap { findings(for: $0) }
        return (all.filter { !forced.contains($0.code) }, all.filter { forced.contains($0.code) })
    }

    // MARK: - Network

    /// Operstates that mean no traffic can flow. `unknown` is what drivers without carrier reporting
    /// show while up, so it counts as up, as does an unreadable operstate.
    private static let downStates: Set<String> = ["down", "lowerlayerdown", "notpresent"]

    private func networkFindings(_ device: PCIDevice) -> [String] {
        device.hostUse.networkInterfaces.compactMap { interface in
            // Configured up without carrier (operstate down, IFF_UP set) still carries configuration.
            if let state = interface.operstate, Self.downStates.contains(state), interface.adminUp != true {
                return nil
            }
            let subject =
                interface.operstate == "up"
                ? "\(interface.name) is up"
                : interface.adminUp == true
                    ? "\(interface.name) is configured up (operstate \(interface.operstate ?? "unreadable"))"
                    : "\(interface.name) is not down (operstate \(interface.operstate ?? "unreadable"))"
            if let use = networkUse(interface.name) { return subject + use }
            var seen: Set<String> = [interface.name]
            var uppers = host.upperInterfaces[interface.name] ?? []
            while !uppers.isEmpty {
                let upper = uppers.removeFirst()
                guard seen.insert(upper).inserted else { continue }
                if let use = networkUse(upper) { return subject + " under \(upper)" + use }
                uppers += host.upperInterfaces[upper] ?? []
            }
            return nil
        }
    }

    /// ` with 192.168.1.5/24, fd00::2/64` or ` and carries routes`; nil when the interface is unused.
    private func networkUse(_ interface: String) -> String? {
        if let addresses = host.addresses[interface], !addresses.isEmpty {
            return " with " + addresses.joined(separator: ", ")
        }
        return host.routedInterfaces.contains(interface) ? " and carries routes" : nil
    }

    // MARK: - Block devices

    private func blockFindings(_ stack: BlockStack) -> [(SafetyCode, String)] {
        guard !stack.members.isEmpty else { return [] }
        var mounted: [(SafetyCode, String)] = []
        var swap: [(SafetyCode, String)] = []
        for member in stack.members {
            let label = BlockStack.label(member, in: host)
            if let points = mountPoints[member.name] {
                mounted.append((.mounted, "\(label) mounted on \(Self.list(points))"))
            }
            if swapDevices.contains(member.name) { swap.append((.swap, "\(label) used as swap")) }
        }
        let stacked: [(SafetyCode, String)] = stack.own.compactMap { member in
            guard let holders = host.blockDevices[member.name]?.holders, !holders.isEmpty else { return nil }
            let names = holders.map { BlockStack.name(of: $0, in: host) }
            return (.stacked, "\(member.name) is held by " + names.joined(separator: ", "))
        }
        return mounted + swap + stacked
    }

    /// `/, /home and 3 more`: bind mounts and containers can repeat one filesystem many times.
    private static func list(_ items: [String], limit: Int = 3) -> String {
        let shown = items.prefix(limit).joined(separator: ", ")
        return items.count > limit ? shown + " and \(items.count - limit) more" : shown
    }

    // MARK: - Open device nodes

    /// The device's nodes, relative to /dev.
    private func nodes(of device: PCIDevice, stack: BlockStack) -> [String] {
        var nodes: [String] = []
        if let group = device.iommuGroup, let driver = device.driver, vfioDrivers.isVFIO(driver) {
            // Without an IOMMU (vfio noiommu mode) the group node is named noiommu-N.
            nodes += ["vfio/\(group)", "vfio/noiommu-\(group)"]
        }
        // NVMe and VFIO cdevs are class devices of the bound driver: a driverless device has none,
        // whatever a crafted tree links to it (which keeps `needsHostState` true by construction).
        if device.driver != nil, let known = host.deviceNodes[device.address] { nodes += known }
        for node in device.hostUse.displayNodes {
            nodes.append(node.hasPrefix("fb") ? node : "dri/" + node)
        }
        for member in stack.members { nodes.append(member.name) }
        return nodes
    }

    private func openNodeFindings(_ device: PCIDevice, stack: BlockStack) -> [String] {
        Self.holderLines(of: nodes(of: device, stack: stack), host: host, limit: 4)
    }

    /// One line per process holding any of `nodes` (relative to /dev), at most `limit` nodes named
    /// each: `pid 1234 (qemu-system-x86) holds /dev/vfio/12, /dev/vfio/devices/vfio0`. A holder with
    /// a known way to stop it gets it named (nvidia-persistenced keeps every NVIDIA GPU open).
    package static func holderLines(of nodes: [String], host: HostState, limit: Int = .max) -> [String] {
        var byHolder: [HostState.NodeHolder: [String]] = [:]
        for node in nodes {
            for holder in host.openNodes[node] ?? [] { byHolder[holder, default: []].append("/dev/" + node) }
        }
        return byHolder.sorted { $0.key.pid < $1.key.pid }.map { holder, nodes in
            "pid \(holder.pid) (\(holder.command)) holds \(list(nodes, limit: limit))"
                + (stopCommands[holder.command].map { " (stop it: \($0))" } ?? "")
        }
    }

    /// Daemons that hold devices open on their own, and how to stop them.
    private static let stopCommands = ["nvidia-persistenced": "systemctl stop nvidia-persistenced"]
}

/// Maps a mount or swap back to a block device name. By device number first (what the kernel says);
/// by the source path when the number is anonymous (major 0, e.g. btrfs) — `/dev/sda2`,
/// `/dev/mapper/vg0-root` (the dm name).
struct BlockNameResolver {
    package let host: HostState
    private let byNumber: [DeviceNumber: String]
    private let byDMName: [String: String]

    package init(host: HostState) {
        self.host = host
        var byNumber: [DeviceNumber: String] = [:]
        var byDMName: [String: String] = [:]
        for (name, block) in host.blockDevices {
            if let number = block.device { byNumber[number] = name }
            if let dmName = block.dmName { byDMName[dmName] = name }
        }
        self.byNumber = byNumber
        self.byDMName = byDMName
    }

    package func block(for mount: HostState.Mount) -> String? {
        if mount.device.major != 0, let name = byNumber[mount.device] { return name }
        return block(forPath: mount.source)
    }

    package func block(forPath path: String) -> String? {
        guard path.hasPrefix("/dev/") else { return nil }
        let node = String(path.dropFirst(5))
        if node.hasPrefix("mapper/") { return byDMName[String(node.dropFirst(7))] }
        return host.blockDevices[node] == nil ? nil : node
    }
}

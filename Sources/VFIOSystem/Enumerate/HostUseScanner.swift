import VFIOCore

/// Finds what the host uses a device for by looking only inside the device's own sysfs subtree:
/// network interfaces (`net/eth0`, also below `virtioN/`), block devices (below `nvme/`, `ataN/hostN/...`,
/// `virtioN/block`) and display nodes (`drm/card0`, `graphics/fb0`).
///
/// The walk descends only into directories whose names are known containers, so a device costs one
/// directory listing unless it actually has children of interest.
struct HostUseScanner {
    let sysfs: any SysfsAccess
    private static let maxDepth = 6

    func scan(deviceDirectory: String, entries: EntryKinds) -> HostUse {
        var use = HostUse()
        visit(directory: deviceDirectory, entries: entries, depth: 0, into: &use)
        use.blockDevices = Array(Set(use.blockDevices)).sorted()
        use.displayNodes.sort()
        use.networkInterfaces.sort { $0.name < $1.name }
        return use
    }

    private func visit(directory: String, entries: EntryKinds, depth: Int, into use: inout HostUse) {
        for name in entries.directories() {
            let path = directory + "/" + name
            switch name {
            case "net":
                for interface in names(in: path) {
                    let operstate = try? sysfs.read(path + "/" + interface + "/operstate")
                    let flags = (try? sysfs.read(path + "/" + interface + "/flags")).flatMap { UInt32(sysfsHex: $0) }
                    use.networkInterfaces.append(
                        .init(name: interface, operstate: operstate, adminUp: flags.map { $0 & 1 != 0 }))
                }
            case "block":
                use.blockDevices += names(in: path)
            case "drm":
                use.displayNodes += names(in: path).filter { $0.hasPrefix("card") || $0.hasPrefix("renderD") }
            case "graphics":
                use.displayNodes += names(in: path).filter { $0.hasPrefix("fb") }
            default:
                if let block = Self.nvmeNamespaceBlockName(name) {
                    use.blockDevices.append(block)
                } else if depth < Self.maxDepth && Self.isContainer(name) {
                    guard let children = try? sysfs.list(path) else { continue }
                    visit(directory: path, entries: EntryKinds(children), depth: depth + 1, into: &use)
                }
            }
        }
    }

    private func names(in path: String) -> [String] {
        ((try? sysfs.list(path)) ?? []).map(\.name).sorted()
    }

    /// Directories that can hold a host-use node further down; PCI child devices are not among them.
    static func isContainer(_ name: String) -> Bool {
        if name == "nvme" { return true }
        for prefix in ["nvme", "ata", "host", "target", "virtio", "port-", "end_device-", "expander-", "rport-"]
        where name.hasPrefix(prefix) && name.dropFirst(prefix.count).first?.isNumber == true {
            return true
        }
        // SCSI device directories are named H:C:T:L.
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    /// A namespace node under an NVMe controller: `nvme0n1` is the block device itself; with native
    /// multipath the controller holds the hidden path `nvme0c0n1` for the block device `nvme0n1`.
    static func nvmeNamespaceBlockName(_ name: String) -> String? {
        guard name.hasPrefix("nvme") else { return nil }
        let rest = name.dropFirst(4)
        let subsystem = rest.prefix(while: \.isNumber)
        guard !subsystem.isEmpty else { return nil }
        var tail = rest.dropFirst(subsystem.count)
        if tail.first == "c" {
            let controller = tail.dropFirst().prefix(while: \.isNumber)
            guard !controller.isEmpty else { return nil }
            tail = tail.dropFirst(1 + controller.count)
        }
        guard tail.first == "n" else { return nil }
        let namespace = tail.dropFirst().prefix(while: \.isNumber)
        guard !namespace.isEmpty, namespace.count == tail.count - 1 else { return nil }
        return "nvme\(subsystem)n\(namespace)"
    }
}

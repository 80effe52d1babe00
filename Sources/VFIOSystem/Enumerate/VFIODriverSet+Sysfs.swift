import VFIOCore

extension VFIODriverSet {
    /// The VFIO drivers the running kernel has loaded: the holders of `module/vfio_pci_core`, each
    /// module's `drivers/pci:NAME` entries.
    public init(sysfs: any SysfsAccess) {
        var loaded: Set<DriverName> = []
        for holder in (try? sysfs.list("module/vfio_pci_core/holders")) ?? [] {
            guard let entries = try? sysfs.list("module/\(holder.name)/drivers") else { continue }
            for entry in entries where entry.name.hasPrefix("pci:") {
                if let name = DriverName(entry.name.dropFirst(4)) { loaded.insert(name) }
            }
        }
        self.init(loaded: loaded)
    }
}

/// Whether VFIO can use an IOMMU group: every member must be unbound, or bound to vfio-pci, a VFIO
/// variant driver, pci-stub or pcieport. A single member on a host driver makes the container attach
/// fail (EPERM), which users otherwise only discover when QEMU starts.
public struct GroupViability: Sendable {
    public struct Blocker: Sendable, Equatable {
        public var address: PCIAddress
        public var driver: DriverName
    }

    public let group: IOMMUGroup
    public let members: [PCIDevice]
    public let blockers: [Blocker]
    public var isViable: Bool { blockers.isEmpty }

    public init(group: IOMMUGroup, members: [PCIDevice], vfioDrivers: VFIODriverSet) {
        self.group = group
        self.members = members
        blockers = members.compactMap { member in
            guard let driver = member.driver, !vfioDrivers.isHarmlessForVFIO(driver) else { return nil }
            return Blocker(address: member.address, driver: driver)
        }
    }

    /// `blocked by 0000:00:1f.2 (ahci), 0000:00:1f.3 (i801_smbus)`
    public var verdict: String {
        isViable
            ? "viable"
            : "not viable: blocked by " + blockers.map { "\($0.address) (\($0.driver))" }.joined(separator: ", ")
    }
}

/// Which driver names are VFIO drivers. The kernel knows: every variant driver's module uses
/// vfio_pci_core, so `/sys/module/vfio_pci_core/holders/` lists them; each module's
/// `drivers/pci:NAME` entry gives the PCI driver name. Drivers not loaded yet are recognised by name.
public struct VFIODriverSet: Sendable {
    public private(set) var loaded: Set<DriverName> = [.vfioPCI]

    public init(loaded: Set<DriverName>) { self.loaded = loaded.union([.vfioPCI]) }

    public func isVFIO(_ driver: DriverName) -> Bool {
        // vfio-pci first: a short name compares without hashing, and most devices moved go there.
        driver == .vfioPCI || loaded.contains(driver) || driver.rawValue.contains("vfio")
    }

    /// Drivers that may stay bound inside a group handed to VFIO.
    public func isHarmlessForVFIO(_ driver: DriverName) -> Bool {
        isVFIO(driver) || driver == .pciStub || driver == .pcieport
    }
}

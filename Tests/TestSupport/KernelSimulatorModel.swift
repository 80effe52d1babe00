import VFIOCore

// The descriptions a simulated machine is built from: id table entries, drivers, modules, devices.
// They are plain values; `KernelSimulator.Builder` turns them into a running simulation.

extension KernelSimulator {
    /// One `struct pci_device_id`: the fields the PCI core compares (`pci_match_one_device`), plus the
    /// `override_only` flag that `PCI_DRIVER_OVERRIDE_DEVICE_VFIO` sets. `any` is PCI_ANY_ID.
    public struct IDEntry: Sendable, Hashable, CustomStringConvertible {
        public static let any: UInt32 = 0xFFFF_FFFF

        public var vendor: UInt32
        public var device: UInt32
        public var subvendor: UInt32
        public var subdevice: UInt32
        public var classCode: UInt32
        public var classMask: UInt32
        /// Matches only a device whose driver_override names the driver (vfio-pci and its variants).
        public var overrideOnly: Bool

        public init(
            vendor: UInt32 = IDEntry.any, device: UInt32 = IDEntry.any, subvendor: UInt32 = IDEntry.any,
            subdevice: UInt32 = IDEntry.any, classCode: UInt32 = 0, classMask: UInt32 = 0,
            overrideOnly: Bool = false
        ) {
            self.vendor = vendor
            self.device = device
            self.subvendor = subvendor
            self.subdevice = subdevice
            self.classCode = classCode
            self.classMask = classMask
            self.overrideOnly = overrideOnly
        }

        /// `PCI_DEVICE(vendor, device)`.
        public static func device(_ vendor: UInt16, _ device: UInt16) -> IDEntry {
            IDEntry(vendor: UInt32(vendor), device: UInt32(device))
        }

        /// `PCI_DEVICE(vendor, PCI_ANY_ID)` (virtio-pci's table).
        public static func vendor(_ vendor: UInt16) -> IDEntry { IDEntry(vendor: UInt32(vendor)) }

        /// `PCI_DEVICE_CLASS(code, mask)`: any vendor and device of that class.
        public static func classCode(_ code: UInt32, mask: UInt32 = 0xFF_FFFF) -> IDEntry {
            IDEntry(classCode: code, classMask: mask)
        }

        /// `PCI_DRIVER_OVERRIDE_DEVICE_VFIO(vendor, device)`: a variant driver's entry.
        public static func overrideOnly(_ vendor: UInt16, _ device: UInt16) -> IDEntry {
            IDEntry(vendor: UInt32(vendor), device: UInt32(device), overrideOnly: true)
        }

        /// vfio-pci's only entry: ANY:ANY, override-only.
        public static let overrideOnlyAny = IDEntry(overrideOnly: true)

        public func matches(_ identity: PCIIdentity) -> Bool {
            matches(
                vendor: UInt32(identity.vendor.rawValue), device: UInt32(identity.device.rawValue),
                subvendor: UInt32(identity.subsystemVendor.rawValue),
                subdevice: UInt32(identity.subsystemDevice.rawValue), classCode: identity.classCode.rawValue)
        }

        /// `pci_match_one_device`.
        func matches(vendor: UInt32, device: UInt32, subvendor: UInt32, subdevice: UInt32, classCode: UInt32) -> Bool {
            (self.vendor == Self.any || self.vendor == vendor)
                && (self.device == Self.any || self.device == device)
                && (self.subvendor == Self.any || self.subvendor == subvendor)
                && (self.subdevice == Self.any || self.subdevice == subdevice)
                && (self.classCode ^ classCode) & classMask == 0
        }

        public var description: String {
            func field(_ value: UInt32) -> String { value == Self.any ? "*" : simHex(value, 4) }
            var text = "\(field(vendor)):\(field(device)) sv \(field(subvendor)) sd \(field(subdevice))"
            if classMask != 0 { text += " class \(simHex(classCode, 6))/\(simHex(classMask, 6))" }
            return overrideOnly ? text + " (override-only)" : text
        }
    }

    /// What kind of driver this is, which decides the kernel behaviour around it.
    public enum DriverKind: Sendable, Equatable {
        /// An ordinary driver using the DMA API: its probe fails with EBUSY while a VFIO user holds the
        /// device's group open (the IOMMU core refuses to give the group back to the DMA API).
        case host
        /// vfio-pci or a variant built on vfio-pci-core: probe refuses bridges (EINVAL), PFs with VFs
        /// enabled (EBUSY) and devices without an IOMMU group (EINVAL); binding creates `/dev/vfio/GROUP`.
        case vfio
        /// pci-stub: binds whatever it matches, manages DMA itself (group ownership does not matter) and
        /// creates no device node.
        case stub
    }

    /// What a driver's probe does once the PCI core has decided the driver matches.
    public enum ProbeBehaviour: Sendable, Equatable {
        case accept
        case fail(errno: Int32)
    }

    /// A PCI driver as registered on the bus (`struct pci_driver`).
    public struct DriverSpec: Sendable, Equatable {
        public var name: DriverName
        /// The static id table, in order.
        public var ids: [IDEntry]
        public var kind: DriverKind
        public var probe: ProbeBehaviour
        /// Has `sriov_configure` (so writing `sriov_numvfs` works while it is bound to a PF). vfio-pci
        /// without `enable_sriov=1` behaves as if it had none (ENOENT).
        public var supportsSRIOV: Bool

        public init(
            _ name: DriverName, ids: [IDEntry], kind: DriverKind = .host, probe: ProbeBehaviour = .accept,
            supportsSRIOV: Bool = false
        ) {
            self.name = name
            self.ids = ids
            self.kind = kind
            self.probe = probe
            self.supportsSRIOV = supportsSRIOV
        }

        public init(
            _ name: String, ids: [IDEntry], kind: DriverKind = .host, probe: ProbeBehaviour = .accept,
            supportsSRIOV: Bool = false
        ) {
            self.init(simDriver(name), ids: ids, kind: kind, probe: probe, supportsSRIOV: supportsSRIOV)
        }
    }

    /// A kernel module: the PCI drivers it registers when loaded and the modules modprobe loads first.
    /// A built-in "module" (pcieport) is always loaded and has no `module/NAME` directory.
    public struct ModuleSpec: Sendable, Equatable {
        public var name: ModuleName
        public var drivers: [DriverSpec]
        public var dependencies: [ModuleName]
        public var builtIn: Bool

        public init(
            _ name: ModuleName, drivers: [DriverSpec] = [], dependencies: [ModuleName] = [],
            builtIn: Bool = false
        ) {
            self.name = name
            self.drivers = drivers
            self.dependencies = dependencies
            self.builtIn = builtIn
        }

        public init(_ name: String, drivers: [DriverSpec] = [], dependencies: [String] = [], builtIn: Bool = false) {
            self.init(simModule(name), drivers: drivers, dependencies: dependencies.map(simModule), builtIn: builtIn)
        }

        /// A module registering one driver of the same name (`e1000e`) or another name.
        public static func host(
            _ module: String, driver: String? = nil, ids: [IDEntry],
            supportsSRIOV: Bool = false
        ) -> ModuleSpec {
            ModuleSpec(module, drivers: [DriverSpec(driver ?? module, ids: ids, supportsSRIOV: supportsSRIOV)])
        }

        /// `vfio`: no PCI driver; provides `/dev/vfio/vfio`.
        public static let vfio = ModuleSpec("vfio")
        /// `vfio_pci_core`: the library every VFIO PCI driver depends on (its `holders/` lists them).
        public static let vfioPCICore = ModuleSpec("vfio_pci_core", dependencies: ["vfio"])
        /// `vfio_pci`: driver `vfio-pci` with its override-only ANY:ANY entry.
        public static let vfioPCI = ModuleSpec(
            "vfio_pci", drivers: [DriverSpec(DriverName.vfioPCI, ids: [.overrideOnlyAny], kind: .vfio)],
            dependencies: ["vfio_pci_core"])
        /// `pci_stub`: driver `pci-stub`, an empty id table (binds by override or new_id only).
        public static let pciStub = ModuleSpec(
            "pci_stub", drivers: [DriverSpec(DriverName.pciStub, ids: [], kind: .stub)])

        /// A vfio-pci-core variant with override-only entries, e.g. the test module `test_vfio_pci`
        /// (driver `test-vfio-pci`, 8086:10d3).
        public static func vfioVariant(_ module: String, driver: String, ids: [(UInt16, UInt16)]) -> ModuleSpec {
            ModuleSpec(
                module, drivers: [DriverSpec(driver, ids: ids.map { IDEntry.overrideOnly($0.0, $0.1) }, kind: .vfio)],
                dependencies: ["vfio_pci_core"])
        }

        /// The test variant from integration/vm/variant: module `test_vfio_pci`, driver `test-vfio-pci`, 8086:10d3.
        /// Its `fail_probe` parameter is `KernelSimulator.failProbe(driver:errno:)` with ENODEV.
        public static let testVariant = vfioVariant("test_vfio_pci", driver: "test-vfio-pci", ids: [(0x8086, 0x10D3)])
    }

    /// The SR-IOV capability of a physical function.
    public struct SRIOVSpec: Sendable, Equatable {
        public var totalVFs: Int
        public var vfDevice: DeviceID
        /// VF `i` sits at routing id PF + offset + i * stride.
        public var offset: Int
        public var stride: Int
        public var driversAutoprobe: Bool

        public init(totalVFs: Int, vfDevice: DeviceID, offset: Int = 1, stride: Int = 1, driversAutoprobe: Bool = true)
        {
            self.totalVFs = totalVFs
            self.vfDevice = vfDevice
            self.offset = offset
            self.stride = stride
            self.driversAutoprobe = driversAutoprobe
        }
    }

    /// Children a host driver creates under the device while it is bound (and only then).
    public enum HostUseSpec: Sendable, Equatable {
        /// `net/NAME/operstate`.
        case network(name: String, operstate: String)
        /// `virtioN/net/NAME/operstate` (virtio-pci puts the virtio device in between).
        case virtioNetwork(index: Int, name: String, operstate: String)
        /// `nvme/nvmeC/nvmeCnN` for each namespace.
        case nvme(controller: Int, namespaces: [Int])
    }

    /// One PCI function. Build with an initialiser, then chain the modifiers:
    ///
    ///     DeviceSpec("0000:01:00.0", 0x8086, 0x10d3, class: 0x020000).behind("0000:00:02.0").driver("e1000e").group(10)
    public struct DeviceSpec: Sendable, Equatable {
        public var address: PCIAddress
        public var identity: PCIIdentity
        /// The upstream bridge; nil on a root bus.
        public var parent: PCIAddress?
        public var group: IOMMUGroup?
        /// -1 as the kernel writes it for "no node".
        public var numaNode: Int
        /// The driver bound when the simulation starts (it must be registered by a loaded module).
        public var driver: DriverName?
        /// The raw `driver_override` text; nil when unset.
        public var driverOverride: String?
        public var sriov: SRIOVSpec?
        public var hostUse: [HostUseSpec]
        public var bootVGA: Bool
        /// A type 1/2 header (what vfio-pci refuses). Defaults from the class code.
        public var isBridge: Bool
        /// The reset methods the device supports, in the kernel's order (`reset_method` lists them
        /// until changed); nil: no `reset_method` attribute (a kernel before 5.15).
        public var resetMethods: [String]?

        public init(_ address: PCIAddress, identity: PCIIdentity) {
            self.address = address
            self.identity = identity
            self.parent = nil
            self.group = nil
            self.numaNode = -1
            self.driver = nil
            self.driverOverride = nil
            self.sriov = nil
            self.hostUse = []
            self.bootVGA = false
            self.isBridge = identity.classCode.isBridge
            self.resetMethods = nil
        }

        /// Plain numbers for the ids; the subsystem defaults to the device's own ids.
        public init(
            _ address: String, _ vendor: UInt16, _ device: UInt16, class classCode: UInt32,
            subsystem: (UInt16, UInt16)? = nil, revision: UInt8 = 0
        ) {
            guard let code = ClassCode(classCode) else { preconditionFailure("simulator: bad class code \(classCode)") }
            let identity = PCIIdentity(
                vendor: VendorID(vendor), device: DeviceID(device),
                subsystemVendor: VendorID(subsystem?.0 ?? vendor),
                subsystemDevice: DeviceID(subsystem?.1 ?? device),
                classCode: code, revision: Revision(revision))
            self.init(simAddress(address), identity: identity)
        }

        public func behind(_ bridge: PCIAddress?) -> Self { with { $0.parent = bridge } }
        public func behind(_ bridge: String) -> Self { behind(simAddress(bridge)) }
        public func driver(_ name: DriverName?) -> Self { with { $0.driver = name } }
        public func driver(_ name: String) -> Self { driver(simDriver(name)) }
        public func driverOverride(_ text: String?) -> Self { with { $0.driverOverride = text } }
        public func group(_ group: IOMMUGroup?) -> Self { with { $0.group = group } }
        public func group(_ number: Int) -> Self { group(IOMMUGroup(number)) }
        public func numaNode(_ node: Int) -> Self { with { $0.numaNode = node } }
        public func bootVGA(_ flag: Bool = true) -> Self { with { $0.bootVGA = flag } }
        public func bridge(_ flag: Bool = true) -> Self { with { $0.isBridge = flag } }
        /// A `reset_method` attribute offering `methods` (the kernel's names, its order).
        public func resetMethods(_ methods: [String]) -> Self { with { $0.resetMethods = methods } }
        public func sriov(_ capability: SRIOVSpec?) -> Self { with { $0.sriov = capability } }
        public func sriov(
            totalVFs: Int, vfDevice: UInt16, offset: Int = 1, stride: Int = 1,
            driversAutoprobe: Bool = true
        ) -> Self {
            sriov(
                SRIOVSpec(
                    totalVFs: totalVFs, vfDevice: DeviceID(vfDevice), offset: offset, stride: stride,
                    driversAutoprobe: driversAutoprobe))
        }
        public func using(_ use: HostUseSpec) -> Self { with { $0.hostUse.append(use) } }
        public func network(_ name: String, operstate: String = "up") -> Self {
            using(.network(name: name, operstate: operstate))
        }

        private func with(_ change: (inout Self) -> Void) -> Self {
            var copy = self
            change(&copy)
            return copy
        }
    }
}

// MARK: Checked constructors (a typo in a fixture literal is a test bug, so these trap)

func simAddress(_ text: String) -> PCIAddress {
    guard let address = PCIAddress(text) else { preconditionFailure("simulator: bad PCI address \(text)") }
    return address
}

func simDriver(_ text: String) -> DriverName {
    guard let name = DriverName(text) else { preconditionFailure("simulator: bad driver name \(text)") }
    return name
}

func simModule(_ text: String) -> ModuleName {
    guard let name = ModuleName(text) else { preconditionFailure("simulator: bad module name \(text)") }
    return name
}

/// Lowercase hex, zero-padded (the simulator's own formatting, independent of VFIOCore's).
func simHex(_ value: some BinaryInteger, _ width: Int) -> String {
    let digits = String(value, radix: 16)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

import VFIOCore

/// Checked constructors for fixtures: a typo in a test's literal is a test bug, so these trap.
public enum Fake {
    public static func address(_ text: String) -> PCIAddress {
        guard let address = PCIAddress(text) else { preconditionFailure("fixture: bad PCI address \(text)") }
        return address
    }

    public static func driver(_ text: String) -> DriverName {
        guard let name = DriverName(text) else { preconditionFailure("fixture: bad driver name \(text)") }
        return name
    }

    public static func module(_ text: String) -> ModuleName {
        guard let name = ModuleName(text) else { preconditionFailure("fixture: bad module name \(text)") }
        return name
    }

    public static func classCode(_ value: UInt32) -> ClassCode {
        guard let code = ClassCode(value) else { preconditionFailure("fixture: bad class code \(value)") }
        return code
    }
}

/// Class codes the fixtures use (24-bit: base class, subclass, programming interface).
public enum FakeClass {
    public static let hostBridge = Fake.classCode(0x06_00_00)
    public static let isaBridge = Fake.classCode(0x06_01_00)
    public static let pciBridge = Fake.classCode(0x06_04_00)
    public static let ethernet = Fake.classCode(0x02_00_00)
    public static let vga = Fake.classCode(0x03_00_00)
    public static let display3D = Fake.classCode(0x03_02_00)
    public static let hdAudio = Fake.classCode(0x04_03_00)
    public static let multimediaAudio = Fake.classCode(0x04_01_00)
    public static let nvme = Fake.classCode(0x01_08_02)
    public static let sataAHCI = Fake.classCode(0x01_06_01)
    public static let usbXHCI = Fake.classCode(0x0C_03_30)
    public static let smbus = Fake.classCode(0x0C_05_00)
    public static let serialBus = Fake.classCode(0x0C_80_00)
    public static let unassigned = Fake.classCode(0xFF_00_00)
}

/// Where a function sits in the PCIe topology; decides the PCI Express capability written into
/// `config` and nothing else. `nil` on a device means "infer from class and parent".
public enum FakePCIeRole: Sendable, Equatable {
    /// Conventional PCI: no PCI Express capability (host bridges, devices behind a PCIe-to-PCI bridge).
    case conventional
    case endpoint
    case legacyEndpoint
    case rootComplexIntegrated
    case rootPort
    case switchUpstream
    case switchDownstream
    case pcieToPCIBridge

    /// The Device/Port Type field of the PCI Express Capabilities register.
    var portType: UInt8? {
        switch self {
        case .conventional: nil
        case .endpoint: 0x0
        case .legacyEndpoint: 0x1
        case .rootPort: 0x4
        case .switchUpstream: 0x5
        case .switchDownstream: 0x6
        case .pcieToPCIBridge: 0x7
        case .rootComplexIntegrated: 0x9
        }
    }
}

/// Something the host uses the device for, written as the children the kernel creates.
public enum FakeHostUse: Sendable, Equatable {
    /// `net/NAME/operstate`.
    case network(name: String, operstate: String)
    /// `virtioN/net/NAME/operstate` (virtio-pci puts the virtio device in between).
    case virtioNetwork(index: Int, name: String, operstate: String)
    /// `nvme/nvmeC/nvmeCnN`, or with native multipath `nvme/nvmeC/nvmeCcCnN` plus the real block
    /// device under `devices/virtual/nvme-subsystem/nvme-subsysC/nvmeCnN`.
    case nvme(controller: Int, namespaces: [Int], multipath: Bool)
    /// `ataP/hostH/targetH:0:I/H:0:I:0/block/DISK` for each disk.
    case sata(port: Int, host: Int, disks: [String])
    /// `drm/cardN` and optionally `drm/renderDM`.
    case drm(card: Int, render: Int?)
    /// `graphics/fbN`.
    case framebuffer(Int)

    /// What `HostUse` should report for this child.
    var blockDevices: [String] {
        switch self {
        case .nvme(let controller, let namespaces, _): namespaces.map { "nvme\(controller)n\($0)" }
        case .sata(_, _, let disks): disks
        default: []
        }
    }

    var displayNodes: [String] {
        switch self {
        case .drm(let card, let render): ["card\(card)"] + (render.map { ["renderD\($0)"] } ?? [])
        case .framebuffer(let n): ["fb\(n)"]
        default: []
        }
    }

    var networkInterface: HostUse.NetworkInterface? {
        switch self {
        case .network(let name, let operstate), .virtioNetwork(_, let name, let operstate):
            HostUse.NetworkInterface(name: name, operstate: operstate)
        default: nil
        }
    }
}

/// The SR-IOV capability of a physical function. VFs are separate `FakePCIDevice`s whose `physfn` names
/// the PF; `numVFs` is the number of such VFs in the tree unless `numVFsOverride` says otherwise.
public struct FakeSRIOV: Sendable, Equatable {
    public var totalVFs: Int
    /// First VF routing id relative to the PF's, and the distance between VFs (from the capability).
    public var offset: Int
    public var stride: Int
    public var vfDevice: DeviceID
    public var driversAutoprobe: Bool
    public var numVFsOverride: Int?

    public init(
        totalVFs: Int, offset: Int = 0x80, stride: Int = 2, vfDevice: DeviceID, driversAutoprobe: Bool = true,
        numVFsOverride: Int? = nil
    ) {
        self.totalVFs = totalVFs
        self.offset = offset
        self.stride = stride
        self.vfDevice = vfDevice
        self.driversAutoprobe = driversAutoprobe
        self.numVFsOverride = numVFsOverride
    }
}

/// One PCI function of a fake tree. Build with the initialiser, then chain the modifiers:
///
///     FakePCIDevice(Fake.address("01:00.0"), vendor: VendorID(0x10de), device: DeviceID(0x1b80), class: FakeClass.vga)
///         .behind(Fake.address("00:01.0")).driver(Fake.driver("nouveau")).group(2).bootVGA()
public struct FakePCIDevice: Sendable, Equatable {
    public var address: PCIAddress
    public var vendor: VendorID
    public var device: DeviceID
    public var subsystemVendor: VendorID
    public var subsystemDevice: DeviceID
    public var classCode: ClassCode
    public var revision: Revision
    /// The upstream bridge; nil for a function on a root bus.
    public var parent: PCIAddress?
    public var driver: DriverName?
    public var driverOverride: DriverName?
    public var iommuGroup: IOMMUGroup?
    /// -1 as the kernel writes it for "no node".
    public var numaNode: Int
    /// Written to `boot_vga` (which exists only for VGA-class functions).
    public var bootVGA: Bool
    /// Sets bit 7 of the header type in `config`.
    public var multifunction: Bool
    public var sriov: FakeSRIOV?
    /// Set on a virtual function: its physical function.
    public var physfn: PCIAddress?
    public var hostUse: [FakeHostUse]
    public var role: FakePCIeRole?
    /// `enable`; defaults to 1 when a driver is bound.
    public var enabled: Bool?
    /// A bridge's secondary bus when nothing sits behind it (otherwise the lowest child bus).
    public var secondaryBus: UInt8?

    public init(
        _ address: PCIAddress, vendor: VendorID, device: DeviceID, class classCode: ClassCode,
        subsystem: (vendor: VendorID, device: DeviceID)? = nil, revision: Revision = Revision(0)
    ) {
        self.address = address
        self.vendor = vendor
        self.device = device
        self.subsystemVendor = subsystem?.vendor ?? vendor
        self.subsystemDevice = subsystem?.device ?? device
        self.classCode = classCode
        self.revision = revision
        self.parent = nil
        self.driver = nil
        self.driverOverride = nil
        self.iommuGroup = nil
        self.numaNode = -1
        self.bootVGA = false
        self.multifunction = false
        self.sriov = nil
        self.physfn = nil
        self.hostUse = []
        self.role = nil
        self.enabled = nil
        self.secondaryBus = nil
    }

    /// Convenience with plain numbers for ids: `FakePCIDevice("0000:01:00.0", 0x8086, 0x10d3, FakeClass.ethernet)`.
    public init(
        _ address: String, _ vendor: UInt16, _ device: UInt16, _ classCode: ClassCode,
        subsystem: (UInt16, UInt16)? = nil, revision: UInt8 = 0
    ) {
        self.init(
            Fake.address(address), vendor: VendorID(vendor), device: DeviceID(device), class: classCode,
            subsystem: subsystem.map { (VendorID($0.0), DeviceID($0.1)) }, revision: Revision(revision))
    }

    /// The `modalias` the fake writes (formatted independently of `PCIIdentity.modalias`).
    public var modalias: String { kernelModalias(self) }
    public var isBridge: Bool { classCode.isBridge }
    public var isVGA: Bool { [0x0300, 0x0001].contains(classCode.classAndSubclass) }
    public var identity: PCIIdentity {
        PCIIdentity(
            vendor: vendor, device: device, subsystemVendor: subsystemVendor, subsystemDevice: subsystemDevice,
            classCode: classCode, revision: revision)
    }

    // MARK: Fluent modifiers

    public func behind(_ bridge: PCIAddress?) -> Self { with { $0.parent = bridge } }
    public func behind(_ bridge: String) -> Self { behind(Fake.address(bridge)) }
    public func driver(_ name: DriverName?) -> Self { with { $0.driver = name } }
    public func driver(_ name: String) -> Self { driver(Fake.driver(name)) }
    public func driverOverride(_ name: DriverName?) -> Self { with { $0.driverOverride = name } }
    public func driverOverride(_ name: String) -> Self { driverOverride(Fake.driver(name)) }
    public func group(_ group: IOMMUGroup?) -> Self { with { $0.iommuGroup = group } }
    public func group(_ number: Int) -> Self { group(IOMMUGroup(number)) }
    public func numaNode(_ node: Int) -> Self { with { $0.numaNode = node } }
    public func bootVGA(_ flag: Bool = true) -> Self { with { $0.bootVGA = flag } }
    public func multifunction(_ flag: Bool = true) -> Self { with { $0.multifunction = flag } }
    public func role(_ role: FakePCIeRole) -> Self { with { $0.role = role } }
    public func enabled(_ flag: Bool) -> Self { with { $0.enabled = flag } }
    public func secondaryBus(_ bus: UInt8) -> Self { with { $0.secondaryBus = bus } }
    public func physfn(_ pf: PCIAddress?) -> Self { with { $0.physfn = pf } }
    public func sriov(_ capability: FakeSRIOV?) -> Self { with { $0.sriov = capability } }
    public func sriov(
        totalVFs: Int, vfDevice: DeviceID, offset: Int = 0x80, stride: Int = 2,
        driversAutoprobe: Bool = true
    ) -> Self {
        sriov(
            FakeSRIOV(
                totalVFs: totalVFs, offset: offset, stride: stride, vfDevice: vfDevice,
                driversAutoprobe: driversAutoprobe))
    }
    public func using(_ use: FakeHostUse) -> Self { with { $0.hostUse.append(use) } }
    public func network(_ name: String, operstate: String = "up") -> Self {
        using(.network(name: name, operstate: operstate))
    }
    public func nvme(controller: Int, namespaces: [Int] = [1], multipath: Bool = false) -> Self {
        using(.nvme(controller: controller, namespaces: namespaces, multipath: multipath))
    }
    public func sata(port: Int, host: Int, disks: [String]) -> Self {
        using(.sata(port: port, host: host, disks: disks))
    }
    public func drm(card: Int, render: Int? = nil) -> Self { using(.drm(card: card, render: render)) }
    public func framebuffer(_ n: Int) -> Self { using(.framebuffer(n)) }

    private func with(_ change: (inout Self) -> Void) -> Self {
        var copy = self
        change(&copy)
        return copy
    }

    // MARK: Common devices

    public static func hostBridge(_ address: String, vendor: UInt16 = 0x8086, device: UInt16 = 0x3E30) -> Self {
        FakePCIDevice(address, vendor, device, FakeClass.hostBridge).role(.conventional)
    }

    /// A PCIe root port on `pcieport`.
    public static func rootPort(_ address: String, vendor: UInt16 = 0x8086, device: UInt16 = 0xA33C) -> Self {
        FakePCIDevice(address, vendor, device, FakeClass.pciBridge, subsystem: (0x0000, 0x0000))
            .role(.rootPort).driver(DriverName.pcieport)
    }
}

/// A deliberately broken part of a tree, written after everything else.
public enum FakeOddity: Sendable, Equatable {
    /// `bus/pci/devices/NAME -> TARGET`, raw (e.g. a target outside the root, absolute or climbing).
    case deviceLink(name: String, target: String)
    /// `bus/pci/devices/ADDR` pointing at a device directory that does not exist.
    case danglingDeviceLink(PCIAddress)
    /// A regular file in `bus/pci/devices` whose name is not a PCI address.
    case nonAddressEntry(name: String)
    /// The attribute replaced by a directory of the same name. Tests run as root, which reads any
    /// file whatever its mode (chmod 000 proves nothing), and a FIFO would block a reader; a
    /// directory is an entry root cannot read as an attribute: read(2) fails with EISDIR.
    case unreadableAttribute(PCIAddress, attribute: String)
    /// The attribute's contents replaced verbatim (garbage such as `0xzzzz`).
    case attributeContents(PCIAddress, attribute: String, contents: String)
    /// The attribute (or link) removed.
    case missingAttribute(PCIAddress, attribute: String)
    /// A link in the device directory replaced by a raw target (`iommu_group -> ../../../../../../etc`).
    case deviceDirectoryLink(PCIAddress, name: String, target: String)
}

/// A driver registered on the PCI bus (`bus/pci/drivers/NAME`), and the module providing it
/// (nil when built in, as pcieport always is).
public struct FakeDriver: Sendable, Equatable {
    public var name: DriverName
    public var module: ModuleName?
    public init(_ name: DriverName, module: ModuleName?) {
        self.name = name
        self.module = module
    }

    /// The module a known driver comes from; the names differ for several real drivers.
    public static func defaultModule(for driver: DriverName) -> ModuleName? {
        switch driver.rawValue {
        case "pcieport", "pci-stub", "serial", "shpchp": nil
        case "xhci_hcd": Fake.module("xhci_pci")
        case "ehci-pci": Fake.module("ehci_pci")
        case "intel-spi": Fake.module("spi_intel_pci")
        default: ModuleName(driver.rawValue)
        }
    }
}

/// A fake sysfs tree description, written to disk by `write(to:)`. Value type; every modifier returns
/// a new tree, and the mutating `add` forms serve loops.
///
///     let tree = FakeSysfs()
///         .adding(.hostBridge("00:00.0").group(0))
///         .adding(.rootPort("00:1c.0").group(1))
///         .adding(FakePCIDevice("01:00.0", 0x8086, 0x10d3, FakeClass.ethernet).behind("00:1c.0").driver("e1000e").group(2))
///     try tree.write(to: root)
public struct FakeSysfs: Sendable {
    public private(set) var devices: [FakePCIDevice] = []
    public private(set) var extraDrivers: [FakeDriver] = []
    public private(set) var oddities: [FakeOddity] = []
    private var index: [PCIAddress: Int] = [:]

    public init() {}

    public subscript(address: PCIAddress) -> FakePCIDevice? { index[address].map { devices[$0] } }
    public subscript(address: String) -> FakePCIDevice? { self[Fake.address(address)] }

    public var addresses: [PCIAddress] { devices.map(\.address) }

    // MARK: Building

    /// Adds (or replaces, keeping its position) a function.
    public mutating func add(_ device: FakePCIDevice) {
        if let at = index[device.address] {
            devices[at] = device
        } else {
            index[device.address] = devices.count
            devices.append(device)
        }
    }

    public func adding(_ device: FakePCIDevice) -> FakeSysfs {
        var copy = self
        copy.add(device)
        return copy
    }

    public func adding(_ newDevices: [FakePCIDevice]) -> FakeSysfs {
        var copy = self
        for device in newDevices { copy.add(device) }
        return copy
    }

    /// Changes an existing function; traps when it is not in the tree (a fixture bug).
    public mutating func update(_ address: PCIAddress, _ change: (FakePCIDevice) -> FakePCIDevice) {
        guard let at = index[address] else { preconditionFailure("fixture: no device \(address) to update") }
        devices[at] = change(devices[at])
    }

    public func updating(_ address: PCIAddress, _ change: (FakePCIDevice) -> FakePCIDevice) -> FakeSysfs {
        var copy = self
        copy.update(address, change)
        return copy
    }

    /// Removes a function (and nothing else: its VFs and children stay, so use with care).
    public mutating func remove(_ address: PCIAddress) {
        guard let at = index[address] else { return }
        devices.remove(at: at)
        index = Dictionary(uniqueKeysWithValues: devices.enumerated().map { ($1.address, $0) })
    }

    /// Registers a driver with no device bound (`vfio-pci` loaded but unused, say).
    public mutating func addDriver(_ name: DriverName, module: ModuleName?? = .none) {
        let driver = FakeDriver(name, module: module ?? FakeDriver.defaultModule(for: name))
        if let at = extraDrivers.firstIndex(where: { $0.name == name }) {
            extraDrivers[at] = driver
        } else {
            extraDrivers.append(driver)
        }
    }

    public func addingDriver(_ name: DriverName, module: ModuleName?? = .none) -> FakeSysfs {
        var copy = self
        copy.addDriver(name, module: module)
        return copy
    }

    public mutating func add(_ oddity: FakeOddity) { oddities.append(oddity) }

    public func adding(_ oddity: FakeOddity) -> FakeSysfs {
        var copy = self
        copy.add(oddity)
        return copy
    }

    /// The routing-id arithmetic of the SR-IOV capability: VF `i` sits at PF + offset + i * stride.
    public static func virtualFunctionAddress(of pf: PCIAddress, offset: Int, stride: Int, index: Int) -> PCIAddress? {
        let pfRID = Int(pf.bus) << 8 | Int(pf.device) << 3 | Int(pf.function)
        let rid = pfRID + offset + index * stride
        guard rid <= 0xFFFF else { return nil }
        return PCIAddress(
            domain: pf.domain, bus: UInt8(rid >> 8), device: UInt8((rid >> 3) & 0x1F),
            function: UInt8(rid & 7))
    }

    /// Enables `count` VFs on the PF at `pf` (which must already have `sriov`). Each VF copies the PF's
    /// vendor, subsystem, class, revision, parent and NUMA node; `configure` sets its driver, group and
    /// host use.
    public mutating func addVirtualFunctions(
        of pf: PCIAddress, count: Int,
        configure: (Int, FakePCIDevice) -> FakePCIDevice = { $1 }
    ) {
        guard let physical = self[pf], let capability = physical.sriov else {
            preconditionFailure("fixture: \(pf) is not an SR-IOV physical function")
        }
        for i in 0..<count {
            guard
                let address = Self.virtualFunctionAddress(
                    of: pf, offset: capability.offset, stride: capability.stride,
                    index: i)
            else { preconditionFailure("fixture: VF \(i) of \(pf) is past bus ff") }
            var vf = FakePCIDevice(
                address, vendor: physical.vendor, device: capability.vfDevice, class: physical.classCode,
                subsystem: (physical.subsystemVendor, physical.subsystemDevice),
                revision: physical.revision)
            vf.parent = physical.parent
            vf.numaNode = physical.numaNode
            vf.physfn = pf
            vf.role = physical.role
            add(configure(i, vf))
        }
    }

    public func addingVirtualFunctions(
        of pf: PCIAddress, count: Int,
        configure: (Int, FakePCIDevice) -> FakePCIDevice = { $1 }
    ) -> FakeSysfs {
        var copy = self
        copy.addVirtualFunctions(of: pf, count: count, configure: configure)
        return copy
    }

    // MARK: Derived facts

    /// The VFs of a PF in `virtfnN` order.
    public func virtualFunctions(of pf: PCIAddress) -> [PCIAddress] {
        devices.filter { $0.physfn == pf }.map(\.address).sorted()
    }

    /// Every driver the tree registers: the ones bound to a device, then the extra ones.
    public var drivers: [FakeDriver] {
        var seen: Set<DriverName> = []
        var result: [FakeDriver] = []
        for driver in devices.compactMap(\.driver) where !seen.contains(driver) {
            seen.insert(driver)
            result.append(
                extraDrivers.first { $0.name == driver }
                    ?? FakeDriver(driver, module: FakeDriver.defaultModule(for: driver)))
        }
        for driver in extraDrivers where !seen.contains(driver.name) {
            seen.insert(driver.name)
            result.append(driver)
        }
        return result
    }

    /// The record vfioctl should read for each function of a tree without oddities: the oracle the
    /// enumeration tests compare against, field by field.
    public var expectedDevices: [PCIDevice] {
        devices.map { fake in
            var record = PCIDevice(address: fake.address, identity: fake.identity)
            record.driver = fake.driver
            record.driverOverride = fake.driverOverride
            record.iommuGroup = fake.iommuGroup
            record.numaNode = fake.numaNode >= 0 ? fake.numaNode : nil
            record.bootVGA = fake.isVGA && fake.bootVGA
            record.parent = fake.parent
            var sriov = SRIOVState(physfn: fake.physfn)
            if let capability = fake.sriov {
                sriov.virtfns = virtualFunctions(of: fake.address)
                sriov.numVFs = capability.numVFsOverride ?? sriov.virtfns.count
                sriov.totalVFs = capability.totalVFs
                sriov.driversAutoprobe = capability.driversAutoprobe
            }
            record.sriov = sriov
            var use = HostUse()
            for child in fake.hostUse {
                use.blockDevices += child.blockDevices
                use.displayNodes += child.displayNodes
                if let interface = child.networkInterface { use.networkInterfaces.append(interface) }
            }
            use.blockDevices = Array(Set(use.blockDevices)).sorted()
            use.displayNodes.sort()
            use.networkInterfaces.sort { $0.name < $1.name }
            record.hostUse = use
            return record
        }
        .sorted { $0.address < $1.address }
    }
}

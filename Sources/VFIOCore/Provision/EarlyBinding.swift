/// Early binding: the devices of a desired state that are kept away from their host driver from
/// the moment the kernel's udev first sees them, in the initramfs and again on the root filesystem,
/// instead of being moved after the host driver probed them (the boot unit's late binding).
///
/// Only `address` entries qualify: they name one slot AND the hardware expected there, which is
/// what a boot-time rule must match (a card that moved slots, or another card in the slot, is left
/// alone). `ids` and `class` entries would capture every matching device, `vfs_of` entries select
/// VFs that exist only once the boot unit created them: those stay with late binding.
///
/// Pure: decides from the state file and, for the softdep lines, from what the caller read about
/// the host drivers. Generates deterministic text (`EarlyBindingFiles`).
public struct EarlyBinding: Sendable, Equatable {
    /// One device the udev rule captures.
    public struct Device: Sendable, Equatable {
        public var address: PCIAddress
        public var expected: DesiredState.ExpectedIdentity
        /// What the rule writes to driver_override.
        public var driver: DriverName
        /// What the rule loads (`kmod load`), and the initramfs must hold.
        public var module: ModuleName
        public var location: SourceLocation
    }

    /// A loadable host driver that could probe one of the devices before its override is set;
    /// gets `softdep HOST pre: VFIO` so that loading it loads the VFIO module first.
    public struct HostDriver: Sendable, Equatable {
        public var module: ModuleName
        /// The VFIO (or stub) modules of the early-bound devices it matches.
        public var pre: [ModuleName]
    }

    public var devices: [Device]
    /// Entries that want a VFIO driver or pci-stub but that early binding does not cover, with why
    /// ("state.toml:9: ids 15b3:101e: ...").
    public var notCovered: [String]
    public var softdeps: [HostDriver] = []

    public var isEmpty: Bool { devices.isEmpty }
    /// Every module the initramfs must hold, once each, in the order first needed.
    public var modules: [ModuleName] {
        var seen: Set<ModuleName> = []
        return devices.map(\.module).filter { seen.insert($0).inserted }
    }

    /// The early-bound devices of `state` (see the type).
    public init(_ state: DesiredState) {
        devices = []
        notCovered = []
        for entry in state.entries {
            if case .driver(let name) = entry.wanted, !Self.isPlainName(name), Self.earlyDriver(entry.wanted) != nil {
                notCovered.append(
                    "\(entry.location): driver \(name.debugDescription) holds characters other than letters, digits, '_' and '-', which the udev rule and the initramfs hook cannot hold as they are"
                )
                continue
            }
            guard let (driver, module) = Self.earlyDriver(entry.wanted) else { continue }
            switch entry.selector {
            case .address(let address, let expected):
                devices.append(
                    Device(
                        address: address, expected: expected, driver: driver, module: module,
                        location: entry.location))
            case .ids, .deviceClass:
                notCovered.append(
                    "\(entry.location): \(entry.selector) selects by ids or class, not by slot; the boot unit binds it after its host driver (list each device by address and ids to bind it early)"
                )
            case .virtualFunctions:
                notCovered.append(
                    "\(entry.location): \(entry.selector): VFs exist only once the boot unit created them; they are bound then"
                )
            }
        }
    }

    /// The driver the rule writes into driver_override and the module it loads, for a wanted state
    /// early binding handles: VFIO (vfio-pci: the one VFIO driver every kernel has; the boot unit
    /// moves the device on to a variant driver when the plan chooses one), pci-stub, or a named
    /// VFIO driver (its name is the override, and kmod finds the module by it: `-` and `_` are one).
    /// nil for host drivers and for named drivers that are not VFIO drivers.
    static func earlyDriver(_ wanted: DesiredState.Wanted) -> (DriverName, ModuleName)? {
        switch wanted {
        case .vfio: return (.vfioPCI, ModuleName("vfio_pci")!)
        case .stub: return (.pciStub, ModuleName("pci_stub")!)
        case .host: return nil
        case .driver(let name):
            guard let driver = DriverName(name), let module = ModuleName(name) else { return nil }
            if module == ModuleName("vfio_pci")! { return (.vfioPCI, module) }
            if module == ModuleName("pci_stub")! { return (.pciStub, module) }
            return VFIODriverSet(loaded: []).isVFIO(driver) ? (driver, module) : nil
        }
    }

    /// Kernel module and PCI driver names are letters, digits, `_` and `-`. Only such a name is
    /// written into the rule (a `"` would end its value, `$` and `%` are substituted there) and
    /// into the hook (a shell script) and the dracut file.
    static func isPlainName(_ name: String) -> Bool {
        name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_" || scalar == "-"
        }
    }

    /// Records the host drivers found for each device (`hostModules[address]`: the loadable
    /// modules whose `pci:` aliases match it) as softdep lines, one per host module, sorted.
    public mutating func addSoftdeps(hostModules: [PCIAddress: [ModuleName]]) {
        var pre: [ModuleName: [ModuleName]] = [:]
        for device in devices {
            for host in hostModules[device.address] ?? [] where host != device.module {
                if !pre[host, default: []].contains(device.module) { pre[host, default: []].append(device.module) }
            }
        }
        softdeps = pre.keys.sorted().map { HostDriver(module: $0, pre: pre[$0]!.sorted()) }
    }
}

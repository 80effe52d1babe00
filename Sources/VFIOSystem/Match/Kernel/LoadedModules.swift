import Synchronization
import VFIOCore

/// Which modules the running kernel has, and which PCI drivers they registered, read from
/// `/sys/module` and `/sys/bus/pci/drivers` through `SysfsAccess`.
///
/// The kernel is the only authority on driver names. A loaded (or built-in) module lists its drivers as
/// `module/NAME/drivers/pci:DRIVER` links, and each driver links back with `bus/pci/drivers/DRIVER/module`
/// (the kernel makes both links together): the PCI drivers' links are read once, and a module's state
/// (`initstate`) only when the planner asks about that module. Reading every module's state and
/// driver list was a few hundred sysfs calls per command, for the handful of modules a plan asks
/// about (a tenth of one `bind` of one VF in the TCG test guest). For a module not loaded yet the
/// driver name is a prediction (`predictedDriverName(for:)`).
public struct LoadedModules: Sendable {
    public enum State: String, Sendable {
        /// `initstate` says `live`: loaded and initialised.
        case live
        /// `initstate` says `coming`: still running its init function.
        case coming
        /// `initstate` says `going`: being unloaded.
        case going
        /// A `/sys/module/NAME` directory without `initstate`: built into the kernel.
        case builtin
    }

    private let sysfs: (any SysfsAccess)?
    /// The `/sys/module` entries, by module name.
    private let moduleDirectories: [ModuleName: String]
    private let driversByModule: [ModuleName: [DriverName]]
    private let moduleByDriver: [DriverName: ModuleName]
    /// The states read so far: planning every device asks about the same few modules per device.
    private let knownStates = StateCache()

    /// Unreadable parts of sysfs (other than missing ones), as `path: error`.
    public let warnings: [String]

    /// Nothing loaded (for tests and for a system without /sys/module).
    public init() {
        sysfs = nil
        moduleDirectories = [:]
        driversByModule = [:]
        moduleByDriver = [:]
        warnings = []
    }

    /// Lists `module` and reads `bus/pci/drivers/*/module`.
    public init(sysfs: some SysfsAccess) {
        var moduleDirectories: [ModuleName: String] = [:]
        var driversByModule: [ModuleName: [DriverName]] = [:]
        var moduleByDriver: [DriverName: ModuleName] = [:]
        var warnings: [String] = []

        func note(_ error: SysfsError) {
            if !error.isMissing { warnings.append(error.description) }
        }

        do throws(SysfsError) {
            for entry in try sysfs.list("module") where entry.kind == .directory || entry.kind == .symlink {
                if let module = ModuleName(entry.name) { moduleDirectories[module] = entry.name }
            }
        } catch {
            note(error)
        }

        do throws(SysfsError) {
            for entry in try sysfs.list("bus/pci/drivers") {
                guard let driver = DriverName(entry.name) else { continue }
                do throws(SysfsError) {
                    let target = try sysfs.readLink("bus/pci/drivers/\(entry.name)/module")
                    guard let module = ModuleName(SysfsPath.lastComponent(target)) else { continue }
                    moduleByDriver[driver] = module
                    driversByModule[module, default: []].append(driver)
                } catch {
                    note(error)  // built-in drivers without a module name have no link
                }
            }
        } catch {
            note(error)
        }

        self.sysfs = sysfs
        self.moduleDirectories = moduleDirectories
        self.driversByModule = driversByModule.mapValues { $0.sorted() }
        self.moduleByDriver = moduleByDriver
        self.warnings = warnings
    }

    /// The module's state, nil when the kernel has no such module (not loaded, or built in without any
    /// parameter or driver to show). Reads `module/NAME/initstate` the first time.
    public func state(of module: ModuleName) -> State? {
        if let known = knownStates.states.withLock({ $0[module] }) { return known }
        let state = readState(of: module)
        knownStates.states.withLock { $0[module] = .some(state) }
        return state
    }

    private func readState(of module: ModuleName) -> State? {
        // A driver's module link names a module the kernel has, whatever its directory says.
        let linked: State? = driversByModule[module] == nil ? nil : .builtin
        guard let sysfs, let directory = moduleDirectories[module] else { return linked }
        do throws(SysfsError) {
            let text = try sysfs.read("module/\(directory)/initstate")
            // The kernel prints only live, coming and going; anything else is not usable yet.
            return State(rawValue: text.trimmingBlanks) ?? .coming
        } catch {
            return error.isMissing ? .builtin : linked
        }
    }

    /// Loaded and live, or built in.
    public func isLoaded(_ module: ModuleName) -> Bool {
        switch state(of: module) {
        case .live?, .builtin?: true
        case .coming?, .going?, nil: false
        }
    }

    /// The PCI drivers the module registered, sorted; empty when it is not loaded (or registered none).
    public func driverNames(of module: ModuleName) -> [DriverName] { driversByModule[module] ?? [] }

    /// The module that registered a PCI driver, when the kernel says.
    public func module(ofDriver driver: DriverName) -> ModuleName? { moduleByDriver[driver] }

    /// The driver name to use for the module: the one it registered when it is loaded (`confirmed`),
    /// otherwise the prediction.
    public func driverName(for module: ModuleName) -> (name: DriverName, confirmed: Bool) {
        if let registered = driversByModule[module]?.first { return (registered, true) }
        return (predictedDriverName(for: module), false)
    }

    /// The PCI driver name a module is expected to register before it is loaded: the table of known
    /// exceptions, otherwise the module name itself (most drivers use `.name = KBUILD_MODNAME`). Only the
    /// kernel knows for sure, after loading (`driverNames(of:)`).
    public func predictedDriverName(for module: ModuleName) -> DriverName {
        Self.predictedDriverName(for: module)
    }

    public static func predictedDriverName(for module: ModuleName) -> DriverName {
        if let known = knownDriverNames[module.rawValue] { return DriverName(known)! }
        return DriverName(module.rawValue)!
    }

    /// Modules whose PCI driver name is not the module name, from the `struct pci_driver` `.name` in the
    /// kernel source. VFIO variants in-tree today use KBUILD_MODNAME (mlx5_vfio_pci, hisi_acc_vfio_pci,
    /// pds_vfio_pci, virtio_vfio_pci, nvgrace_gpu_vfio_pci, qat_vfio_pci, ism_vfio_pci) except xe.
    public static let knownDriverNames: [String: String] = [
        "vfio_pci": "vfio-pci",  // drivers/vfio/pci/vfio_pci.c
        "pci_stub": "pci-stub",  // drivers/pci/pci-stub.c
        "xe_vfio_pci": "xe-vfio-pci",  // drivers/vfio/pci/xe/main.c
        "virtio_pci": "virtio-pci",  // drivers/virtio/virtio_pci_common.c
        "xhci_pci": "xhci_hcd",  // drivers/usb/host/xhci-pci.c (hcd_name)
        "ehci_pci": "ehci-pci",  // drivers/usb/host/ehci-pci.c
        "ohci_pci": "ohci-pci",  // drivers/usb/host/ohci-pci.c
        "i2c_i801": "i801_smbus"  // drivers/i2c/busses/i2c-i801.c
    ]
}

/// What `LoadedModules.state(of:)` has read, shared by the copies of one `LoadedModules`.
private final class StateCache: Sendable {
    let states = Mutex<[ModuleName: LoadedModules.State?]>([:])
}

private extension String {
    var trimmingBlanks: String {
        var text = Substring(self)
        while let last = text.last, last == " " || last == "\n" || last == "\t" { text = text.dropLast() }
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        return String(text)
    }
}

/// What the planner asks of the kernel's module directory (`/lib/modules/VERSION`): which modules'
/// aliases match a device, and whether a module exists. VFIOSystem's `KernelModuleIndex` reads the
/// files; the planner only sees the answers.
public protocol ModuleTables: Sendable {
    /// The module directory, `/lib/modules/VERSION`.
    var directory: String { get }
    /// The directory's name.
    var kernelVersion: String { get }
    /// Whether the directory does not exist (then no module can be checked).
    var isMissing: Bool { get }
    /// What the files could not tell (a missing modules.alias.bin, ...).
    var warnings: [String] { get }
    /// The modules whose `pci:` aliases match: what udev would load for the device.
    func hostDriverCandidates(for modalias: Modalias) -> [AliasMatch]
    /// The modules whose `vfio_pci:` aliases match: the VFIO variant drivers for the device.
    func variantCandidates(for modalias: Modalias) -> [AliasMatch]
    func availability(of module: ModuleName) -> ModuleAvailability
}

/// What the planner asks of modprobe.d (and the kernel command line): whether loading a module is
/// forbidden. VFIOSystem's `ModprobeConfig` reads the files.
public protocol ModprobePolicy: Sendable {
    /// What could not be read or parsed.
    var warnings: [String] { get }
    /// Where `blacklist MODULE` (or `modprobe.blacklist=`) is, if anywhere.
    func blacklist(for module: ModuleName) -> SourceLocation?
    /// Where an `install MODULE /bin/false` (or similar) line disables loading, if anywhere.
    func disabledByInstall(for module: ModuleName) -> SourceLocation?
}

/// What the planner asks of the running kernel's modules and drivers (`/sys/module`,
/// `/sys/bus/pci/drivers`). VFIOSystem's `LoadedModules` reads them.
public protocol LoadedDrivers: Sendable {
    /// What could not be read.
    var warnings: [String] { get }
    func isLoaded(_ module: ModuleName) -> Bool
    /// The PCI drivers a loaded module registered.
    func driverNames(of module: ModuleName) -> [DriverName]
    /// The module that registered a driver.
    func module(ofDriver driver: DriverName) -> ModuleName?
    /// The driver name a module not loaded yet will most likely register.
    func predictedDriverName(for module: ModuleName) -> DriverName
}

import VFIOCore

extension KernelSimulator {
    /// Describes a machine: its devices (in bus order, which is the order the PCI core offers devices to
    /// a driver), the modules it knows (loaded at boot or available to `loadModule`), VFs present at
    /// boot and standing probe failures. `build()` starts the simulation; devices are bound as their
    /// specs say (nothing is probed at boot, except VFs created by `enableVFs`).
    public struct Builder: Sendable {
        public private(set) var devices: [DeviceSpec] = []
        public private(set) var modules: [ModuleSpec] = []
        public private(set) var loadedAtBoot: [ModuleName] = []
        private var virtualFunctions: [(pf: PCIAddress, count: Int)] = []
        private var probeFailures: [(driver: DriverName, device: PCIAddress?, errno: Int32)] = []
        /// `/dev/vfio/GROUP` nodes exist (CONFIG_VFIO_GROUP=y, as on every kernel up to 6.1). Off: only
        /// device cdevs, as with CONFIG_VFIO_GROUP=n.
        public var vfioGroupNodes = true
        /// iommufd device cdevs (6.6+): a device bound to a VFIO driver gets `vfio-dev/vfioN` and
        /// `/dev/vfio/devices/vfioN` (N the lowest free).
        public var vfioDeviceCdevs = false
        /// CONFIG_VFIO_NOIOMMU: module vfio has `enable_unsafe_noiommu_mode` (Debian's kernels do not).
        /// Once it is on, vfio-pci binds a device with no IOMMU group by giving it a group of its own
        /// (named `vfio-noiommu`, node `/dev/vfio/noiommu-N`), removed again when it unbinds.
        public var vfioNoIOMMU = false

        public init() {}

        public subscript(address: PCIAddress) -> DeviceSpec? { devices.first { $0.address == address } }
        public subscript(address: String) -> DeviceSpec? { self[simAddress(address)] }

        /// Adds a function, or replaces the one at the same address (keeping its position).
        public mutating func add(_ device: DeviceSpec) {
            if let at = devices.firstIndex(where: { $0.address == device.address }) {
                devices[at] = device
            } else {
                devices.append(device)
            }
        }

        public func adding(_ device: DeviceSpec) -> Builder { with { $0.add(device) } }
        public func adding(_ devices: [DeviceSpec]) -> Builder { with { for d in devices { $0.add(d) } } }

        /// Changes an existing function; traps when there is none (a fixture bug).
        public mutating func update(_ address: PCIAddress, _ change: (DeviceSpec) -> DeviceSpec) {
            guard let at = devices.firstIndex(where: { $0.address == address }) else {
                preconditionFailure("simulator: no device \(address) to update")
            }
            devices[at] = change(devices[at])
        }

        public func updating(_ address: String, _ change: (DeviceSpec) -> DeviceSpec) -> Builder {
            with { $0.update(simAddress(address), change) }
        }

        public mutating func remove(_ address: PCIAddress) { devices.removeAll { $0.address == address } }

        /// Makes a module known; `loaded` registers its drivers (and its dependencies') at boot.
        public mutating func add(_ module: ModuleSpec, loaded: Bool) {
            if let at = modules.firstIndex(where: { $0.name == module.name }) {
                modules[at] = module
            } else {
                modules.append(module)
            }
            loadedAtBoot.removeAll { $0 == module.name }
            if loaded || module.builtIn { loadedAtBoot.append(module.name) }
        }

        public func adding(_ module: ModuleSpec, loaded: Bool) -> Builder { with { $0.add(module, loaded: loaded) } }

        /// Loads an already known module at boot (after the ones loaded so far).
        public mutating func load(_ module: ModuleName) {
            precondition(modules.contains { $0.name == module }, "simulator: unknown module \(module)")
            if !loadedAtBoot.contains(module) { loadedAtBoot.append(module) }
        }

        public func loading(_ module: String) -> Builder { with { $0.load(simModule(module)) } }

        /// `count` VFs exist at boot (created after the modules load, probed when autoprobe is on).
        public mutating func enableVFs(of pf: PCIAddress, count: Int) { virtualFunctions.append((pf, count)) }

        public func enablingVFs(of pf: String, count: Int) -> Builder {
            with { $0.enableVFs(of: simAddress(pf), count: count) }
        }

        /// A kernel built with CONFIG_VFIO_NOIOMMU (see `vfioNoIOMMU`).
        public func withNoIOMMUMode() -> Builder { with { $0.vfioNoIOMMU = true } }

        /// Which VFIO device nodes the kernel creates (see `vfioGroupNodes`, `vfioDeviceCdevs`).
        public func vfioNodes(groups: Bool, deviceCdevs: Bool) -> Builder {
            with {
                $0.vfioGroupNodes = groups
                $0.vfioDeviceCdevs = deviceCdevs
            }
        }

        /// A standing probe failure (e.g. pcieport rejecting a PCIe-to-PCI bridge with ENODEV).
        public mutating func failProbe(driver: DriverName, device: PCIAddress? = nil, errno: Int32) {
            probeFailures.append((driver, device, errno))
        }

        public func build() -> KernelSimulator { KernelSimulator(self) }

        private func with(_ change: (inout Builder) -> Void) -> Builder {
            var copy = self
            change(&copy)
            return copy
        }

        func makeCore() -> SimulatorCore {
            var core = SimulatorCore()
            core.groupNodes = vfioGroupNodes
            core.deviceCdevs = vfioDeviceCdevs
            core.noIOMMUAvailable = vfioNoIOMMU
            for device in devices {
                precondition(core.devices[device.address] == nil, "simulator: \(device.address) added twice")
                core.devices[device.address] = SimulatorCore.Device(spec: device)
                core.order.append(device.address)
            }
            for device in devices {
                if let parent = device.parent {
                    precondition(
                        core.devices[parent]?.spec.isBridge == true,
                        "simulator: \(device.address): parent \(parent) is not a bridge in the machine")
                }
            }
            for module in modules {
                core.modules[module.name] = module
            }
            for module in modules {
                for dependency in module.dependencies {
                    precondition(
                        core.modules[dependency] != nil, "simulator: \(module.name) depends on unknown \(dependency)")
                }
            }
            for module in loadedAtBoot {
                do {
                    try core.load(module, attach: false)
                } catch {
                    preconditionFailure("simulator: cannot load \(module) at boot: \(error)")
                }
            }
            for device in devices {
                if let driver = device.driver {
                    precondition(
                        core.driverIndex(driver) != nil,
                        "simulator: \(device.address) is bound to \(driver), which no loaded module registers")
                }
            }
            for failure in probeFailures {
                core.probeFaults[SimulatorCore.ProbeFault(driver: failure.driver, device: failure.device)] =
                    failure.errno
            }
            core.moduleLoads = []
            for request in virtualFunctions {
                guard let capability = core.devices[request.pf]?.spec.sriov, request.count <= capability.totalVFs else {
                    preconditionFailure("simulator: \(request.pf) cannot have \(request.count) VFs")
                }
                core.enableVFs(of: request.pf, count: request.count)
            }
            core.cachedTree = nil
            return core
        }
    }
}

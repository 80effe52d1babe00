/// Whether early binding is in place for each early-bound device of the installed state file:
/// its rule line installed, the initramfs holding the installed rule, the expected hardware in the
/// slot, and no host driver built into the kernel (a built-in driver probes the device when the
/// kernel finds it, before any udev rule runs). Pure: the caller reads the system.
public struct EarlyBindingStatus: Sendable {
    /// What the host driver lookup says about one device.
    public struct HostDriver: Sendable, Equatable {
        public var module: ModuleName
        public var builtin: Bool
        public init(module: ModuleName, builtin: Bool) {
            self.module = module
            self.builtin = builtin
        }
    }

    /// What the initramfs says.
    public enum Image: Sendable, Equatable {
        /// No initramfs tool is installed: the rule acts from the root filesystem's udev only.
        case noTool
        case holdsRule(tool: InitramfsTool, path: String)
        case staleRule(tool: InitramfsTool, path: String)
        case unreadable(tool: InitramfsTool, path: String, reason: String)
    }

    public struct Device: Sendable {
        public var early: EarlyBinding.Device
        public var ruleInstalled: Bool
        /// nil: no device at the address now.
        public var found: PCIIdentity?
        public var currentDriver: DriverName?
        public var hostDrivers: [HostDriver]
        /// Other devices with the same vendor and device ids (a kernel command line `ids=` captures them too).
        public var sameIDs: [PCIAddress]
        /// Why early binding is not (fully) in place, one sentence each; empty when it is.
        public var problems: [String]
        public var inPlace: Bool { problems.isEmpty }

        public var matches: Bool { found.map(early.expected.matches) ?? false }
        /// `vfio-pci.ids=8086:10d3`-style advice for a built-in host driver, when this kernel has a
        /// built-in driver that could take the device first; nil when none is.
        public var commandLine: String?
    }

    public var image: Image
    /// The installed rule file is the one the installed state file gives.
    public var ruleCurrent: Bool
    public var devices: [Device]
    public var notCovered: [String]

    /// `installedRule`: the rule file's text, nil when absent. `hostDrivers(device)`: the modules
    /// whose `pci:` aliases match it. `builtinStub`: which of vfio_pci / pci_stub this kernel has built in.
    public init(
        early: EarlyBinding, installedRule: String?, image: Image, inventory: DeviceInventory,
        hostDrivers: (PCIDevice) -> [HostDriver], builtinVFIO: Bool, builtinStub: Bool
    ) {
        self.image = image
        let expectedRule = EarlyBindingFiles.udevRuleText(early, stateFile: PersistedPaths.stateFile)
        ruleCurrent = installedRule == expectedRule
        let installedLines = Set((installedRule ?? "").split(separator: "\n").map(String.init))
        let expectedLines = expectedRule.split(separator: "\n").map(String.init)
        notCovered = early.notCovered
        devices = early.devices.enumerated().map { index, wanted in
            // The device's own line: the header comes first, one line per device after it.
            let line = expectedLines[expectedLines.count - early.devices.count + index]
            var status = Device(
                early: wanted, ruleInstalled: installedLines.contains(line), found: nil,
                currentDriver: nil, hostDrivers: [], sameIDs: [], problems: [])
            if !status.ruleInstalled {
                status.problems.append("its rule is not in \(EarlyBindingFiles.udevRule) (run vfioctl persist enable)")
            }
            switch image {
            case .noTool: break
            case .holdsRule: break
            case .staleRule(let tool, let path):
                status.problems.append(
                    "\(path) does not hold the installed rule (run \(tool.rebuildCommand.joined(separator: " ")))")
            case .unreadable(_, let path, let reason):
                status.problems.append("cannot tell whether \(path) holds the rule: \(reason)")
            }
            guard let device = inventory[wanted.address] else {
                status.problems.append("no device at \(wanted.address) now")
                return status
            }
            status.found = device.identity
            status.currentDriver = device.driver
            guard wanted.expected.matches(device.identity) else {
                let found = device.identity
                status.problems.append(
                    "found \(found.vendor):\(found.device) subsystem \(found.subsystemVendor):\(found.subsystemDevice) at \(wanted.address), not \(wanted.expected): the rule does not capture it"
                )
                return status
            }
            status.hostDrivers = hostDrivers(device)
            status.sameIDs = inventory.devices.filter {
                $0.address != device.address && $0.identity.vendor == device.identity.vendor
                    && $0.identity.device == device.identity.device
            }.map(\.address)
            let builtin = status.hostDrivers.filter(\.builtin).map(\.module)
            if !builtin.isEmpty {
                let ids = "\(device.identity.vendor):\(device.identity.device)"
                let parameter = builtinVFIO ? "vfio-pci.ids=\(ids)" : builtinStub ? "pci-stub.ids=\(ids)" : nil
                status.commandLine = parameter
                let others =
                    status.sameIDs.isEmpty
                    ? ""
                    : ", which also captures \(status.sameIDs.map(\.description).joined(separator: ", ")) (same ids)"
                let left =
                    parameter.map { "what is left: \($0) on the kernel command line\(others)" }
                    ?? "this kernel has neither vfio-pci nor pci-stub built in, so no kernel command line can keep the device from it"
                status.problems.append(
                    "the host driver \(builtin.map(\.rawValue).joined(separator: ", ")) is built into the kernel: it probes the device when the kernel finds it, before any udev rule runs; \(left)"
                )
            }
            return status
        }
    }
}

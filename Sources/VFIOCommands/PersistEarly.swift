import ArgumentParser
import VFIOCore
import VFIOSystem

/// The options and system reads of early binding (`persist enable`, `disable`, `status`).
struct EarlyBindingOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The kernel module directory whose modules.alias and modules.builtin say which host drivers match (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).",
            valueName: "DIR"), completion: .directory, transform: BlankValue.refused)
    var modulesDir: String?

    @OptionGroup var source: SourceOptions

    /// The running kernel's module tables (or `--modules-dir`'s), for host drivers: which match a
    /// device and whether each is built in. Warnings are left out: this is advice, not a plan.
    func kernelIndex(_ context: CommandContext) throws(VFIOError) -> KernelModuleIndex {
        try PlannerSetup(modulesDir: modulesDir, context).kernelIndex()
    }

    /// The host drivers whose `pci:` aliases match `device`, each once, and whether it is built in.
    static func hostDrivers(of device: PCIDevice, in kernel: KernelModuleIndex) -> [EarlyBindingStatus.HostDriver] {
        kernel.hostDriverCandidates(for: device.modalias).compactMap { match in
            switch kernel.availability(of: match.module) {
            case .builtin: EarlyBindingStatus.HostDriver(module: match.module, builtin: true)
            case .loadable: EarlyBindingStatus.HostDriver(module: match.module, builtin: false)
            case .notBuilt: nil
            }
        }
    }

    /// The early binding `state` asks for, checked against the running system: bind's safety checks
    /// refuse (exit 3) what the system uses now, and the loadable host drivers of the devices there
    /// get softdep lines. Notes for entries it does not cover are printed.
    func prepare(
        _ state: DesiredState, forced: Set<String>, _ context: CommandContext
    ) throws(VFIOError) -> EarlyBinding {
        var early = EarlyBinding(state)
        for note in early.notCovered { context.terminal.warning("not bound early: \(note)") }
        guard !early.isEmpty else { return early }
        let inventory = try source.inventory(context)
        let checker = SafetyChecker(
            host: source.hostState(context, openNodesChecked: EarlyBindingSafety.codes.contains(.openFD)),
            vfioDrivers: VFIODriverSet(sysfs: source.kernel(context)))
        let findings = EarlyBindingSafety.findings(early, inventory: inventory, checker: checker, forced: forced)
        for finding in findings.overridden { context.terminal.warning("overridden: \(finding.message)") }
        if let refusal = EarlyBindingSafety.refusal(findings.blocking) { throw refusal }

        let kernel = try kernelIndex(context)
        var hostModules: [PCIAddress: [ModuleName]] = [:]
        for wanted in early.devices {
            // A built-in VFIO module is always there first: nothing to load before the host driver.
            guard case .loadable = kernel.availability(of: wanted.module) else { continue }
            guard let device = inventory[wanted.address], wanted.expected.matches(device.identity) else { continue }
            hostModules[wanted.address] = Self.hostDrivers(of: device, in: kernel).filter { !$0.builtin }.map(\.module)
        }
        early.addSoftdeps(hostModules: hostModules)
        return early
    }

    /// Early binding as installed under `persistence`'s root, nil when the installed state file
    /// selects no device for it.
    func status(
        of state: DesiredState, persistence: Persistence, _ context: CommandContext
    ) throws(VFIOError) -> EarlyBindingStatus? {
        let early = EarlyBinding(state)
        guard !early.isEmpty || !early.notCovered.isEmpty else { return nil }
        let root = persistence.root
        let installedRule: String?
        do { installedRule = try TextFile.read(root.path(of: EarlyBindingFiles.udevRule)) } catch {
            guard error.isMissing else { throw error.vfioError() }
            installedRule = nil
        }
        let image: EarlyBindingStatus.Image
        if let tool = InitramfsTool.installed(under: root) {
            let path = InitramfsTool.image(under: root)
            do throws(VFIOError) {
                image =
                    try tool.imageHolds(rule: installedRule ?? "", image: path)
                    ? .holdsRule(tool: tool, path: path)
                    : .staleRule(tool: tool, path: path)
            } catch {
                image = .unreadable(tool: tool, path: path, reason: error.message)
            }
        } else {
            image = .noTool
        }
        let kernel = try kernelIndex(context)
        let builtin = { (name: String) in kernel.availability(of: ModuleName(name)!) == .builtin }
        return EarlyBindingStatus(
            early: early, installedRule: installedRule, image: image,
            inventory: try source.inventory(context, hostUse: .skip),
            hostDrivers: { Self.hostDrivers(of: $0, in: kernel) },
            builtinVFIO: builtin("vfio_pci"), builtinStub: builtin("pci_stub"))
    }
}

/// How `persist status` shows early binding.
enum EarlyBindingPresentation {
    static func text(_ status: EarlyBindingStatus?) -> String {
        guard let status else { return "early binding: no device (no address entry wants a VFIO driver or pci-stub)\n" }
        let inPlace = status.devices.filter(\.inPlace).count
        var text =
            "early binding: in place for \(inPlace) of \(status.devices.count) device\(status.devices.count == 1 ? "" : "s"); \(imageText(status.image))\n"
        for device in status.devices {
            let now = device.currentDriver.map { "now on \($0)" } ?? (device.found == nil ? "absent" : "now unbound")
            let pending = device.inPlace && device.currentDriver != device.early.driver ? ", until the next boot" : ""
            text +=
                "  \(device.early.address)  \(device.early.expected.vendor):\(device.early.expected.device)  -> \(device.early.driver)  "
                + (device.inPlace ? "in place (\(now)\(pending))" : "NOT in place (\(now))") + "\n"
            for problem in device.problems { text += "    \(problem)\n" }
        }
        for note in status.notCovered { text += "  not bound early: \(note)\n" }
        return text
    }

    static func imageText(_ image: EarlyBindingStatus.Image) -> String {
        switch image {
        case .noTool: "no initramfs tool is installed (the rule acts from the root filesystem's udev only)"
        case .holdsRule(let tool, let path): "\(path) (\(tool.rawValue)) holds the installed rule"
        case .staleRule(let tool, let path): "\(path) (\(tool.rawValue)) does NOT hold the installed rule"
        case .unreadable(let tool, let path, let reason): "\(path) (\(tool.rawValue)) cannot be inspected: \(reason)"
        }
    }

    static func json(_ status: EarlyBindingStatus?) -> JSONValue {
        guard let status else { return .null }
        let image: JSONValue
        switch status.image {
        case .noTool: image = .null
        case .holdsRule(let tool, let path), .staleRule(let tool, let path), .unreadable(let tool, let path, _):
            var holds: Bool? = nil
            if case .holdsRule = status.image { holds = true }
            if case .staleRule = status.image { holds = false }
            var error: String? = nil
            if case .unreadable(_, _, let reason) = status.image { error = reason }
            image = .object([
                ("tool", .string(tool.rawValue)), ("path", .string(path)),
                ("holds_rule", .optional(holds)), ("error", .optional(error))
            ])
        }
        return .object([
            ("rule_current", .bool(status.ruleCurrent)),
            ("initramfs", image),
            (
                "devices",
                .array(
                    status.devices.map { device in
                        .object([
                            ("address", .string(device.early.address.description)),
                            ("expected", .string(device.early.expected.description)),
                            ("driver", .string(device.early.driver.rawValue)),
                            ("module", .string(device.early.module.rawValue)),
                            ("in_place", .bool(device.inPlace)),
                            ("rule_installed", .bool(device.ruleInstalled)),
                            ("found", .optional(device.found.map { "\($0.vendor):\($0.device)" })),
                            ("matches", .bool(device.matches)),
                            ("current_driver", .optional(device.currentDriver?.rawValue)),
                            (
                                "host_drivers",
                                .array(
                                    device.hostDrivers.map {
                                        .object([
                                            ("module", .string($0.module.rawValue)), ("builtin", .bool($0.builtin))
                                        ])
                                    })
                            ),
                            ("kernel_command_line", .optional(device.commandLine)),
                            ("same_ids", .array(device.sameIDs.map { .string($0.description) })),
                            ("problems", .array(device.problems.map(JSONValue.string)))
                        ])
                    })
            ),
            ("not_covered", .array(status.notCovered.map(JSONValue.string)))
        ])
    }
}

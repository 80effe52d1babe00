/// Decides, for each device, the ordered chain of drivers to try for VFIO and why.
///
/// Order of the chain: drivers named by matching rules (higher priority, then more specific, then
/// later directory, then file order), then the kernel's `vfio_pci:` variant aliases (most specific
/// first, field by field in the PCI core's order), then vfio-pci — unless a rule says `fallback = false`.
/// A candidate stays in the chain when it cannot be used, marked unavailable with the reason.
public struct DriverPlanner: Sendable {
    public let kernel: any ModuleTables
    public let modprobe: any ModprobePolicy
    public let loaded: any LoadedDrivers
    public let rules: RuleSet
    public let platform: Platform

    public init(
        kernel: any ModuleTables, modprobe: any ModprobePolicy, loaded: any LoadedDrivers, rules: RuleSet,
        platform: Platform
    ) {
        self.kernel = kernel
        self.modprobe = modprobe
        self.loaded = loaded
        self.rules = rules
        self.platform = platform
    }

    static let genericModule = ModuleName("vfio_pci")!

    public func plan(_ device: PCIDevice) -> DevicePlan {
        var chain: [Candidate] = []
        var denied: [ModuleName: (Rule, reason: String?)] = [:]
        var ambiguity: String?
        var stopped = false

        let matchingRules = rules.rules.filter { $0.matches(device, platform: platform) }.sorted(by: Self.ruleOutranks)
        if let first = matchingRules.first, let second = matchingRules.dropFirst().first,
            Self.ruleRank(first) == Self.ruleRank(second),
            let a = first.drivers.first, let b = second.drivers.first, a != b
        {
            ambiguity =
                "rules at \(first.location) and \(second.location) tie (priority \(first.priority), same specificity) and name different drivers; the first by file order wins"
        }
        for rule in matchingRules {
            for module in rule.drivers where !chain.contains(where: { $0.module == module }) {
                chain.append(
                    candidate(
                        module, source: .rule(rule.location, name: rule.name),
                        specificity: rule.specificity, priority: rule.priority, denied: denied))
            }
            for module in rule.deny where denied[module] == nil { denied[module] = (rule, rule.denyReason) }
            if !rule.fallback {
                stopped = true
                break
            }
        }

        if !stopped {
            let variants = kernel.variantCandidates(for: device.modalias)
                .filter { $0.module != Self.genericModule }
                .sorted { ($0.pattern.specificity, -$0.line) > ($1.pattern.specificity, -$1.line) }
            if ambiguity == nil, let first = variants.first, let second = variants.dropFirst().first,
                first.pattern.specificity == second.pattern.specificity, first.module != second.module
            {
                ambiguity =
                    "kernel aliases of \(first.module) and \(second.module) match equally specifically; \(first.module) wins by its earlier line in modules.alias"
            }
            for alias in variants where !chain.contains(where: { $0.module == alias.module }) {
                chain.append(
                    candidate(
                        alias.module,
                        source: .kernelAlias(alias.location, pattern: alias.pattern.text),
                        specificity: alias.pattern.specificity.ranking, priority: 0, denied: denied))
            }
            if !chain.contains(where: { $0.module == Self.genericModule }) {
                chain.append(
                    candidate(Self.genericModule, source: .fallback, specificity: nil, priority: 0, denied: denied))
            }
        }

        return DevicePlan(
            device: device,
            hostModules: kernel.hostDriverCandidates(for: device.modalias).map(\.module),
            chain: chain, ambiguous: ambiguity != nil, ambiguity: ambiguity,
            blocked: Self.blocker(for: device, platform: platform), notes: Self.notes(for: device))
    }

    /// The one-candidate chain of `bind --driver TEXT`: TEXT may name a driver (`vfio-pci`,
    /// `xe-vfio-pci`) or a module (`vfio_pci`); a registered driver's own module is looked up.
    public func explicitChain(_ text: String) -> [Candidate] {
        // `none`: no driver at all (driverctl's `set-override DEVICE none`), not a module to look for.
        if text == DriverName.driverless.rawValue { return [.driverless] }
        if let driver = DriverName(text), let module = loaded.module(ofDriver: driver) {
            var result = candidate(module, source: .commandLine, specificity: nil, priority: 0, denied: [:])
            result.driver = driver
            result.driverNameConfirmed = true
            return [result]
        }
        guard let module = ModuleName(text) else { return [] }
        return [candidate(module, source: .commandLine, specificity: nil, priority: 0, denied: [:])]
    }

    private func candidate(
        _ module: ModuleName, source: Candidate.Source, specificity: Specificity?, priority: Int,
        denied: [ModuleName: (Rule, reason: String?)]
    ) -> Candidate {
        let loadedDriver = loaded.driverNames(of: module).first
        var result = Candidate(
            module: module, driver: loadedDriver ?? loaded.predictedDriverName(for: module),
            driverNameConfirmed: loadedDriver != nil, source: source, specificity: specificity,
            priority: priority, available: false, reason: "")
        // vfio-pci too: a rule may deny the generic fallback (then nothing is chosen for the device).
        if let (rule, reason) = denied[module] {
            result.reason = "denied by \(rule.location)" + (reason.map { ": \($0)" } ?? "")
            result.deniedBy = rule.location
            return result
        }
        if loaded.isLoaded(module) {
            result.available = true
            result.reason = "loaded"
            return result
        }
        if kernel.isMissing {
            result.available = true
            result.reason = "assumed present: \(kernel.directory) is missing, so vfioctl cannot check"
            return result
        }
        switch kernel.availability(of: module) {
        case .builtin:
            result.available = true
            result.reason = "built into the kernel"
        case .notBuilt:
            result.reason = "not built for kernel \(kernel.kernelVersion)"
        case .loadable:
            if let location = modprobe.blacklist(for: module) {
                result.reason =
                    "blacklisted at \(location); vfioctl does not load blacklisted modules (load it yourself to use it)"
            } else if let location = modprobe.disabledByInstall(for: module) {
                result.reason = "disabled by an install command at \(location)"
            } else {
                result.available = true
                result.reason = "module present, not loaded yet"
            }
        }
        return result
    }

    /// Bridges and devices outside any IOMMU group cannot go to any VFIO driver.
    /// Why no VFIO driver can take the device at all, whatever the chain (a bridge, no IOMMU group).
    public static func blocker(for device: PCIDevice, platform: Platform) -> String? {
        if device.isBridge {
            return "a bridge: VFIO drivers refuse non-endpoint devices (vfio-pci's probe fails with EINVAL)"
        }
        if device.iommuGroup == nil {
            return "no IOMMU group: the IOMMU is off or does not cover this device (\(platform.iommuFix))"
        }
        return nil
    }

    package static func notes(for device: PCIDevice) -> [String] {
        var notes: [String] = []
        if let numVFs = device.sriov.numVFs, numVFs > 0 {
            notes.append(
                "a PF with \(numVFs) VFs enabled: vfio-pci refuses it (EBUSY) until they are disabled (vfioctl sriov \(device.address) --vfs 0)"
            )
        }
        if device.bootVGA { notes.append("the boot VGA device: the host console may be using it") }
        return notes
    }

    // MARK: rule ranking

    private static func ruleRank(_ rule: Rule) -> (Int, Specificity, Int) {
        (rule.priority, rule.specificity, rule.precedence.rawValue)
    }

    /// Higher priority, then more specific, then a later directory, then earlier file name and line.
    static func ruleOutranks(_ a: Rule, _ b: Rule) -> Bool {
        let (ra, rb) = (ruleRank(a), ruleRank(b))
        if ra.0 != rb.0 { return ra.0 > rb.0 }
        if ra.1 != rb.1 { return ra.1 > rb.1 }
        if ra.2 != rb.2 { return ra.2 > rb.2 }
        let (na, nb) = (SysfsPath.lastComponent(a.location.file), SysfsPath.lastComponent(b.location.file))
        if na != nb { return na < nb }
        return a.location.line < b.location.line
    }
}

/// One `[[rule]]` of a rule file: which devices it matches and what it says about them.
public struct Rule: Sendable, Equatable {
    public var name: String?
    public var location: SourceLocation
    public var precedence: RulePrecedence

    // What it matches; nil means "any".
    public var vendor: VendorID?
    public var device: [DeviceID]?
    public var subsystemVendor: VendorID?
    public var subsystemDevice: DeviceID?
    public var classMatch: ClassMatch?
    public var revision: Revision?
    public var addressGlob: String?
    public var function: FunctionKind?
    public var architectures: [String]?
    public var kernel: KernelVersionRange?

    // What it says.
    /// Modules to try, in order (`vfio-pci` and `vfio_pci` name the same module).
    public var drivers: [ModuleName]
    /// Modules never to auto-select for matching devices (unless a higher-ranked rule names them).
    public var deny: [ModuleName]
    public var denyReason: String?
    public var priority: Int
    /// false: nothing after this rule's drivers (no kernel variants, no vfio-pci fallback).
    public var fallback: Bool

    /// `vf`: an SR-IOV virtual function; `pf`: a function with SR-IOV capability; `not-vf`: anything
    /// but a VF.
    public enum FunctionKind: String, Sendable, Equatable { case vf, pf, notVF = "not-vf", any }

    /// Class as a prefix (`03`, `0300`, `030000`) or value/mask (`030000/ff0000`).
    public struct ClassMatch: Sendable, Equatable, CustomStringConvertible {
        public var value: UInt32
        public var mask: UInt32
        public func matches(_ code: ClassCode) -> Bool { code.rawValue & mask == value & mask }
        public var description: String { "\(hex(value, width: 6))/\(hex(mask, width: 6))" }
    }

    /// Whether this rule applies to `device` on this platform.
    public func matches(_ device: PCIDevice, platform: Platform) -> Bool {
        let identity = device.identity
        if let vendor, identity.vendor != vendor { return false }
        if let self_device = self.device, !self_device.contains(identity.device) { return false }
        if let subsystemVendor, identity.subsystemVendor != subsystemVendor { return false }
        if let subsystemDevice, identity.subsystemDevice != subsystemDevice { return false }
        if let classMatch, !classMatch.matches(identity.classCode) { return false }
        if let revision, identity.revision != revision { return false }
        if let addressGlob, !Glob.matches(pattern: addressGlob, device.address.description) { return false }
        switch function {
        case .vf?: if !device.isVirtualFunction { return false }
        case .pf?: if !device.sriov.isPhysicalFunction { return false }
        case .notVF?: if device.isVirtualFunction { return false }
        case .any?, nil: break
        }
        if let architectures, !architectures.contains(platform.architecture) { return false }
        if let kernel, !kernel.contains(platform.kernelVersion) { return false }
        return true
    }

    /// The PCI core's match order (device, subsystem device, subsystem vendor, vendor, class, then
    /// revision and address): a field it pins outranks every field after it.
    public var specificity: Specificity {
        Specificity(
            fields: [
                device != nil, subsystemDevice != nil, subsystemVendor != nil, vendor != nil,
                classMatch.map { $0.mask & 0xFFFF00 == 0xFFFF00 } ?? false,
                classMatch.map { $0.mask & 0xFF == 0xFF } ?? false,
                revision != nil, addressGlob != nil
            ].map { $0 ? 2 : 0 })
    }
}

/// Lexicographic specificity: one score per field in the PCI core's order (2 exact, 1 partial, 0 any).
public struct Specificity: Comparable, Sendable, Equatable, CustomStringConvertible {
    public var fields: [Int]
    public init(fields: [Int]) { self.fields = fields }
    public static func < (a: Specificity, b: Specificity) -> Bool { a.fields.lexicographicallyPrecedes(b.fields) }
    public var description: String { fields.map(String.init).joined() }
}

/// Where something was written: a file and line.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
    public var description: String { "\(file):\(line)" }
}

/// Which directory a rule file came from; later ones outrank earlier ones.
public enum RulePrecedence: Int, Sendable, Comparable {
    case shippedDefaults = 0, administrator = 1, runtime = 2, commandLine = 3
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The machine's architecture and kernel version, for rules that only apply to some.
public struct Platform: Sendable, Equatable {
    public var architecture: String
    public var kernelVersion: String
    /// Running as a guest of a hypervisor: its IOMMU, if any, is a virtual one the VM must be given.
    public var virtualMachine: Bool
    public init(architecture: String, kernelVersion: String, virtualMachine: Bool = false) {
        self.architecture = architecture
        self.kernelVersion = kernelVersion
        self.virtualMachine = virtualMachine
    }

    /// How to give a device an IOMMU group on this platform: the hint of the "no IOMMU group" refusal.
    public var iommuFix: String {
        if virtualMachine {
            return
                "this is a virtual machine: give it a virtual IOMMU (QEMU: -device intel-iommu,intremap=on or virtio-iommu, "
                + "then intel_iommu=on in the guest), or bind with --noiommu (no DMA isolation)"
        }
        switch architecture {
        case "x86_64", "i386", "i486", "i586", "i686":
            return
                "boot with intel_iommu=on (Intel VT-d) or amd_iommu=on (AMD-Vi), with the IOMMU enabled in the firmware"
        case "aarch64", "arm64":
            return
                "enable the SMMU: the firmware must describe it (ACPI IORT or device tree) and the arm-smmu-v3 (or arm-smmu) driver "
                + "must be loaded; iommu.passthrough=1 still gives groups"
        default:
            return "enable the platform's IOMMU in the firmware and the kernel"
        }
    }
}

/// `>=6.10`, `<6.12`, `>=6.8, <6.12`, `6.1` (that release series): compared numerically.
public struct KernelVersionRange: Sendable, Equatable, CustomStringConvertible {
    public struct Bound: Sendable, Equatable {
        public enum Relation: String, Sendable {
            case atLeast = ">=", greater = ">", atMost = "<=", less = "<", series = "="
        }
        public var relation: Relation
        public var version: [Int]
    }
    public var bounds: [Bound]
    public var text: String

    public init?(_ text: String) {
        var bounds: [Bound] = []
        for part in text.split(separator: ",").map({ $0.trimmingSpaces() }) {
            var rest = Substring(part)
            var relation = Bound.Relation.series
            for candidate in [Bound.Relation.atLeast, .atMost, .greater, .less, .series]
            where rest.hasPrefix(candidate.rawValue) {
                relation = candidate
                rest = rest.dropFirst(candidate.rawValue.count)
                break
            }
            guard let version = Self.numbers(String(rest.trimmingSpaces())), !version.isEmpty else { return nil }
            bounds.append(Bound(relation: relation, version: version))
        }
        guard !bounds.isEmpty else { return nil }
        self.bounds = bounds
        self.text = text
    }

    public var description: String { text }

    /// `6.1.0-56-amd64` -> [6, 1, 0]; the numbers before the first character that is not a digit or dot.
    package static func numbers(_ text: String) -> [Int]? {
        let prefix = text.prefix { $0.isNumber || $0 == "." }
        guard !prefix.isEmpty, prefix.count == text.count || !text.isEmpty else { return nil }
        let parts = prefix.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        return parts.compactMap { Int($0) }
    }

    public func contains(_ kernelRelease: String) -> Bool {
        guard let running = Self.numbers(kernelRelease) else { return false }
        return bounds.allSatisfy { bound in
            let width = max(running.count, bound.version.count)
            let a = running + Array(repeating: 0, count: width - running.count)
            let b = bound.version + Array(repeating: 0, count: width - bound.version.count)
            switch bound.relation {
            case .atLeast: return !a.lexicographicallyPrecedes(b)
            case .greater: return b.lexicographicallyPrecedes(a)
            case .atMost: return !b.lexicographicallyPrecedes(a)
            case .less: return a.lexicographicallyPrecedes(b)
            case .series: return Array(running.prefix(bound.version.count)) == bound.version
            }
        }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

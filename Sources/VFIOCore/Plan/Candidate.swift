/// One driver considered for a device, where the idea came from, and whether it can be used here.
public struct Candidate: Sendable, Equatable {
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// An administrator's (or shipped) rule: file:line, optional name.
        case rule(SourceLocation, name: String?)
        /// A `vfio_pci:` line of modules.alias.
        case kernelAlias(SourceLocation, pattern: String)
        /// The generic fallback every chain ends with unless a rule says otherwise.
        case fallback
        /// Named on the command line (`bind --driver`).
        case commandLine

        public var description: String {
            switch self {
            case .rule(let location, let name): "rule \(name.map { "'\($0)' " } ?? "")at \(location)"
            case .kernelAlias(let location, let pattern): "alias \(pattern) at \(location)"
            case .fallback: "generic fallback"
            case .commandLine: "command line"
            }
        }

        /// A short machine-readable tag for JSON (`rule`, `kernel_alias`, `fallback`, `command_line`).
        public var kind: String {
            switch self {
            case .rule: "rule"
            case .kernelAlias: "kernel_alias"
            case .fallback: "fallback"
            case .commandLine: "command_line"
            }
        }

        public var location: SourceLocation? {
            switch self {
            case .rule(let location, _), .kernelAlias(let location, _): location
            case .fallback, .commandLine: nil
            }
        }
    }

    public var module: ModuleName
    public var driver: DriverName
    /// false when the driver name is a prediction (the module is not loaded, so the kernel has not
    /// said which name it registers).
    public var driverNameConfirmed: Bool
    public var source: Source
    public var specificity: Specificity?
    public var priority: Int
    public var available: Bool
    /// Why it is (or is not) usable: "loaded", "module present", "not built for 6.1.0-56-amd64", ...
    public var reason: String
    /// The rule whose `deny` excludes it (then it is not available).
    public var deniedBy: SourceLocation? = nil
}

/// The driver decision for one device.
public struct DevicePlan: Sendable {
    public var device: PCIDevice
    /// Native host drivers whose `pci:` aliases match (what `lspci -k` calls kernel modules).
    public var hostModules: [ModuleName]
    /// Every candidate in rank order, usable or not.
    public var chain: [Candidate]
    public var chosen: Candidate? { blocked == nil ? chain.first(where: \.available) : nil }
    /// Two different variant drivers tied for first place; the tie was broken by file order.
    public var ambiguous: Bool
    public var ambiguity: String?
    /// Why no VFIO driver can take this device at all (a bridge, no IOMMU group).
    public var blocked: String?
    /// Things worth knowing that do not change the choice (a PF with VFs enabled, ...).
    public var notes: [String]

    /// The one-line reason printed next to the choice.
    public var summary: String {
        if let blocked { return blocked }
        guard let chosen else {
            return "no usable driver: "
                + chain.map { "\($0.module) (\($0.reason))" }.joined(separator: ", ").ifEmpty("no candidate")
        }
        let skipped = chain.prefix { $0 != chosen }
        var text =
            "\(chosen.source.kind == "fallback" ? "no variant driver matches; " : "")chosen from \(chosen.source)"
        if !skipped.isEmpty {
            text += " after skipping \(skipped.map { "\($0.module) (\($0.reason))" }.joined(separator: ", "))"
        }
        return text
    }
}

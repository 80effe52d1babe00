/// A device's reset and power facts, as `show` reports them. Each is nil when the kernel does not
/// provide it (no `reset_method`: the device has no way to be reset; vfio-pci not loaded: no
/// `disable_idle_d3`) or it could not be read.
public struct DevicePower: Sendable, Equatable {
    /// The reset methods the kernel tries, in order (`reset_method`, e.g. `pm bus`), as it names
    /// them (a newer kernel may know a method this version does not); empty when it has none left.
    public var resetMethods: [String]?
    /// The PCI power state (`power_state`: `D0`, `D3hot`, ...). Read from the kernel's record, so a
    /// sleeping device is not woken to answer.
    public var powerState: String?
    /// Runtime PM (`power/runtime_status`: `active`, `suspended`, ...).
    public var runtimeStatus: String?
    /// Whether the device may enter D3cold (`d3cold_allowed`).
    public var d3coldAllowed: Bool?
    /// vfio-pci's `disable_idle_d3` module parameter: true keeps idle devices on vfio-pci in D0.
    public var vfioDisableIdleD3: Bool?

    public init(
        resetMethods: [String]? = nil, powerState: String? = nil, runtimeStatus: String? = nil,
        d3coldAllowed: Bool? = nil, vfioDisableIdleD3: Bool? = nil
    ) {
        self.resetMethods = resetMethods
        self.powerState = powerState
        self.runtimeStatus = runtimeStatus
        self.d3coldAllowed = d3coldAllowed
        self.vfioDisableIdleD3 = vfioDisableIdleD3
    }
}

/// One of the kernel's PCI reset methods (drivers/pci/pci.c `pci_reset_fn_methods`), as
/// `reset_method` names them. The raw values are the kernel's spelling.
public enum ResetMethod: String, Sendable, CaseIterable, Equatable {
    case deviceSpecific = "device_specific"
    case acpi
    case flr
    case afFLR = "af_flr"
    case pm
    case bus
    case cxlBus = "cxl_bus"

    /// The words of `reset_method` as the kernel prints it (`pm bus`).
    public static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
    }

    /// What a list is written to `reset_method` as: the names, space-separated, in order; a lone
    /// newline for none (the kernel reads it as "", which disables every method, while a 0-byte
    /// write never reaches the attribute and changes nothing).
    public static func attributeValue(_ names: [String]) -> String {
        names.isEmpty ? "\n" : names.joined(separator: " ")
    }
}

/// A `reset_method` change vfioctl makes with a bind: the kernel's words before, and after.
public struct ResetMethodChange: Sendable, Equatable {
    public var before: [String]
    public var after: [String]
    public init(before: [String], after: [String]) {
        self.before = before
        self.after = after
    }
    /// `bus (was: flr bus)`; `none` for an empty list.
    public var description: String { "\(Self.shown(after)) (was: \(Self.shown(before)))" }
    public static func shown(_ words: [String]) -> String { words.isEmpty ? "none" : words.joined(separator: " ") }
}

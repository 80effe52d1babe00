/// A desired-state file: which driver each device of a host should be on (docs/state-file.md).
///
///     [[device]]
///     address = "0000:01:00.0"     # an address AND the hardware expected there
///     vendor = "8086"
///     device = "10d3"
///     state = "vfio"               # vfio | stub | host, or driver = "NAME"
///
///     [[device]]
///     ids = "15b3:101e"            # every device with these ids
///     state = "vfio"
///
///     [[device]]
///     vfs_of = "0000:3b:00.0"      # the VFs of a PF, optionally by index range
///     index = "0-3"
///     state = "vfio"
public struct DesiredState: Sendable {
    public enum Selector: Sendable, Equatable, CustomStringConvertible {
        case address(PCIAddress, expected: ExpectedIdentity)
        case ids(VendorID, DeviceID)
        case virtualFunctions(of: PCIAddress, indices: ClosedRange<Int>?)
        case deviceClass(String, ClassFilter)

        public var description: String {
            switch self {
            case .address(let address, let expected): "\(address) (\(expected))"
            case .ids(let vendor, let device): "ids \(vendor):\(device)"
            case .virtualFunctions(let pf, let indices):
                "VFs of \(pf)" + (indices.map { " \($0.lowerBound)-\($0.upperBound)" } ?? "")
            case .deviceClass(let name, _): "class \(name)"
            }
        }
    }

    public struct ExpectedIdentity: Sendable, Equatable, CustomStringConvertible {
        public var vendor: VendorID
        public var device: DeviceID
        public var subsystemVendor: VendorID?
        public var subsystemDevice: DeviceID?

        public func matches(_ identity: PCIIdentity) -> Bool {
            identity.vendor == vendor && identity.device == device
                && (subsystemVendor.map { $0 == identity.subsystemVendor } ?? true)
                && (subsystemDevice.map { $0 == identity.subsystemDevice } ?? true)
        }

        public var description: String {
            "\(vendor):\(device)"
                + (subsystemVendor.map { " subsystem \($0):\(subsystemDevice?.description ?? "*")" } ?? "")
        }
    }

    public enum Wanted: Sendable, Equatable, CustomStringConvertible {
        /// The plan's choice for VFIO.
        case vfio
        /// pci-stub.
        case stub
        /// The native host driver.
        case host
        /// A named driver (or module).
        case driver(String)

        /// Whether this state puts the device on a VFIO driver (a named driver: by its name).
        public var isVFIO: Bool {
            switch self {
            case .vfio: true
            case .stub, .host: false
            case .driver(let name): DriverName(name).map { VFIODriverSet(loaded: []).isVFIO($0) } ?? false
            }
        }

        public var description: String {
            switch self {
            case .vfio: "vfio"
            case .stub: "stub"
            case .host: "host"
            case .driver(let name): "driver \(name)"
            }
        }
    }

    public struct Entry: Sendable, Equatable {
        public var selector: Selector
        public var wanted: Wanted
        /// For a PF: how many VFs it should have.
        public var virtualFunctions: Int?
        /// Bind through VFIO's no-IOMMU mode (`noiommu = true`).
        public var noIOMMU = false
        /// The reset methods the kernel is to try, in order, while the device is bound
        /// (`reset_method = ["bus"]`; `[]`: none); nil leaves the kernel's list alone.
        public var resetMethods: [ResetMethod]? = nil
        /// Who should own the device's VFIO nodes (`owner = "alice:kvm"`) and their mode (`mode = "0660"`).
        public var owner: OwnerSpec? = nil
        public var mode: NodeMode? = nil
        public var location: SourceLocation
    }

    public var file: String
    public var entries: [Entry]

    /// The PFs that `vfs_of` entries name: besides the devices themselves, what a run restricted to
    /// some devices (`apply --device`) must read to tell which VFs those entries select.
    public var namedPhysicalFunctions: [PCIAddress] {
        entries.compactMap { entry in
            if case .virtualFunctions(let pf, _) = entry.selector { pf } else { nil }
        }
    }

    public static func parse(_ text: String, file: String) throws(VFIOError) -> DesiredState {
        do throws(TOMLError) {
            var top = TOMLFields(try TOMLParser.parse(text), context: "the state file")
            let tables = try top.tables("device")
            try top.finish()
            var entries: [Entry] = []
            for table in tables {
                let entry = try Self.entry(table, file: file)
                if case .address(let address, _) = entry.selector,
                    let earlier = entries.first(where: {
                        if case .address(address, _) = $0.selector { true } else { false }
                    })
                {
                    throw TOMLError(line: table.line, "\(address) is already listed at line \(earlier.location.line)")
                }
                entries.append(entry)
            }
            return DesiredState(file: file, entries: entries)
        } catch {
            throw error.located(in: file)
        }
    }

    private static func entry(_ table: TOMLTable, file: String) throws(TOMLError) -> Entry {
        var f = TOMLFields(table, context: "[[device]] (line \(table.line))")
        let address = try f.parsed("address", as: "a PCI address such as 0000:01:00.0", PCIAddress.init)
        let vendor = try f.parsed("vendor", as: "4 hex digits", VendorID.init)
        let device = try f.parsed("device", as: "4 hex digits", DeviceID.init)
        let subsystemVendor = try f.parsed("subsystem_vendor", as: "4 hex digits", VendorID.init)
        let subsystemDevice = try f.parsed("subsystem_device", as: "4 hex digits", DeviceID.init)
        let ids = try f.parsed("ids", as: "VVVV:DDDD") { text -> (VendorID, DeviceID)? in
            let parts = text.split(separator: ":")
            guard parts.count == 2, parts[0].count == 4, parts[1].count == 4,
                let v = VendorID(parts[0]), let d = DeviceID(parts[1])
            else { return nil }
            return (v, d)
        }
        let pf = try f.parsed("vfs_of", as: "the PF's PCI address", PCIAddress.init)
        let index = try indexRange(&f)
        let classText = try f.string("class")
        let stateText = try f.string("state")
        let driverText = try f.string("driver")
        let vfs = try f.integer("vfs")
        let noIOMMU = try f.boolean("noiommu")
        let resetNames = try f.strings("reset_method", allowSingle: false)
        let (owner, mode) = try ownership(&f, table: table)
        try f.finish()

        let selectorCount = [address != nil, ids != nil, pf != nil, classText != nil].filter { $0 }.count
        guard selectorCount == 1 else {
            throw TOMLError(
                line: table.line,
                selectorCount == 0
                    ? "[[device]] selects nothing: give one of address, ids, vfs_of, class"
                    : "[[device]] has more than one of address, ids, vfs_of, class: use one per entry")
        }
        let selector: Selector
        if let address {
            guard let vendor, let device else {
                throw TOMLError(
                    line: table.line,
                    "[[device]] with an address must say which hardware is expected there (vendor and device)")
            }
            if subsystemDevice != nil && subsystemVendor == nil {
                throw TOMLError(line: table.line, "subsystem_device needs subsystem_vendor")
            }
            selector = .address(
                address,
                expected: ExpectedIdentity(
                    vendor: vendor, device: device,
                    subsystemVendor: subsystemVendor, subsystemDevice: subsystemDevice))
        } else {
            if vendor != nil || device != nil || subsystemVendor != nil || subsystemDevice != nil {
                throw TOMLError(
                    line: table.line,
                    "vendor/device/subsystem_* belong with address (use ids = \"VVVV:DDDD\" to select by ids)")
            }
            if let (vendorID, deviceID) = ids {
                selector = .ids(vendorID, deviceID)
            } else if let pf {
                selector = .virtualFunctions(of: pf, indices: index?.0)
            } else {
                let (name, line) = classText!
                do { selector = .deviceClass(name, try ClassFilter(parsing: name)) } catch {
                    throw TOMLError(line: line, error.message)
                }
            }
        }
        if index != nil, pf == nil { throw TOMLError(line: index!.line, "index only goes with vfs_of") }

        let wanted: Wanted
        switch (stateText, driverText) {
        case (nil, nil):
            throw TOMLError(
                line: table.line,
                "[[device]] says nothing about the wanted state: add state = \"vfio\", \"stub\" or \"host\", or driver = \"NAME\""
            )
        case (.some, .some): throw TOMLError(line: driverText!.line, "give either state or driver, not both")
        case (let (text, line)?, nil):
            switch text {
            case "vfio": wanted = .vfio
            case "stub": wanted = .stub
            case "host": wanted = .host
            default:
                throw TOMLError(
                    line: line,
                    "invalid state '\(text)': expected \"vfio\", \"stub\" or \"host\" (or driver = \"NAME\")")
            }
        case (nil, let (text, line)?):
            guard DriverName(text) != nil else { throw TOMLError(line: line, "invalid driver name '\(text)'") }
            wanted = .driver(text)
        }
        if let (count, line) = vfs {
            guard address != nil else { throw TOMLError(line: line, "vfs only goes with an address entry (the PF)") }
            guard count >= 0 else { throw TOMLError(line: line, "vfs must be 0 or more") }
        }
        if let (on, line) = noIOMMU, on, wanted == .host || wanted == .stub {
            throw TOMLError(
                line: line, "noiommu = true only goes with a VFIO state (state = \"vfio\" or a VFIO driver)")
        }
        var resetMethods: [ResetMethod]?
        if let (names, line) = resetNames {
            guard wanted != .host else {
                throw TOMLError(
                    line: line,
                    "reset_method goes with a bind (state = \"vfio\" or \"stub\", or driver = \"NAME\"): releasing a device puts its own list back"
                )
            }
            resetMethods = try Self.resetMethods(names, line: line)
        }
        if owner != nil, !wanted.isVFIO {
            throw TOMLError(line: table.line, "owner only goes with a VFIO state (state = \"vfio\" or a VFIO driver)")
        }
        return Entry(
            selector: selector, wanted: wanted, virtualFunctions: vfs?.0, noIOMMU: noIOMMU?.0 ?? false,
            resetMethods: resetMethods, owner: owner, mode: mode, location: SourceLocation(file: file, line: table.line)
        )
    }

    /// `["bus"]`, `["flr", "bus"]`: the kernel's names (drivers/pci/pci.c), each once. The kernel's
    /// own words "default" (its list back: leave the key out) and "" (no method: `[]`) are refused.
    private static func resetMethods(_ names: [String], line: Int) throws(TOMLError) -> [ResetMethod] {
        var methods: [ResetMethod] = []
        for name in names {
            guard let method = ResetMethod(rawValue: name) else {
                let known = ResetMethod.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw TOMLError(
                    line: line,
                    "invalid reset method '\(name.prefix(40))': expected \(known) (leave reset_method out to keep the kernel's list, [] for none)"
                )
            }
            guard !methods.contains(method) else {
                throw TOMLError(line: line, "reset method '\(name)' is listed twice")
            }
            methods.append(method)
        }
        return methods
    }

    /// `owner = "USER[:GROUP]"` and `mode = "0660"` (a mode needs an owner: whose access it grants).
    private static func ownership(_ f: inout TOMLFields, table: TOMLTable) throws(TOMLError) -> (OwnerSpec?, NodeMode?)
    {
        let ownerText = try f.string("owner"), modeText = try f.string("mode")
        if let (_, line) = modeText, ownerText == nil {
            throw TOMLError(line: line, "mode needs owner = \"USER[:GROUP]\" (whose access it sets)")
        }
        var line = table.line
        do throws(OwnershipSyntaxError) {
            line = ownerText?.line ?? line
            let owner = try ownerText.map { text throws(OwnershipSyntaxError) in try OwnerSpec(parsing: text.0) }
            line = modeText?.line ?? line
            let mode = try modeText.map { text throws(OwnershipSyntaxError) in try NodeMode(parsing: text.0) }
            return (owner, mode)
        } catch {
            throw TOMLError(line: line, error.message)
        }
    }

    /// `index = 3` or `index = "0-7"`.
    private static func indexRange(_ f: inout TOMLFields) throws(TOMLError) -> (ClosedRange<Int>, line: Int)? {
        if let value = f.table["index"], case .integer(let n) = value.kind {
            _ = try f.integer("index")
            guard n >= 0 else { throw TOMLError(line: value.line, "index must be 0 or more") }
            return (n...n, value.line)
        }
        guard let (text, line) = try f.string("index") else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let low = Int(parts[0]), let high = Int(parts.last!), low >= 0, low <= high
        else {
            throw TOMLError(line: line, "invalid index '\(text)': expected N or FIRST-LAST, e.g. \"0-7\"")
        }
        return (low...high, line)
    }
}

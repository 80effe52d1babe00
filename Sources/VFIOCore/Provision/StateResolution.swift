/// Which devices each entry of a desired-state file selects on this host right now, and what is
/// wrong with the file for this host (hardware that is not what the file expects, two entries
/// wanting different things for one device).
public struct StateResolution: Sendable {
    public struct Target: Sendable {
        public var device: PCIDevice
        public var wanted: DesiredState.Wanted
        public var entry: DesiredState.Entry
    }

    public struct VFChange: Sendable {
        public var pf: PCIDevice
        public var count: Int
        public var entry: DesiredState.Entry
    }

    public var targets: [Target] = []
    public var vfChanges: [VFChange] = []
    /// Entries refused on this host: "file:line: expected 8086:10d3 at 0000:01:00.0, found 10de:1eb8".
    public var refusals: [String] = []
    /// Entries that select nothing right now (a selector with no match is not an error).
    public var notes: [String] = []

    /// `only`: restrict to entries selecting these addresses (the udev hot-plug path).
    public init(_ state: DesiredState, inventory: DeviceInventory, only: Set<PCIAddress>? = nil) throws(VFIOError) {
        var chosenBy: [PCIAddress: Int] = [:]
        for entry in state.entries {
            var selected: [PCIDevice] = []
            switch entry.selector {
            case .address(let address, let expected):
                guard let device = inventory[address] else {
                    if only == nil || only!.contains(address) {
                        refusals.append("\(entry.location): expected \(expected) at \(address), found no device there")
                    }
                    continue
                }
                guard expected.matches(device.identity) else {
                    // Like a missing device: an entry that selects none of `only` is not this run's business.
                    guard only == nil || only!.contains(address) else { continue }
                    refusals.append(
                        "\(entry.location): expected \(expected) at \(address), found \(device.identity.vendor):\(device.identity.device) subsystem \(device.identity.subsystemVendor):\(device.identity.subsystemDevice); not touching it"
                    )
                    continue
                }
                selected = [device]
                if let count = entry.virtualFunctions,
                    (device.sriov.numVFs ?? 0) != count || (count > 0 && device.sriov.driversAutoprobe != false)
                {
                    if only == nil { vfChanges.append(VFChange(pf: device, count: count, entry: entry)) }
                }
            case .ids(let vendor, let deviceID):
                selected = inventory.devices.filter { $0.identity.vendor == vendor && $0.identity.device == deviceID }
            case .virtualFunctions(let pfAddress, let indices):
                guard let pf = inventory[pfAddress] else {
                    notes.append("\(entry.location): no PF at \(pfAddress)")
                    continue
                }
                let vfs = pf.sriov.virtfns.enumerated()
                    .filter { indices?.contains($0.offset) ?? true }
                    .compactMap { inventory[$0.element] }
                selected = vfs
            case .deviceClass(_, let filter):
                selected = inventory.devices.filter { filter.matches($0) && !$0.isBridge }
            }
            if let only { selected = selected.filter { only.contains($0.address) } }
            if selected.isEmpty && only == nil {
                notes.append("\(entry.location): \(entry.selector) selects no device now")
            }
            for device in selected {
                if let index = chosenBy[device.address] {
                    let earlier = targets[index]
                    if earlier.wanted != entry.wanted {
                        throw VFIOError(
                            .usage,
                            "\(entry.location): \(device.address) wants \(entry.wanted) here but \(earlier.wanted) at line \(earlier.entry.location.line)",
                            hint: "make the entries agree, or narrow one of the selectors")
                    }
                    continue
                }
                chosenBy[device.address] = targets.count
                targets.append(Target(device: device, wanted: entry.wanted, entry: entry))
            }
        }
    }
}

/// What `persist enable` refuses to bind early: from the next boot on, the device never reaches its
/// host driver, so whatever the running system uses it for (the root or boot filesystem's
/// controller, the boot VGA device, an addressed NIC) would be gone at boot. The checks are bind's
/// (`SafetyChecker`, on the running system's `HostState`), with the same codes and `--force`.
///
/// Two of bind's checks are about moving a device now, not at the next boot, and are not applied:
/// `open-fd` (a process holding a node open makes an unbind hang; early binding unbinds nothing)
/// and `sriov-pf` (VFs enabled now; at boot none are, until the boot unit creates them).
public enum EarlyBindingSafety {
    public static let codes: Set<SafetyCode> = Set(SafetyCode.allCases).subtracting([.openFD, .sriovPF])

    /// Findings for the early-bound devices present now with the expected hardware (another card
    /// in the slot is not what the rule captures), split by `forced`.
    public static func findings(
        _ early: EarlyBinding, inventory: DeviceInventory, checker: SafetyChecker,
        forced: Set<String>
    ) -> (blocking: [SafetyFinding], overridden: [SafetyFinding]) {
        var all: [SafetyFinding] = []
        for wanted in early.devices {
            guard let device = inventory[wanted.address], wanted.expected.matches(device.identity) else { continue }
            all += checker.findings(for: device).filter { codes.contains($0.code) }
        }
        return (all.filter { !forced.contains($0.code.rawValue) }, all.filter { forced.contains($0.code.rawValue) })
    }

    /// The refusal for `blocking` findings (exit 3), as bind words it.
    public static func refusal(_ blocking: [SafetyFinding]) -> VFIOError? {
        guard !blocking.isEmpty else { return nil }
        let messages = blocking.map(\.message)
        return VFIOError(
            .refused,
            messages.count == 1
                ? messages[0]
                : "\(messages.count) checks refused the operation: " + messages.joined(separator: "; "),
            hint:
                "nothing was installed; early binding would keep the device from its host driver from the next boot on")
    }
}

import ArgumentParser
import VFIOCore
import VFIOSystem

/// Where the desired state is kept, and whether `bind`/`unbind` record their result in it.
///
/// Not saved by default (`--save` asks): driverctl saves every override unless told `--nosave`, and a
/// wrong bind (the boot GPU, the NIC you log in through) then comes back at every boot; dpdk-devbind
/// never saves, so a working setup is lost at the next one. vfioctl keeps trying a binding and
/// keeping it apart: `bind` changes the running system, `bind --save` (or `persist add`) also the
/// file that `persist enable` applies at boot and hot-plug.
struct SavingOptions: ParsableArguments {
    @Flag(
        help:
            "Also record the result in the desired-state file (see --state-file), keeping the rest of the file as it is."
    )
    var save = false

    @Option(
        help: ArgumentHelp(
            "The desired-state file that --save and 'persist add/remove' edit (default: /etc/vfioctl/state.toml).",
            valueName: "file"), completion: .file(extensions: ["toml"]), transform: BlankValue.refused)
    var stateFile: String?

    var update: StateFileUpdate { StateFileUpdate(path: stateFile ?? Persistence.stateFile) }

    func validate() throws {
        if stateFile != nil && !save { throw ValidationError("--state-file is only used with --save") }
    }

    /// Prints what happened to the file.
    static func report(
        _ outcome: StateFileUpdate.Outcome, _ address: PCIAddress, _ what: String, file: String, dryRun: Bool,
        _ context: CommandContext
    ) {
        let line: String =
            switch outcome {
            case .written: "\(file): \(dryRun ? "would \(what)" : what.pastTense) \(address)"
            case .unchanged: "\(file): \(address) already as wanted"
            case .absent: "\(file): no entry for \(address)"
            }
        context.terminal.out(line + "\n")
    }
}

private extension String {
    var pastTense: String { self == "add" ? "added" : self == "remove" ? "removed" : self }
}

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

    /// The file's edits, with the owner rules of the running system's persistence following them.
    func editing(dryRun: Bool, _ context: CommandContext) throws(VFIOError) -> StateFileEditing {
        StateFileEditing(update, root: try InstallRoot("/"), dryRun: dryRun, context)
    }

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

/// One edit of a desired-state file (`persist add`/`remove`, `bind`/`unbind --save`). When the file
/// is the state file persistence installed under `root` (and the hot-plug rule file is installed),
/// the owner rules of that rule file follow it in the same command: planned from the edited text
/// before the file is written (an unknown owner is exit 2, nothing written), then installed
/// atomically with udev told; a dry run prints both and writes nothing.
struct StateFileEditing {
    let update: StateFileUpdate
    let persistence: Persistence
    let dryRun: Bool
    let context: CommandContext

    init(_ update: StateFileUpdate, root: InstallRoot, dryRun: Bool, _ context: CommandContext) {
        self.update = update
        persistence = Persistence(root: root)
        self.dryRun = dryRun
        self.context = context
    }

    /// `change` edits the file (`set` or `remove`, given what to run on the edited text first); the
    /// outcome is reported as `what` of `address`.
    @discardableResult
    func edit(
        _ what: String, _ address: PCIAddress,
        _ change: (StateFileUpdate, (String) throws(VFIOError) -> Void) throws(VFIOError) -> StateFileUpdate.Outcome
    ) throws(VFIOError) -> StateFileUpdate.Outcome {
        let follows = try persistence.followsOwnerRules(update.path)
        var steps: [Persistence.Step] = []
        let outcome = try change(update) { edited throws(VFIOError) in
            if follows { steps = try persistence.ownerRulesSteps(stateText: edited) }
        }
        guard outcome != .absent else { return outcome }
        SavingOptions.report(outcome, address, what, file: update.path, dryRun: dryRun, context)
        do { try PersistCommand.run(steps, with: persistence, dryRun: dryRun, context) } catch {
            throw VFIOError(
                error.status, "\(update.path) was changed, but its owner rules were not: \(error.message)",
                hint: "run 'vfioctl persist enable' to install them")
        }
        return outcome
    }
}

private extension String {
    var pastTense: String { self == "add" ? "added" : self == "remove" ? "removed" : self }
}

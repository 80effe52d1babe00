import ArgumentParser
import VFIOCore
import VFIOSystem

/// `persist add` / `persist remove`: one device's entry of the desired-state file, edited in place.
extension PersistCommand {
    struct EntryFile: ParsableArguments {
        @Option(
            help: ArgumentHelp("The desired-state file to edit (default: /etc/vfioctl/state.toml).", valueName: "file"),
            completion: .file(extensions: ["toml"]), transform: BlankValue.refused)
        var stateFile: String?

        /// Where persistence is installed (`persist enable --root`): the file defaults to its state
        /// file, and its owner rules follow that file.
        @OptionGroup var location: PersistCommand.Location

        @Flag(help: "Print what would change in the file (and in the installed owner rules); write nothing.")
        var dryRun = false

        static let followingRules =
            "The file defaults to ROOT/etc/vfioctl/state.toml (--root, as 'persist enable' took it); when the file edited is the state file persistence installed there, the owner rules of its hot-plug udev rule file (70-vfioctl.rules) are rewritten in the same command (udev reloaded on the running system), and --dry-run prints that change too."

        /// The file's edits, with the installed owner rules following them.
        func editing(_ context: CommandContext) throws(VFIOError) -> StateFileEditing {
            let root = try InstallRoot(location.root)
            return StateFileEditing(
                StateFileUpdate(path: stateFile ?? root.path(of: Persistence.stateFile)), root: root, dryRun: dryRun,
                context)
        }
    }

    struct Add: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract:
                "Add (or change) one device's entry in the desired-state file; the rest of the file is kept as it is.",
            discussion: """
                The entry names the device by address with the vendor and device ids it has now (apply \\
                refuses different hardware there later) and what it should be on. An entry of the same \\
                address, in any spelling, is replaced where it is. Nothing is bound now: use 'bind --save' \\
                for both, or 'apply'. The file and its directory must pass the state directory's trust \\
                rules (status 5 otherwise); the new file replaces the old atomically, keeping its mode and owner. \
                \(PersistCommand.EntryFile.followingRules)
                """)

        @OptionGroup var source: SourceOptions

        @OptionGroup var target: OneDeviceArgument

        @Option(
            help: ArgumentHelp(
                "What the device should be on: vfio (the plan's choice), stub or host (default: vfio).",
                valueName: "state"),
            transform: BlankValue.refused)
        var state: String?

        @Option(
            help: ArgumentHelp("A named driver or module instead of --state ('none': no driver).", valueName: "driver"),
            transform: BlankValue.refused)
        var driver: String?

        @OptionGroup var file: EntryFile

        func validate() throws {
            if state != nil && driver != nil { throw ValidationError("give --state or --driver, not both") }
            if let state, !["vfio", "stub", "host"].contains(state) {
                throw VFIOError.usage("invalid --state \(UserText.quoted(state)): expected vfio, stub or host")
            }
            if let driver, DriverName(driver) == nil, ModuleName(driver) == nil {
                throw VFIOError.usage("invalid --driver \(UserText.quoted(driver)): expected a driver or module name")
            }
        }

        func run(_ context: CommandContext) throws {
            let address = try source.singleAddress(context, target.device, command: "persist add")
            let inventory = try source.inventory(context, hostUse: .skip)
            guard let record = inventory[address] else {
                throw VFIOError.notFound("no PCI device at \(address)", hint: "run 'vfioctl list' to see the devices")
            }
            let wanted: DesiredState.Wanted =
                switch (state, driver) {
                case (_, let driver?): .driver(driver)
                case ("stub", _): .stub
                case ("host", _): .host
                default: .vfio
                }
            let entry = StateFileEdit.DeviceEntry(
                address: address, vendor: record.identity.vendor,
                device: record.identity.device, wanted: wanted)
            try file.editing(context).edit("add", address) { update, beforeWriting throws(VFIOError) in
                try update.set(entry, dryRun: file.dryRun, inventory: inventory, beforeWriting: beforeWriting)
            }
        }
    }

    struct Remove: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract:
                "Remove one device's address entry from the desired-state file (and the comment lines right above it).",
            discussion: """
                Entries that select the device by ids, class or as a VF stay: they select more than \\
                this device. Status 4 when the file has no entry for the address. Nothing is unbound \\
                now: use 'unbind --save' for both. \(PersistCommand.EntryFile.followingRules)
                """)

        @OptionGroup var source: SourceOptions

        @Argument(
            help: ArgumentHelp(
                "The device: an address (it need not be present) or any other form naming exactly one present device.",
                valueName: "device"),
            completion: LiveCompletion.devices, transform: BlankValue.refused)
        var device: String

        @OptionGroup var file: EntryFile

        func run(_ context: CommandContext) throws {
            let address = try source.singleAddress(context, device, command: "persist remove")
            let editing = try file.editing(context)
            let outcome = try editing.edit("remove", address) { update, beforeWriting throws(VFIOError) in
                try update.remove(address, dryRun: file.dryRun, beforeWriting: beforeWriting)
            }
            guard outcome != .absent else {
                throw VFIOError.notFound(
                    "\(editing.update.path) has no entry for \(address)",
                    hint: "entries by ids, class or vfs_of are edited by hand")
            }
        }
    }
}

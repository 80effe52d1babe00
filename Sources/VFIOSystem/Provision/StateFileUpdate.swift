#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// `persist add` / `persist remove` and `bind --save` / `unbind --save`: one device's entry of the
/// desired-state file (default /etc/vfioctl/state.toml) changed in place (StateFileEdit), the rest
/// of the file kept byte for byte.
///
/// The file is opened as the state directory's files are (StateDirectory): its directory and every
/// parent owned by root (or you) and not writable by others, no symbolic link on the way, the file
/// itself a regular file with one link, owned by root (or you), not writable by group or others;
/// otherwise status 5 and the fix. It is replaced atomically (a new file renamed over it) with its
/// mode and owner kept, and only after the new text parses as a desired-state file.
public struct StateFileUpdate {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// What the update did, for the user.
    public enum Outcome: Equatable, Sendable {
        case written, unchanged, absent
    }

    /// With `inventory`, the edited file must also resolve on this host as `apply` resolves it: an
    /// entry by ids or class that wants something else for the same device is a conflict `apply`
    /// would refuse (status 2), so the file is not written.
    /// `beforeWriting` gets the edited text (when it differs) before anything is written, a dry run's
    /// too: what else must follow the file is checked (and planned) first.
    public func set(
        _ entry: StateFileEdit.DeviceEntry, dryRun: Bool, inventory: DeviceInventory? = nil,
        beforeWriting: (String) throws(VFIOError) -> Void = { _ in }
    ) throws(VFIOError) -> Outcome {
        try update(dryRun: dryRun, beforeWriting: beforeWriting) { text throws(VFIOError) in
            let edited = try StateFileEdit.setting(entry, in: text, file: path)
            if let edited, let inventory {
                _ = try StateResolution(try DesiredState.parse(edited, file: path), inventory: inventory)
            }
            return edited
        }
    }

    public func remove(
        _ address: PCIAddress, dryRun: Bool, beforeWriting: (String) throws(VFIOError) -> Void = { _ in }
    ) throws(VFIOError) -> Outcome {
        var present = true
        let outcome = try update(dryRun: dryRun, beforeWriting: beforeWriting) { text throws(VFIOError) in
            let edited = try StateFileEdit.removing(address, from: text, file: path)
            present = edited != nil
            return edited
        }
        return present ? outcome : .absent
    }

    private func update(
        dryRun: Bool, beforeWriting: (String) throws(VFIOError) -> Void,
        _ edit: (String) throws(VFIOError) -> String?
    ) throws(VFIOError) -> Outcome {
        guard let slash = path.lastIndex(of: "/"), path.index(after: slash) != path.endIndex else {
            throw VFIOError(
                .usage, "invalid state file \(UserText.quoted(path)): expected a path such as /etc/vfioctl/state.toml")
        }
        let directoryPath = slash == path.startIndex ? "/" : String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        // A dry run creates nothing, not even the directory.
        guard let directory = try StateDirectory.open(directoryPath, create: !dryRun, naming: .stateFile(name)) else {
            guard let edited = try edit("") else { return .unchanged }
            try beforeWriting(edited)
            return .written
        }
        let text = try directory.read(name) ?? ""
        guard let edited = try edit(text) else { return .unchanged }
        try beforeWriting(edited)
        if dryRun { return .written }
        _ = try directory.replace(name, with: edited, keepingModeAndOwner: true)
        return .written
    }
}

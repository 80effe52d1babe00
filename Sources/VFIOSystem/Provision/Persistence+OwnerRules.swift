#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// The owner rules of the installed hot-plug rule file follow its state file: `persist add`,
/// `persist remove` and `bind --save` (`unbind --save`) that edit the installed state file rewrite
/// them in the same command, and `persist status` says when they differ from what the file gives.
extension Persistence {
    /// Whether `stateFile` is the state file installed under the root (the same file, however it is
    /// spelled) and the hot-plug rule file is installed: only then do its owner rules follow it.
    public func followsOwnerRules(_ stateFile: String) throws(VFIOError) -> Bool {
        guard try exists(Self.udevRule) else { return false }
        var edited = stat(), installed = stat()
        guard stat(stateFile, &edited) == 0, stat(root.path(of: Self.stateFile), &installed) == 0 else { return false }
        return edited.st_dev == installed.st_dev && edited.st_ino == installed.st_ino
    }

    /// The steps that make the installed rule file's owner rules those `stateText` gives: the file
    /// replaced (atomically, as `enable` writes it) and udev told; none when they are already so.
    /// An owner udev could not be given (an unknown user) is exit 2, before anything is written.
    public func ownerRulesSteps(stateText: String) throws(VFIOError) -> [Step] {
        let installed = try installedRuleText()
        guard let hotPlug = Self.hotPlugPart(of: installed) else {
            throw VFIOError(
                .failed,
                "\(root.path(of: Self.udevRule)) is not as 'vfioctl persist enable' wrote it (no hot-plug rule): its owner rules cannot follow the state file; nothing was changed",
                hint: "run 'vfioctl persist enable' again")
        }
        let wanted = hotPlug + (try Self.ownershipRules(stateText))
        guard wanted != installed else { return [] }
        return [.install(path: Self.udevRule, text: wanted)] + reloads.filter { $0 == .reload(.udev) }
    }

    /// Whether the installed rule file's owner rules are those the installed state file gives; nil
    /// when either is not installed, or the state file does not resolve (its status says why).
    public func ownerRulesAreCurrent() -> Bool? {
        guard (try? exists(Self.udevRule)) == true, let installed = try? installedRuleText(),
            let state = try? TextFile.read(root.path(of: Self.stateFile)),
            let rules = try? Self.ownershipRules(state)
        else { return nil }
        return Self.hotPlugPart(of: installed).map { $0 + rules == installed } ?? false
    }

    private func installedRuleText() throws(VFIOError) -> String {
        do { return try TextFile.read(root.path(of: Self.udevRule)) } catch { throw error.vfioError() }
    }

    /// The installed file up to its hot-plug rule (the line that runs vfioctl), which `enable` wrote
    /// for the binary it was given: what follows are the owner rules.
    static func hotPlugPart(of installed: String) -> String? {
        var part = ""
        for line in installed.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            part += line + "\n"
            if line.hasPrefix("ACTION==\"add\", SUBSYSTEM==\"pci\"") && line.contains("RUN+=") { return part }
        }
        return nil
    }
}

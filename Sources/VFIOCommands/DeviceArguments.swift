import ArgumentParser
import VFIOCore
import VFIOSystem

/// The one device of `show`, `override` and `persist add`.
struct OneDeviceArgument: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "The device: \(DeviceArgumentHelp.forms); it must name exactly one device.", valueName: "device"),
        completion: LiveCompletion.devices, transform: BlankValue.refused)
    var device: String
}

/// The devices of `bind` and `unbind`: one transaction.
struct TransactionDeviceArguments: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Devices: \(DeviceArgumentHelp.forms). All devices named form one transaction.", valueName: "device"),
        completion: LiveCompletion.devices, transform: BlankValue.refused)
    var devices: [String]

    func validate() throws {
        if devices.isEmpty { throw ValidationError("name at least one device") }
    }
}

/// `--state-dir`: where the lock, the journal and the records are. `Contents` says in the help what
/// the directory holds for the command.
struct StateDirectoryOption<Contents: StateDirectoryContents>: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "\(Contents.help) (default: $VFIOCTL_STATE_DIR, else /run/vfioctl).", valueName: "DIR"),
        completion: .directory, transform: BlankValue.refused)
    var stateDir: String?

    /// --state-dir, else $VFIOCTL_STATE_DIR, else /run/vfioctl.
    func stateDirectory(_ context: CommandContext) -> String {
        stateDir ?? EnvironmentVariable.stateDir.value(in: context) ?? StateStore.defaultDirectory
    }
}

/// The lock a command that changes the system waits for, and the state directory that holds it.
struct LockOptions<Contents: StateDirectoryContents>: ParsableArguments {
    @Option(help: ArgumentHelp("Seconds to wait for another vfioctl to finish (default: 60).", valueName: "seconds"))
    var lockTimeout: Double = 60

    @OptionGroup var directory: StateDirectoryOption<Contents>

    func validate() throws {
        guard lockTimeout >= 0 else { throw ValidationError("timeouts must be positive") }
    }

    func stateDirectory(_ context: CommandContext) -> String { directory.stateDirectory(context) }
}

/// The start of a command's `--state-dir` help: what the directory holds for it.
protocol StateDirectoryContents {
    static var help: String { get }
}

/// `bind`, `unbind`, `apply` and the other commands that move devices keep a journal and records.
enum BindingState: StateDirectoryContents {
    static let help = "State directory for the lock, journal and records"
}

/// `reset` only takes the lock.
enum LockOnly: StateDirectoryContents {
    static let help = "State directory for the lock"
}

/// `status` only reads the records.
enum RecordsOnly: StateDirectoryContents {
    static let help = "State directory"
}

extension Option where Value == [ForceCode] {
    /// `--force CODE` (repeatable) of the commands that make the safety checks: `help` says what it
    /// overrides, the codes are listed after it.
    init(wrappedValue: [ForceCode], overriding help: String) {
        self.init(
            wrappedValue: wrappedValue, name: .customLong("force"),
            help: ArgumentHelp("\(help) (repeatable): \(ForceCode.valueList).", valueName: "code"),
            completion: ForceCode.completion, transform: ForceCode.parsed)
    }
}

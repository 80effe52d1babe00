#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import VFIOCore
import VFIOSystem

/// Everything a command reaches outside its arguments, as swiftly's commands take a context: the
/// kernel (sysfs, modprobe, /dev), the devices, what the safety checks see of the host, the state
/// directory, the output streams, the environment and the clock. `vfioctl`'s main runs with
/// `live()`; tests build one over a fake tree or the kernel simulator and read what was printed.
public struct CommandContext: Sendable {
    /// The kernel behind a device source: reads and writes of its sysfs, modprobe, device nodes.
    public var kernel: @Sendable (DeviceSource) -> any KernelAccess
    /// The devices of a source (libudev for the live system, a walk of the tree otherwise), without
    /// reading what would wait for the lock of a device with a pending write.
    public var enumerate:
        @Sendable (DeviceSource, HostUseScan, PendingDeviceWrites) throws(VFIOError) -> DeviceInventory
    /// What the safety checks know of the host around a source's devices: processes, mounts,
    /// addresses. A tree has none of its own unless a test gives it a proc directory.
    public var hostState: @Sendable (DeviceSource, _ procRoot: String?) -> HostState
    /// The state directory (lock, journal, records) at a path.
    public var stateStore: @Sendable (_ directory: String) -> StateStore
    public var standardOutput: OutputStream
    public var standardError: OutputStream
    /// The process environment: the VFIOCTL_* defaults, udev's SEQNUM and DEVPATH.
    public var environment: [String: String]
    /// Seconds since the epoch, stamped on the journal and the managed records.
    public var clock: @Sendable () -> Int
    /// The owner, group and mode of a source's VFIO nodes (`bind --owner`, `status`): /dev for the
    /// live system, TREE/dev for a tree; tests give a directory of their own.
    public var deviceNodes: @Sendable (DeviceSource) -> any DeviceNodeAccess = { source in
        LiveDeviceNodes(devRoot: source.devRoot)
    }
    /// Whether a udev daemon handles this kernel's events, so a bind waits for it to settle (the
    /// live system); a simulated kernel has none.
    public var waitsForUdev = true

    public init(
        kernel: @escaping @Sendable (DeviceSource) -> any KernelAccess,
        enumerate:
            @escaping @Sendable (DeviceSource, HostUseScan, PendingDeviceWrites) throws(VFIOError) ->
            DeviceInventory,
        hostState: @escaping @Sendable (DeviceSource, String?) -> HostState,
        stateStore: @escaping @Sendable (String) -> StateStore,
        standardOutput: OutputStream, standardError: OutputStream, environment: [String: String],
        clock: @escaping @Sendable () -> Int
    ) {
        self.kernel = kernel
        self.enumerate = enumerate
        self.hostState = hostState
        self.stateStore = stateStore
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.environment = environment
        self.clock = clock
    }

    /// The running system: /sys and /dev (or a tree given with --sysfs-root), libudev, /proc, the
    /// process's stdout and stderr, its environment and the wall clock.
    public static func live(environment: [String: String] = ProcessEnvironment.current()) -> CommandContext {
        CommandContext(
            kernel: { source in
                switch source {
                case .live: LiveKernel(sysfsRoot: "/sys", devRoot: "/dev")
                // `--sysfs-root /sys` is the live system's sysfs: its device nodes are in /dev.
                case .sysfsTree(let root): LiveKernel(sysfsRoot: root, devRoot: source.devRoot)
                }
            },
            enumerate: { (source, hostUse, pending) throws(VFIOError) in
                try source.enumerate(hostUse: hostUse, pendingWrites: pending)
            },
            hostState: { source, procRoot in
                switch source {
                case .live: HostState.capture()
                case .sysfsTree(let root):
                    procRoot.map { HostState.capture(sysfsRoot: root, procRoot: $0, devRoot: root + "/dev") }
                        ?? HostState()
                }
            },
            stateStore: { StateStore(directory: $0) },
            standardOutput: .fileDescriptor(STDOUT_FILENO), standardError: .fileDescriptor(STDERR_FILENO),
            environment: environment, clock: { Int(time(nil)) })
    }

    /// A variable's value; unset and empty are the same (`EnvironmentVariable.checkAll` refuses
    /// empty vfioctl variables before any command runs).
    func environment(_ name: String) -> String? {
        environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    var terminal: Terminal { Terminal(standardOutput: standardOutput, standardError: standardError) }
}

extension DeviceSource {
    /// Where the source's device nodes are: `/dev`, or TREE/dev for a tree (`--sysfs-root /sys` is
    /// the live system's sysfs: its device nodes are in /dev).
    var devRoot: String {
        switch self {
        case .live: "/dev"
        case .sysfsTree(let root): root == "/sys" ? "/dev" : root + "/dev"
        }
    }
}

/// This process's environment, as a dictionary.
public enum ProcessEnvironment {
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }
}

/// A vfioctl command: everything it touches comes from the context, so tests run it in-process.
package protocol ContextCommand: ParsableCommand {
    func run(_ context: CommandContext) throws
}

extension ContextCommand {
    /// swift-argument-parser's entry point, should anything call it: the live system.
    package func run() throws { try run(CommandContext.live()) }
}

#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Every sysfs write a transaction makes goes through here: it is logged (for `--json` and
/// `--dry-run`), counted (for the crash-test hook), and in dry-run mode not executed at all. With a
/// `writeTimeout`, each write the kernel may block (unbind, bind, drivers_probe, remove, reset,
/// sriov_numvfs) is
/// bounded (KernelAccess.boundedWrite); after one is left pending no other write is made: the
/// pending one holds the device's lock in the kernel, and any write to the device would block too.
public final class KernelWriter: @unchecked Sendable {
    public typealias Step = SysfsWriteStep

    public let kernel: any KernelAccess
    public let dryRun: Bool
    public private(set) var steps: [Step] = []
    /// Things that went wrong without failing the operation (a dynamic id that could not be removed).
    public private(set) var warnings: [String] = []
    /// Seconds each blocking write may take; nil: made in place, unbounded.
    public var writeTimeout: Double?
    /// The write still blocked in the kernel when its time ran out.
    public private(set) var pending: PendingWrite?

    public struct PendingWrite: Sendable, Equatable {
        /// As a user would write it (`/sys/bus/pci/drivers/vfio-pci/unbind`).
        public var path: String
        public var value: String
        /// The process the write is blocked in: it exits once the kernel lets the write return.
        public var pid: Int32
        public var description: String { "write \"\(value)\" > \(path) (process \(pid))" }

        /// As the journal keeps it, for the device `address` when the write is for one device.
        public func journaled(for address: PCIAddress?) -> Journal.Pending {
            Journal.Pending(address: address, path: path, value: value, pid: Int(pid))
        }
    }

    /// The writes the kernel may block for as long as a user holds the device: removing VFs
    /// (`sriov_numvfs`) unbinds each of them; `reset_method` probes each method it is given.
    static func mayBlock(_ path: String) -> Bool {
        path.hasSuffix("/unbind") || path.hasSuffix("/bind") || path.hasSuffix("/drivers_probe")
            || path.hasSuffix("/remove") || path.hasSuffix("/reset") || path.hasSuffix("/sriov_numvfs")
            || path.hasSuffix("/reset_method")
    }
    public func warn(_ text: String) { warnings.append(text) }
    private var writesDone = 0
    /// Test hook: `VFIOCTL_TEST_CRASH_AFTER_WRITE=N` ends the process right after the N-th real write,
    /// as a SIGKILL or power cut would, so tests can prove `vfioctl recover` puts things back.
    private let crashAfterWrite: Int?

    /// What `displayPath` puts before a relative path (`/sys/`).
    private let displayPrefix: String

    public init(kernel: any KernelAccess, dryRun: Bool, crashAfterWrite: Int? = KernelWriter.crashHookFromEnvironment())
    {
        self.kernel = kernel
        displayPrefix = kernel.displayPath("")
        self.dryRun = dryRun
        self.crashAfterWrite = crashAfterWrite
    }

    public static func crashHookFromEnvironment() -> Int? {
        getenv("VFIOCTL_TEST_CRASH_AFTER_WRITE").flatMap { Int(String(cString: $0)) }
    }

    public func write(_ path: String, _ value: String) throws(SysfsError) {
        if dryRun {
            steps.append(Step(displayPrefix: displayPrefix, relativePath: path, value: value))
            return
        }
        if let pending {
            let error = SysfsError(
                .write, displayPrefix + path, errno: EAGAIN,
                detail: "not made: the earlier \(pending.description) is still blocked in the kernel")
            steps.append(
                Step(
                    displayPrefix: displayPrefix, relativePath: path, value: value,
                    error: "not made (a write is pending)", errno: EAGAIN))
            throw error
        }
        let outcome: BoundedWrite
        do {
            if let writeTimeout, Self.mayBlock(path) {
                outcome = try kernel.boundedWrite(path, value, timeout: writeTimeout)
            } else {
                try kernel.write(path, value)
                outcome = .done
            }
        } catch {
            steps.append(
                Step(
                    displayPrefix: displayPrefix, relativePath: path, value: value, error: errnoName(error.errno),
                    errno: error.errno))
            throw error
        }
        if case .pending(let pid) = outcome {
            let shown = displayPrefix + path
            pending = PendingWrite(path: shown, value: value, pid: pid)
            steps.append(
                Step(
                    displayPrefix: displayPrefix, relativePath: path, value: value,
                    error: "pending: still blocked in the kernel after \(writeTimeout ?? 0) s (process \(pid))",
                    errno: ETIMEDOUT))
            throw SysfsError(
                .write, shown, errno: ETIMEDOUT,
                detail: "still blocked in the kernel after \(writeTimeout ?? 0) s, in process \(pid)")
        }
        steps.append(Step(displayPrefix: displayPrefix, relativePath: path, value: value))
        writesDone += 1
        if let crashAfterWrite, writesDone >= crashAfterWrite { _exit(99) }
    }

    /// Steps taken since `mark` (an index into `steps`).
    public var mark: Int { steps.count }
    public func steps(since mark: Int) -> [Step] { Array(steps[mark...]) }
}

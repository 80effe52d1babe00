#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Every sysfs write a transaction makes goes through here: it is logged (for `--json` and
/// `--dry-run`), counted (for the crash-test hook), and in dry-run mode not executed at all.
public final class KernelWriter: @unchecked Sendable {
    public typealias Step = SysfsWriteStep

    public let kernel: any KernelAccess
    public let dryRun: Bool
    public private(set) var steps: [Step] = []
    /// Things that went wrong without failing the operation (a dynamic id that could not be removed).
    public private(set) var warnings: [String] = []
    public func warn(_ text: String) { warnings.append(text) }
    private var writesDone = 0
    /// Test hook: `VFIOCTL_TEST_CRASH_AFTER_WRITE=N` ends the process right after the N-th real write,
    /// as a SIGKILL or power cut would, so tests can prove `vfioctl recover` puts things back.
    private let crashAfterWrite: Int?

    /// What `displayPath` puts before a relative path (`/sys/`).
    private let displayPrefix: String

    public init(kernel: any KernelAccess, dryRun: Bool, crashAfterWrite: Int? = KernelWriter.crashHookFromEnvironment()) {
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
        do {
            try kernel.write(path, value)
            steps.append(Step(displayPrefix: displayPrefix, relativePath: path, value: value))
        } catch {
            steps.append(Step(displayPrefix: displayPrefix, relativePath: path, value: value, error: errnoName(error.errno), errno: error.errno))
            throw error
        }
        writesDone += 1
        if let crashAfterWrite, writesDone >= crashAfterWrite { _exit(99) }
    }

    /// Steps taken since `mark` (an index into `steps`).
    public var mark: Int { steps.count }
    public func steps(since mark: Int) -> [Step] { Array(steps[mark...]) }
}

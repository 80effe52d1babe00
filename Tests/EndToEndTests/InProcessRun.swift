#if canImport(Glibc)
import Glibc
#endif
import VFIOCommands

/// Runs a vfioctl command line in this process, through the same entry point as the binary
/// (`VFIOCtl.main`) with the live context's kernel, enumeration and state directory, but the
/// environment the test chose and output captured in memory: no process to start, so a test of a
/// command costs what the command costs.
///
/// What only a real process can show stays on `Subprocess`: another user (setpriv), a crash in the
/// middle of a transaction (VFIOCTL_TEST_CRASH_AFTER_WRITE ends the process), the working directory,
/// stdin and terminals, the programs it executes (strace), signals, hangs and memory limits.
enum InProcessRun {
    static func run(_ arguments: [String], environment: [String: String]) -> CLIRun {
        let stdout = OutputBuffer(), stderr = OutputBuffer()
        var context = CommandContext.live(environment: environment)
        context.standardOutput = stdout.stream
        context.standardError = stderr.stream
        let status = VFIOCtl.main(arguments, context: context)
        return CLIRun(status: status, stdout: stdout.text, stderr: stderr.text)
    }

    /// Whether the run needs a process of its own (see above). `VFIOCTL_E2E_PROCESS=1` in the test's
    /// environment runs every command line as the built binary instead: the same assertions then
    /// check that the binary behaves as the in-process runs do.
    static func needsProcess(environment: [String: String]) -> Bool {
        environment["VFIOCTL_TEST_CRASH_AFTER_WRITE"] != nil || everyRunIsAProcess
    }

    static let everyRunIsAProcess = getenv("VFIOCTL_E2E_PROCESS").map { String(cString: $0) == "1" } ?? false
}

/// Output kept in memory; written from any thread.
final class OutputBuffer: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var storage: [UInt8] = []

    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }

    var stream: OutputStream {
        OutputStream { [self] bytes in
            pthread_mutex_lock(&mutex)
            storage += bytes
            pthread_mutex_unlock(&mutex)
        }
    }

    var text: String {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return String(decoding: storage, as: UTF8.self)
    }
}

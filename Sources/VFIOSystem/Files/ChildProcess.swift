#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Runs a program and waits for it; used only for modprobe, never per device during enumeration.
enum ChildProcess {
    /// The exit status, or 128+signal, or 127 when it could not be started.
    static func run(_ arguments: [String]) -> Int32 {
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawn(&pid, arguments[0], nil, nil, &argv, environ)
        guard spawned == 0 else { return 127 }
        var status: Int32 = 0
        guard retryingOnInterrupt({ waitpid(pid, &status, 0) }) >= 0 else { return 127 }
        if status & 0x7F == 0 { return (status >> 8) & 0xFF }
        return 128 + (status & 0x7F)
    }
}

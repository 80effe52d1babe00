#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess {
    /// Runs a program with stdin from /dev/null and its stdout read into memory (up to `limit`
    /// bytes; the rest is drained and dropped); stderr stays ours. The exit status as `run` gives it.
    /// `lsinitramfs IMAGE | ...`, without a shell.
    static func output(_ arguments: [String], limit: Int = 64 << 20) -> (status: Int32, output: [UInt8]) {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { return (127, []) }
        // Neither end leaks into the program: it gets the write end as its stdout only.
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)

        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        close(pipeEnds[1])
        guard spawned == 0 else {
            close(pipeEnds[0])
            return (127, [])
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { bytes in
                retryingOnInterrupt { read(pipeEnds[0], bytes.baseAddress, bytes.count) }
            }
            if count <= 0 { break }
            if output.count < limit { output += buffer.prefix(min(count, limit - output.count)) }
        }
        close(pipeEnds[0])
        var status: Int32 = 0
        guard retryingOnInterrupt({ waitpid(pid, &status, 0) }) >= 0 else { return (127, output) }
        if status & 0x7F == 0 { return ((status >> 8) & 0xFF, output) }
        return (128 + (status & 0x7F), output)
    }
}

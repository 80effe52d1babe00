#if canImport(Glibc)
import Glibc
#endif

/// Runs a system call again for as long as it fails with EINTR (a signal handler ran before the call
/// could do anything), and returns its first other result: `-1` with `errno` set, or success.
///
/// For the calls that report failure as `-1` (read, write, getdents64, waitpid, poll, flock, ...). Never
/// for close(2): on Linux the descriptor is gone even when close says EINTR, and a retry could close
/// a descriptor another thread just opened.
@inline(__always)
public func retryingOnInterrupt<Result: SignedInteger>(_ call: () -> Result) -> Result {
    while true {
        let result = call()
        if result >= 0 || errno != EINTR { return result }
    }
}

// The pure core imports Glibc for fnmatch(3) only: a pure libc function (no syscall, no state but the
// locale, which vfioctl never sets).
#if canImport(Glibc)
import Glibc
#endif

/// `fnmatch(pattern, string, 0)`: the shell-style matching libkmod applies to alias patterns (the part of a
/// `modules.alias` pattern from its first wildcard on, see `AliasPattern.matches(_:)`) and to the patterns
/// of modprobe.d `alias` and `install` lines. libkmod passes no flags, so `*` and `?` match any byte, `/`
/// and a leading `.` included; `\x` matches `x`; `[...]` is a bracket expression (`!` or `^` negates).
///
/// glibc's answer depends on the locale; vfioctl never calls `setlocale`, so it runs in the C locale (one
/// byte per character, ranges by byte value), as kmod's tools do. A NUL byte ends either string, as in C.
public enum FNMatch {
    /// Whether `string` matches `pattern`.
    public static func matches(pattern: String, _ string: String) -> Bool {
        fnmatch(pattern, string, 0) == 0
    }

    /// The same for C strings (NUL-terminated byte buffers), without copying them.
    package static func matches(pattern: UnsafePointer<UInt8>, _ string: UnsafePointer<UInt8>) -> Bool {
        pattern.withMemoryRebound(to: CChar.self, capacity: 1) { pattern in
            string.withMemoryRebound(to: CChar.self, capacity: 1) { string in fnmatch(pattern, string, 0) == 0 }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Exact expected output of the renderers, kept as files under `Present/Golden/` next to this file.
///
/// A renderer change shows up as a diff of these files in review. To accept an intended change:
///
///     VFIOCTL_UPDATE_GOLDEN=1 swift test --filter GoldenTests
///
/// which rewrites every compared file and fails each test it rewrote (so an update run can never
/// pass by itself); then review `git diff Tests/` and run again without the variable. The variable
/// is ignored when `CI` is set: CI only ever compares.
enum Golden {
    static let directory: String = {
        let file = #filePath
        return String(file[..<file.lastIndex(of: "/")!]) + "/Golden"
    }()

    static var updating: Bool {
        guard let value = getenv("VFIOCTL_UPDATE_GOLDEN"), String(cString: value) == "1" else { return false }
        return getenv("CI") == nil
    }

    /// Compares `actual` with the file `name`, byte for byte.
    static func check(_ actual: String, _ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let path = directory + "/" + name
        if updating {
            if read(path) != actual {
                write(actual, to: path)
                Issue.record(
                    "updated \(path): review the diff, then run again without VFIOCTL_UPDATE_GOLDEN",
                    sourceLocation: sourceLocation)
            }
            return
        }
        guard let expected = read(path) else {
            Issue.record(
                "no golden file \(path): create it with VFIOCTL_UPDATE_GOLDEN=1 (see Golden.swift)",
                sourceLocation: sourceLocation)
            return
        }
        if actual != expected {
            let message =
                "output differs from \(name) \(firstDifference(expected, actual)); to accept the change "
                + "run with VFIOCTL_UPDATE_GOLDEN=1 and review the diff\n--- actual ---\n\(actual)"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
    }

    /// `at line N: expected "…", got "…"`, the first line that differs.
    static func firstDifference(_ expected: String, _ actual: String) -> String {
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let got = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(want.count, got.count) {
            let a = index < want.count ? String(want[index]) : "(end)"
            let b = index < got.count ? String(got[index]) : "(end)"
            if a != b { return "at line \(index + 1): expected \"\(a)\", got \"\(b)\"" }
        }
        return "(same lines, different bytes)"
    }

    private static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += chunk[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func write(_ text: String, to path: String) {
        mkdir(directory, 0o755)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "cannot write \(path)")
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            precondition(n > 0, "cannot write \(path)")
            written += n
        }
    }
}

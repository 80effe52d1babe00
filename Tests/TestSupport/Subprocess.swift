import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One run of a program, as the tests that run the built binaries (or a wrapper such as strace,
/// timeout or setpriv in front of them) see it.
public struct Subprocess: Sendable {
    public var status: Int32
    /// True when `status` is a signal number (the program was killed), not an exit status.
    public var signalled: Bool
    /// The output as written (a test of escaping needs the bytes, not their UTF-8 reading).
    public var stdoutBytes: [UInt8]
    public var stderrBytes: [UInt8]
    public var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
    public var stderr: String { String(decoding: stderrBytes, as: UTF8.self) }

    /// Runs `command` (the program, then its arguments) with exactly `environment`, standard input
    /// from /dev/null, and waits for it. Output goes to files, not pipes: with two pipes, a child
    /// that fills one while the test reads the other to its end would hang both.
    public static func run(
        _ command: [String], environment: [String: String],
        directory: String? = nil
    ) throws -> Subprocess {
        let scratch = try TemporaryDirectory(prefix: "vfioctl-run")
        defer { scratch.remove() }
        let outPath = scratch.path + "/stdout", errPath = scratch.path + "/stderr"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        let bytes = { (path: String) in [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }
        return Subprocess(
            status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
            stdoutBytes: bytes(outPath), stderrBytes: bytes(errPath))
    }

    /// This process's environment without vfioctl's own variables, with `extra` on top: a run that
    /// sees only the inputs its test chose.
    public static func cleanEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VFIOCTL_") }.merging(extra) { $1 }
    }
}

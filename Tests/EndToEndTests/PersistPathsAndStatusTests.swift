// The exit status of `diff`, `apply` and `persist` follows README's "Exit status" when a file
// cannot be read (5 permission, 4 missing, 2 not a file), relative paths are taken from the
// current directory, and `persist --root DIR` never runs systemctl or udevadm: they act on the
// running system, not on DIR. Permission cases run as "nobody" (setpriv), as root reads anything.
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Runs vfioctl in `directory` as root or as "nobody"; `CLIHost`'s environment otherwise.
private func run(
    _ host: CLIHost, _ arguments: [String], in directory: String? = nil, asNobody: Bool = false,
    traced trace: String? = nil
) throws -> CLIRun {
    var argv = [CLIHost.binary] + arguments
    if let trace { argv = ["/usr/bin/strace", "-f", "-qq", "-e", "trace=execve,execveat", "-o", trace, "--"] + argv }
    if asNobody { argv = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv }
    return CLIRun(try Subprocess.run(argv, environment: host.environment(), directory: directory))
}

private let stateText = """
    [[device]]
    address = "0000:0a:00.0"
    vendor = "10ec"
    device = "525a"
    state = "vfio"

    """

/// A CLIHost whose files "nobody" can reach (mkdtemp makes the directory 0700), with a state file.
private func readableHost() throws -> (host: CLIHost, stateFile: String) {
    let host = try CLIHost()
    chmod(host.root, 0o755)
    let file = host.root + "/state.toml"
    try stateText.write(toFile: file, atomically: true, encoding: .utf8)
    chmod(file, 0o644)
    return (host, file)
}

@Suite("exit status and paths of diff, apply and persist", .serialized)
struct PersistPathsAndStatusTests {
    @Test(arguments: [
        ["diff", "FILE"], ["apply", "FILE", "--dry-run"], ["persist", "enable", "FILE", "--root", "ROOT", "--dry-run"]
    ])
    func aStateFileThatCannotBeReadHasTheDocumentedStatus(_ command: [String]) throws {
        let (host, file) = try readableHost()
        let arguments = { (file: String) in
            command.map { $0 == "FILE" ? file : $0 == "ROOT" ? host.root + "/image" : $0 }
        }
        chmod(file, 0o600)  // root's, unreadable by nobody
        let denied = try run(host, arguments(file), asNobody: true)
        #expect(denied.status == 5, "permission: \(denied)")
        #expect(denied.stderr.contains("EACCES"), "\(denied)")

        let missing = try run(host, arguments(host.root + "/missing.toml"))
        #expect(missing.status == 4, "missing: \(missing)")

        let directory = try run(host, arguments(host.root))
        #expect(directory.status == 2, "a directory: \(directory)")
        #expect(directory.stderr.contains("a directory, not a regular file"), "\(directory)")
    }

    @Test func persistStatusSaysWhenPermissionIsTheCause() throws {
        let (host, file) = try readableHost()
        let root = host.root + "/image"
        #expect(try run(host, ["persist", "enable", file, "--root", root, "--binary", CLIHost.binary]).status == 0)
        let readable = try run(host, ["persist", "status", "--root", root], asNobody: true)
        #expect(readable.status == 0, "\(readable)")

        // The installed state file unreadable: status says why, and exits 5 (not 2, "invalid").
        chmod(root + "/etc/vfioctl/state.toml", 0o600)
        let unreadable = try run(host, ["persist", "status", "--root", root, "--json"], asNobody: true)
        #expect(unreadable.status == 5, "\(unreadable)")
        #expect((unreadable.json?["state_file_error"] as? String)?.contains("EACCES") == true, "\(unreadable)")
        let text = try run(host, ["persist", "status", "--root", root], asNobody: true)
        #expect(text.status == 5, "\(text)")
        #expect(!text.stdout.contains("INVALID"), "an unreadable file is not an invalid one: \(text)")

        // Its directory unsearchable: whether anything is installed cannot be told.
        chmod(root + "/etc/vfioctl", 0o700)
        let hidden = try run(host, ["persist", "status", "--root", root], asNobody: true)
        #expect(hidden.status == 5, "\(hidden)")
        #expect(hidden.stderr.contains("EACCES"), "\(hidden)")
    }

    @Test func aRelativeRootIsTakenFromTheCurrentDirectory() throws {
        let (host, file) = try readableHost()
        // Before the fix, the root's directories were made from / instead (here under /tmp, with a
        // name no one else uses), and the files themselves then failed with ENOENT.
        let name = "vfioctl-relative-root-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { TemporaryDirectory.removeTree("/tmp/" + name) }
        let relative = "tmp/" + name
        let enable = try run(
            host, ["persist", "enable", file, "--root", relative, "--binary", CLIHost.binary], in: host.root)
        #expect(enable.status == 0, "\(enable)")
        #expect(
            FileManager.default.fileExists(atPath: host.root + "/" + relative + "/etc/vfioctl/state.toml"), "\(enable)")
        #expect(
            !FileManager.default.fileExists(atPath: "/tmp/" + name), "made under / instead of the current directory")

        let status = try run(host, ["persist", "status", "--root", "./" + relative, "--json"], in: host.root)
        #expect(status.json?["enabled"] as? Bool == true, "\(status)")
        let disable = try run(host, ["persist", "disable", "--root", relative], in: host.root)
        #expect(disable.status == 0 && disable.stdout.contains("removed /etc/vfioctl/state.toml"), "\(disable)")
    }

    /// An empty --root (an unset shell variable) named the host's /etc ("" + "/etc/..."), and a blank
    /// one a directory named " ": both are usage errors. Only `status` is run here: it reads.
    @Test func aBlankRootIsRefused() throws {
        let (host, _) = try readableHost()
        for root in ["", " "] {
            let status = try run(host, ["persist", "status", "--root", root], in: host.root)
            #expect(status.status == 2, "--root \(root.debugDescription): \(status)")
            #expect(status.stderr.contains("'--root <DIR>': empty or blank values are not allowed"), "\(status)")
        }
    }

    /// Every other path of apply/diff/persist may be relative too.
    @Test func relativePathsWorkEverywhere() throws {
        let (host, _) = try readableHost()
        try FileManager.default.createDirectory(atPath: host.root + "/rules", withIntermediateDirectories: true)
        let relativeSources = ["--sysfs-root", "sysfs", "--modules-dir", "modules/6.1.0-e2e", "--rules-dir", "rules"]
        let diff = try run(host, ["diff", "state.toml"] + relativeSources, in: host.root)
        #expect(diff.status == 7, "\(diff)")
        let apply = try run(
            host, ["apply", "state.toml", "--dry-run", "--state-dir", "state"] + relativeSources, in: host.root)
        #expect(apply.status == 7, "\(apply)")
        let enable = try run(
            host, ["persist", "enable", "state.toml", "--root", "image", "--binary", CLIHost.binary], in: host.root)
        #expect(enable.status == 0, "\(enable)")
        let restore = try run(
            host,
            ["persist", "disable", "--root", "image", "--restore", "--dry-run", "--state-dir", "state"]
                + relativeSources.prefix(2), in: host.root)
        #expect(restore.status == 0 && restore.stdout.contains("would remove /etc/vfioctl/state.toml"), "\(restore)")
    }

    /// With --root, the files are an image's: the host's systemd and udev are never told.
    @Test(.enabled(if: access("/usr/bin/strace", X_OK) == 0, "skipped: strace is not installed"))
    func persistUnderARootRunsNoProgram() throws {
        let (host, file) = try readableHost()
        let traces = try TemporaryDirectory(prefix: "vfioctl-persist-traces")
        defer { traces.remove() }
        let root = host.root + "/image"
        for (index, arguments) in [
            ["persist", "enable", file, "--root", root, "--binary", CLIHost.binary],
            ["persist", "disable", "--root", root]
        ].enumerated() {
            let trace = traces.path + "/\(index)"
            let result = try run(host, arguments, traced: trace)
            #expect(result.status == 0, "\(result)")
            #expect(!result.stdout.contains("reloaded"), "\(result)")
            let programs = ((try? String(contentsOfFile: trace, encoding: .utf8)) ?? "").split(separator: "\n").filter {
                $0.contains("execve")
            }
            #expect(
                programs.count == 1, "\(arguments.joined(separator: " ")) ran:\n\(programs.joined(separator: "\n"))")
        }
    }
}

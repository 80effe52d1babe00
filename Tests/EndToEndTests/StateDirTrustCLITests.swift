// End-to-end tests of the state directory's trust rule and of what `recover` and `status` say:
// exit statuses, one error line naming the path and the fix, and no silence.
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct StateDirTrustCLITests {
    func errorLines(_ run: CLIRun) -> [Substring] {
        run.stderr.split(separator: "\n").filter { $0.hasPrefix("vfioctl: error:") }
    }

    func override(_ host: CLIHost) -> String? {
        host.file("bus/pci/devices/0000:0a:00.0/driver_override")?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every command that uses the state refuses another user's directory with exit 5 and one line
    /// that names the directory and the fix; nothing is written to the tree.
    @Test func anotherUsersStateDirectoryIsRefusedWithExit5() throws {
        let host = try CLIHost()
        try FileManager.default.createDirectory(atPath: host.state, withIntermediateDirectories: true)
        chown(host.state, 65534, 65534)
        let before = override(host)
        for arguments in [
            ["bind", "0a:00.0", "--driver", "vfio-pci"], ["unbind", "0a:00.0"], ["recover"],
            ["recover", "--dry-run"], ["status"], ["status", "--json"]
        ] {
            let run = try host.run(arguments)
            #expect(run.status == 5, "\(arguments): \(run)")
            #expect(errorLines(run).count == 1, "\(arguments): \(run)")
            #expect(run.stderr.contains(host.state), "\(arguments): \(run)")
            #expect(run.stderr.contains("chown root: \(host.state)"), "\(arguments): \(run)")
        }
        #expect(override(host) == before)
        #expect(!FileManager.default.fileExists(atPath: host.state + "/lock"))
    }

    /// Unprivileged, a state directory of a third user is refused for what it is (with its fix),
    /// not as "needs root": running as root would be refused too.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
            "needs /usr/bin/setpriv to drop privileges"))
    func anUnprivilegedUserIsToldTheFixNotToUseSudo() throws {
        let host = try CLIHost()
        chmod(host.root, 0o755)
        try FileManager.default.createDirectory(atPath: host.state, withIntermediateDirectories: true)
        chown(host.state, 1000, 1000)
        let run = try host.run(["bind", "0a:00.0", "--driver", "vfio-pci"], asUser: "65534")
        #expect(run.status == 5, "\(run)")
        #expect(run.stderr.contains("owned by uid 1000"), "\(run)")
        #expect(run.stderr.contains("chown 65534 \(host.state)"), "\(run)")
        #expect(!run.stderr.contains("needs root"), "\(run)")
    }

    @Test func aJournalPlantedByAnotherUserIsRefusedWithExit5() throws {
        let host = try CLIHost()
        try FileManager.default.createDirectory(atPath: host.state, withIntermediateDirectories: true)
        let journal = host.state + "/journal.toml"
        try "operation = \"bind\"\npid = 999999\nstarted = 0\n\n[[device]]\naddress = \"0000:09:00.0\"\n"
            .write(toFile: journal, atomically: false, encoding: .utf8)
        chown(journal, 65534, 65534)
        let before = host.file("bus/pci/devices/0000:09:00.0/driver_override")
        let run = try host.run(["bind", "0a:00.0", "--driver", "vfio-pci"])
        #expect(run.status == 5, "\(run)")
        #expect(errorLines(run).count == 1, "\(run)")
        #expect(run.stderr.contains(journal), "\(run)")
        #expect(host.file("bus/pci/devices/0000:09:00.0/driver_override") == before)
        #expect(FileManager.default.fileExists(atPath: journal))
    }

    /// A recovery that fails before a command is reported once, not by the recovery and again by
    /// the command that met the same journal.
    @Test func aFailedRecoveryIsReportedOnce() throws {
        let host = try CLIHost()
        try FileManager.default.createDirectory(atPath: host.state, withIntermediateDirectories: true)
        try
            "operation = \"bind\"\npid = 999999\nstarted = 0\n\n[[device]]\naddress = \"0000:0a:00.0\"\noriginal_driver = \"no-such-driver\"\n"
            .write(toFile: host.state + "/journal.toml", atomically: false, encoding: .utf8)
        let run = try host.run(["bind", "0a:00.0", "--driver", "vfio-pci"])
        #expect(run.status != 0, "\(run)")
        #expect(errorLines(run).count == 1, "\(run)")
        let json = try host.run(["bind", "0a:00.0", "--driver", "vfio-pci", "--json"])
        #expect(json.status == run.status, "\(json)")
        #expect(json.json?["operation"] as? String == "recover", "\(json)")
        #expect((json.json?["error"] as? [String: Any])?["message"] as? String != nil, "\(json)")
    }

    @Test func recoverWithNothingToDoSaysSo() throws {
        let host = try CLIHost()
        for arguments in [["recover"], ["recover", "--dry-run"]] {
            let run = try host.run(arguments)
            #expect(run.status == 0, "\(arguments): \(run)")
            #expect(run.stdout == "nothing to recover\n", "\(arguments): \(run)")
        }
        let json = try host.run(["recover", "--json"])
        #expect(json.status == 0, "\(json)")
        #expect(json.json?["operation"] as? String == "recover", "\(json)")
        #expect(json.json?["checks"] as? [String] == ["nothing to recover"], "\(json)")
        #expect(json.devices.isEmpty)
    }

    /// A journal whose writer is alive and holds the lock is a run in progress: `status` and
    /// `recover --dry-run` name it and describe no moves. Once the lock is free it is a crash.
    @Test func aRunInProgressIsNamedNotDescribed() throws {
        let host = try CLIHost()
        let crashed = try host.run(
            ["bind", "0a:00.0", "--driver", "vfio-pci"], environment: ["VFIOCTL_TEST_CRASH_AFTER_WRITE": "1"])
        #expect(crashed.status == 99, "\(crashed)")
        // This test process plays the run: it holds the lock and the journal names its pid.
        let journalPath = host.state + "/journal.toml"
        let journal = try String(contentsOfFile: journalPath, encoding: .utf8)
        let pidLine = try #require(journal.split(separator: "\n").first { $0.hasPrefix("pid = ") })
        let ours = journal.replacingOccurrences(of: String(pidLine), with: "pid = \(getpid())")
        try ours.write(toFile: journalPath, atomically: true, encoding: .utf8)
        chmod(journalPath, 0o644)
        let lock = open(host.state + "/lock", O_RDWR | O_CLOEXEC)
        #expect(lock >= 0)
        #expect(flock(lock, LOCK_EX | LOCK_NB) == 0)
        let line = "a vfioctl run (PID \(getpid())) is in progress; nothing to recover"
        let dryRun = try host.run(["recover", "--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun)")
        #expect(dryRun.stdout == line + "\n", "\(dryRun)")
        #expect(!dryRun.stdout.contains("would move"), "\(dryRun)")
        let status = try host.run(["status"])
        #expect(status.status == 0, "\(status)")
        #expect(status.stdout.contains(line), "\(status)")
        let statusJSON = try host.run(["status", "--json"])
        let transaction = statusJSON.json?["transaction"] as? [String: Any]
        #expect(transaction?["in_progress"] as? Bool == true, "\(statusJSON)")
        #expect(transaction?["pid"] as? Int == Int(getpid()), "\(statusJSON)")
        close(lock)

        let interrupted = try host.run(["status"])
        #expect(
            interrupted.stdout.contains(
                "an interrupted 'bind' (pid \(getpid())) left a journal: run 'vfioctl recover'"), "\(interrupted)")
        let describe = try host.run(["recover", "--dry-run"])
        #expect(describe.stdout.contains("0000:0a:00.0 would move"), "\(describe)")
        let recovered = try host.run(["recover"])
        #expect(recovered.status == 0, "\(recovered)")
        #expect(override(host) == "")
    }
}

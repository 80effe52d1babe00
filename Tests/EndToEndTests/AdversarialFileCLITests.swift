import Foundation
import Glibc
import TestSupport
import Testing

/// The CLI against files of the wrong kind or size and against a crafted sysfs tree, each run
/// under a deadline (SIGKILL after `deadline` seconds) and a cap on its address space, so a
/// regression that hangs on a FIFO or reads /dev/zero forever fails here instead of hanging the
/// suite or eating the machine's memory.
@Suite struct AdversarialFileCLITests {
    static let deadline = 30

    /// `host.run`, under `timeout -s KILL` and `prlimit --as` (1 GiB). `VFIOCTL_E2E_BINARY` runs
    /// another build (to see these tests fail on an older one).
    private func run(
        _ host: CLIHost, _ arguments: [String], environment extra: [String: String] = [:],
        asUser uid: String? = nil
    ) throws -> CLIRun {
        let binary = ProcessInfo.processInfo.environment["VFIOCTL_E2E_BINARY"] ?? CLIHost.binary
        var command = ["/usr/bin/timeout", "-s", "KILL", "\(Self.deadline)", "/usr/bin/prlimit", "--as=\(1 << 30)"]
        if let uid { command += ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups"] }
        command += [binary] + arguments
        let run = try Subprocess.run(command, environment: host.environment(extra))
        // timeout(1) sends SIGKILL to its process group, itself included.
        let killed = run.signalled && run.status == SIGKILL
        #expect(!killed && run.status != 128 + SIGKILL, "killed after \(Self.deadline) s: it hung (\(arguments))")
        return CLIRun(run)
    }

    enum Wrong: String, CaseIterable, CustomTestStringConvertible {
        case fifo, zeroDevice, nullDevice, directory, huge
        var testDescription: String { rawValue }

        func make(at path: String) {
            unlink(path)
            switch self {
            case .fifo: #expect(mkfifo(path, 0o644) == 0)
            case .zeroDevice: #expect(symlink("/dev/zero", path) == 0)
            case .nullDevice: #expect(symlink("/dev/null", path) == 0)
            case .directory: #expect(mkdir(path, 0o755) == 0)
            case .huge:
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                #expect(ftruncate(fd, off_t(17 << 20)) == 0)
                close(fd)
            }
        }

        var words: String {
            switch self {
            case .fifo: "a FIFO, not a regular file"
            case .zeroDevice, .nullDevice: "a character device, not a regular file"
            case .directory: "a directory, not a regular file"
            case .huge: "larger than 16 MiB"
            }
        }
    }

    @Test(arguments: Wrong.allCases.filter { $0 != .nullDevice })
    func aRuleFileOfTheWrongKindIsExit2(_ wrong: Wrong) throws {
        let host = try CLIHost()
        try TemporaryDirectory.makeDirectory(host.root + "/rules")
        let path = host.root + "/rules/50-bad.toml"
        wrong.make(at: path)
        let run = try run(host, ["plan", "--rules-dir", host.root + "/rules", "01:00.0"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.contains(path) && run.stderr.contains(wrong.words), "\(run)")
    }

    @Test(arguments: Wrong.allCases)
    func aStateFileOfTheWrongKindIsExit2(_ wrong: Wrong) throws {
        let host = try CLIHost()
        let path = host.root + "/state.toml"
        wrong.make(at: path)
        let run = try run(host, ["diff", path])
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.contains(path) && run.stderr.contains(wrong.words), "\(run)")
    }

    /// The lock is held while these are read: a hang here would block every later vfioctl. The
    /// state directory's trust rule refuses anything but a regular file (a FIFO, a link to a device)
    /// with exit status 5; a regular file too large is invalid input (2).
    @Test(arguments: ["journal.toml", "managed.toml"], [Wrong.fifo, .zeroDevice, .huge])
    func aStateDirectoryFileOfTheWrongKindIsRefused(_ name: String, _ wrong: Wrong) throws {
        let host = try CLIHost()
        try TemporaryDirectory.makeDirectory(host.state)
        chmod(host.state, 0o755)
        wrong.make(at: host.state + "/" + name)
        // bind reads the journal under the lock (to recover an interrupted run); status reads both.
        let run = try run(host, name == "journal.toml" ? ["bind", "0a:00.0", "--driver", "vfio-pci"] : ["status"])
        #expect(run.status == (wrong == .huge ? 2 : 5), "\(run)")
        #expect(run.stderr.contains(host.state + "/" + name), "\(run)")
    }

    @Test(arguments: ["modules.alias", "modules.dep"], [Wrong.fifo, .zeroDevice, .huge])
    func aModuleIndexOfTheWrongKindIsExit2(_ name: String, _ wrong: Wrong) throws {
        let host = try CLIHost()
        let path = host.modules + "/" + name
        wrong.make(at: path)
        let run = try run(host, ["plan", "01:00.0"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.contains(path) && run.stderr.contains(wrong.words), "\(run)")
    }

    @Test(arguments: [Wrong.fifo, .zeroDevice, .huge])
    func aModprobeFileOfTheWrongKindIsExit2(_ wrong: Wrong) throws {
        let host = try CLIHost()
        try TemporaryDirectory.makeDirectory(host.root + "/modprobe.d")
        let path = host.root + "/modprobe.d/vfio.conf"
        wrong.make(at: path)
        let run = try run(host, ["plan", "01:00.0"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.contains(path) && run.stderr.contains(wrong.words), "\(run)")
    }

    // MARK: --rules-dir

    @Test func aRulesDirectoryThatIsAFileOrMissingSaysSo() throws {
        let host = try CLIHost()
        try "".write(toFile: host.root + "/rules.toml", atomically: true, encoding: .utf8)
        let file = try run(host, ["plan", "--rules-dir", host.root + "/rules.toml", "01:00.0"])
        #expect(file.status == 2, "\(file)")
        #expect(
            file.stderr.contains("rule directory \(host.root)/rules.toml is not a directory (it is a regular file)"),
            "\(file)")
        let missing = try run(host, ["plan", "--rules-dir", host.root + "/absent", "01:00.0"])
        #expect(missing.status == 4, "\(missing)")
        #expect(missing.stderr.contains("rule directory \(host.root)/absent does not exist"), "\(missing)")
    }

    /// Leaving an unreadable directory's rules out made `plan` choose the generic driver with exit 0.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
            "needs /usr/bin/setpriv to drop privileges"))
    func anUnreadableRulesDirectoryIsExit5() throws {
        let host = try CLIHost()
        chmod(host.root, 0o755)
        try TemporaryDirectory.makeDirectory(host.root + "/rules")
        try "[[rule]]\nvendor = \"10de\"\ndeny = [\"test_gpu_vfio_pci\"]\n".write(
            toFile: host.root + "/rules/50-deny.toml", atomically: true, encoding: .utf8)
        chmod(host.root + "/rules", 0o700)
        let run = try run(host, ["plan", "--rules-dir", host.root + "/rules", "01:00.0"], asUser: "65534")
        #expect(run.status == 5, "\(run)")
        #expect(run.stderr.contains("cannot read rule directory \(host.root)/rules: EACCES"), "\(run)")
    }

    // MARK: the sysfs tree

    @Test(arguments: ["driver_override", "vendor"])
    func aFIFOAttributeInTheTreeDoesNotHangABind(_ attribute: String) throws {
        let host = try CLIHost()
        let path = host.sysfs + "/devices/pci0000:00/0000:00:1b.4/0000:0a:00.0/" + attribute
        #expect(access(path, F_OK) == 0, "\(path)")
        Wrong.fifo.make(at: path)
        let run = try run(host, ["bind", "0a:00.0", "--driver", "vfio-pci"])
        #expect(run.status != 0, "\(run)")
    }

    @Test func aFIFOInitstateDoesNotHangABind() throws {
        let host = try CLIHost()
        Wrong.fifo.make(at: host.sysfs + "/module/vfio_pci/initstate")
        _ = try run(host, ["bind", "0a:00.0", "--driver", "vfio-pci"])
    }

    /// A tree's module link to the host's real /sys/module must not make the host's modules count.
    @Test(.enabled(if: access("/sys/module", F_OK) == 0, "needs a /sys/module on this machine"))
    func aTreeLinkingToTheHostsSysModuleDoesNotReadIt() throws {
        let host = try CLIHost()
        TemporaryDirectory.removeTree(host.sysfs + "/module")
        #expect(symlink("/sys/module", host.sysfs + "/module") == 0)
        let run = try run(host, ["plan", "--json", "01:00.0"])
        #expect(run.stderr.contains("list \(host.sysfs)/module: leads outside the sysfs root (EXDEV"), "\(run)")
    }

    /// A module the tree does not have loaded is not loaded into the host for it: exit 4, before
    /// any write, saying why.
    @Test func noModuleIsLoadedIntoTheHostForATree() throws {
        let host = try CLIHost()
        TemporaryDirectory.removeTree(host.sysfs + "/module/vfio_pci")
        TemporaryDirectory.removeTree(host.sysfs + "/bus/pci/drivers/vfio-pci")
        let override = host.sysfs + "/devices/pci0000:00/0000:00:1b.4/0000:0a:00.0/driver_override"
        let before = try String(contentsOfFile: override, encoding: .utf8)
        let run = try run(host, ["bind", "0a:00.0", "--driver", "vfio-pci"])
        #expect(run.status == 4, "\(run)")
        #expect(
            run.stderr.contains(
                "the sysfs tree at \(host.sysfs) does not have module vfio_pci loaded, and vfioctl does not load modules for a sysfs tree"
            ), "\(run)")
        #expect(try String(contentsOfFile: override, encoding: .utf8) == before, "nothing is written")
    }
}

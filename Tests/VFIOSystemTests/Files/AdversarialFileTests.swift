import Foundation
import Glibc
import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// Configuration and index files of the wrong kind or size: a FIFO, a device, a directory, a file
/// larger than `TextFile.sizeLimit`. Each is refused with an error naming the path and what it is
/// (exit 2), never read: reading a FIFO waits forever for a writer, `/dev/zero` never ends.
///
/// Every read runs under `AdversarialFiles.finishes`: should it block on a FIFO again, the guard
/// opens the FIFO for writing and closes it (the blocked reader gets end-of-file), and the test
/// fails instead of hanging the suite. The device here is a node with no driver behind it (opening
/// it fails): `/dev/zero`, which a regression would read until memory runs out, is tried only in a
/// subprocess with a deadline (AdversarialFileCLITests).
@Suite struct AdversarialFileTests {
    /// The kinds of wrong file, each made at `path`.
    enum Wrong: String, CaseIterable, CustomTestStringConvertible {
        case fifo, device, directory, huge
        var testDescription: String { rawValue }

        func make(at path: String) {
            switch self {
            case .fifo: #expect(mkfifo(path, 0o644) == 0)
            case .device: #expect(mknod(path, S_IFCHR | 0o644, AdversarialFiles.driverlessDevice) == 0)
            case .directory: #expect(mkdir(path, 0o755) == 0)
            case .huge: AdversarialFiles.sparse(path, size: TextFile.sizeLimit + (1 << 20))
            }
        }

        /// What the message says the file is.
        var words: String {
            switch self {
            case .fifo: "a FIFO, not a regular file"
            case .device: "a character device, not a regular file"
            case .directory: "a directory, not a regular file"
            case .huge: "larger than 16 MiB"
            }
        }
    }

    // MARK: TextFile itself

    @Test(arguments: Wrong.allCases)
    func textFileRefusesWhatIsNotARegularFileOfBoundedSize(_ wrong: Wrong) throws {
        try TemporaryDirectory.with { (root: String) throws in
            let path = root + "/file"
            wrong.make(at: path)
            let outcome = AdversarialFiles.finishes(releasing: [path]) { () -> Result<[UInt8], FileReadError> in
                Result { () throws(FileReadError) in try TextFile.bytes(path) }
            }
            guard case .failure(let error)? = outcome else {
                Issue.record(
                    "\(wrong): read \(outcome.map { "\((try? $0.get())?.count ?? -1) bytes" } ?? "nothing: it hung")")
                return
            }
            #expect(error.status == .usage)
            #expect(
                error.description == "\(path): \(wrong.words)" || error.description.hasPrefix("\(path): \(wrong.words)")
            )
        }
    }

    @Test func aLinkToARegularFileIsFollowedAndTheNullDeviceMasksOnlyWhereAsked() throws {
        try TemporaryDirectory.with { (root: String) throws in
            AdversarialFiles.write(root + "/real.toml", "x = 1\n")
            #expect(symlink("real.toml", root + "/link.toml") == 0)
            #expect(symlink("/dev/null", root + "/masked.toml") == 0)
            #expect(try TextFile.read(root + "/link.toml") == "x = 1\n")
            #expect(try TextFile.read(root + "/masked.toml", accept: .regularFileOrNull) == "")
            let error = #expect(throws: FileReadError.self) { try TextFile.read(root + "/masked.toml") }
            #expect(error?.reason == .notRegular(.characterDevice))
            let missing = #expect(throws: FileReadError.self) { try TextFile.read(root + "/absent") }
            #expect(missing?.isMissing == true && missing?.status == .notFound)
        }
    }

    /// /proc files say they are empty; they are read whole all the same.
    @Test func procFilesAreReadThoughTheirSizeSaysZero() throws {
        let text = try TextFile.read("/proc/self/status")
        #expect(text.contains("Pid:"))
    }

    // MARK: each kind of file

    @Test(arguments: Wrong.allCases)
    func ruleFiles(_ wrong: Wrong) throws {
        try TemporaryDirectory.with { (root: String) throws in
            try TemporaryDirectory.makeDirectory(root + "/rules")
            let path = root + "/rules/50-bad.toml"
            wrong.make(at: path)
            let error = AdversarialFiles.vfioError(releasing: [path]) {
                _ = try RuleSet.load(directories: [(root + "/rules", .commandLine)])
            }
            #expect(error?.status == .usage, "\(String(describing: error))")
            #expect(
                error?.message.contains(path) == true && error?.message.contains(wrong.words) == true,
                "\(String(describing: error))")
        }
    }

    @Test func aRuleFileLinkedToDevNullMasksTheShippedOne() throws {
        try TemporaryDirectory.with { (root: String) throws in
            try TemporaryDirectory.makeDirectory(root + "/usr")
            try TemporaryDirectory.makeDirectory(root + "/etc")
            AdversarialFiles.write(root + "/usr/10-a.toml", "[[rule]]\nvendor = \"10de\"\ndrivers = [\"vfio_pci\"]\n")
            #expect(symlink("/dev/null", root + "/etc/10-a.toml") == 0)
            let set = try RuleSet.load(directories: [(root + "/usr", .shippedDefaults), (root + "/etc", .administrator)]
            )
            #expect(set.rules.isEmpty)
            #expect(set.files == [root + "/etc/10-a.toml"])
        }
    }

    @Test(arguments: Wrong.allCases)
    func stateFiles(_ wrong: Wrong) throws {
        try TemporaryDirectory.with { (root: String) throws in
            let path = root + "/state.toml"
            wrong.make(at: path)
            let error = AdversarialFiles.vfioError(releasing: [path]) { _ = try DesiredState.load(path) }
            #expect(error?.status == .usage, "\(String(describing: error))")
            #expect(error?.message.contains(wrong.words) == true, "\(String(describing: error))")
        }
    }

    /// The state directory's trust rule (docs/state-directory.md) refuses anything but a regular
    /// file there with exit status 5; a regular file too large is invalid input (2).
    @Test(arguments: ["journal.toml", "managed.toml"], Wrong.allCases)
    func journalAndManagedRecords(_ name: String, _ wrong: Wrong) throws {
        try TemporaryDirectory.with { (root: String) throws in
            let path = root + "/" + name
            wrong.make(at: path)
            let store = StateStore(directory: root)
            let error = AdversarialFiles.vfioError(releasing: [path]) {
                if name == "journal.toml" { _ = try store.readJournal() } else { _ = try store.readManaged() }
            }
            #expect(error?.status == (wrong == .huge ? .usage : .permissionDenied), "\(String(describing: error))")
            #expect(error?.message.contains(path) == true, "\(String(describing: error))")
        }
    }

    @Test(
        arguments: [
            "modules.alias", "modules.dep", "modules.builtin", "modules.builtin.alias.bin", "modules.builtin.modinfo"
        ],
        Wrong.allCases)
    func moduleIndexes(_ name: String, _ wrong: Wrong) throws {
        try TemporaryDirectory.with { (root: String) throws in
            let modules = root + "/6.1.0-test"
            try TemporaryDirectory.makeDirectory(modules)
            AdversarialFiles.write(modules + "/modules.alias", "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n")
            AdversarialFiles.write(modules + "/modules.dep", "kernel/vfio_pci.ko:\n")
            AdversarialFiles.write(modules + "/modules.builtin", "")
            let path = modules + "/" + name
            unlink(path)
            wrong.make(at: path)
            let error = AdversarialFiles.vfioError(releasing: [path]) {
                _ = try KernelModuleIndex(modulesDirectory: modules)
            }
            #expect(error?.status == .usage, "\(String(describing: error))")
            #expect(
                error?.message.contains(path) == true && error?.message.contains(wrong.words) == true,
                "\(String(describing: error))")
        }
    }

    @Test(arguments: Wrong.allCases.filter { $0 != .directory })
    func modprobeConfiguration(_ wrong: Wrong) throws {
        try TemporaryDirectory.with { (root: String) throws in
            try TemporaryDirectory.makeDirectory(root + "/modprobe.d")
            let path = root + "/modprobe.d/vfio.conf"
            wrong.make(at: path)
            let error = AdversarialFiles.vfioError(releasing: [path]) {
                _ = try ModprobeConfig(directories: [root + "/modprobe.d"])
            }
            #expect(error?.status == .usage, "\(String(describing: error))")
            #expect(
                error?.message.contains(path) == true && error?.message.contains(wrong.words) == true,
                "\(String(describing: error))")
        }
    }

    /// As kmod reads it: a same-named link to /dev/null in a higher-precedence directory masks a file.
    @Test func aModprobeFileLinkedToDevNullMasksTheLowerOne() throws {
        try TemporaryDirectory.with { (root: String) throws in
            try TemporaryDirectory.makeDirectory(root + "/etc")
            try TemporaryDirectory.makeDirectory(root + "/lib")
            AdversarialFiles.write(root + "/lib/vfio.conf", "blacklist nouveau\n")
            #expect(symlink("/dev/null", root + "/etc/vfio.conf") == 0)
            let config = try ModprobeConfig(directories: [root + "/etc", root + "/lib"])
            #expect(config.files == [root + "/etc/vfio.conf"])
            #expect(config.directives.isEmpty && config.warnings.isEmpty)
        }
    }

    // MARK: rule directories

    @Test func aRuleDirectoryNamedOnTheCommandLineMustBeADirectoryThatExists() throws {
        try TemporaryDirectory.with { (root: String) throws in
            AdversarialFiles.write(root + "/file", "")
            #expect(mkfifo(root + "/fifo", 0o644) == 0)
            let missing = #expect(throws: VFIOError.self) {
                try RuleSet.load(directories: [(root + "/absent", .commandLine)])
            }
            #expect(missing?.status == .notFound)
            #expect(missing?.message == "rule directory \(root)/absent does not exist")
            for (name, kind) in [("file", "a regular file"), ("fifo", "a FIFO")] {
                let error = AdversarialFiles.vfioError(releasing: [root + "/fifo"]) {
                    _ = try RuleSet.load(directories: [(root + "/" + name, .commandLine)])
                }
                #expect(error?.status == .usage)
                #expect(
                    error?.message == "rule directory \(root)/\(name) is not a directory (it is \(kind))",
                    "\(String(describing: error))")
            }
        }
    }

    /// The standard directories may be absent; one that is there but is not a directory is not
    /// quietly left out.
    @Test func aStandardRuleDirectoryMayBeAbsentButNotBroken() throws {
        try TemporaryDirectory.with { (root: String) throws in
            AdversarialFiles.write(root + "/file", "")
            #expect(try RuleSet.load(directories: [(root + "/absent", .administrator)]).rules.isEmpty)
            let error = #expect(throws: VFIOError.self) {
                try RuleSet.load(directories: [(root + "/file", .administrator)])
            }
            #expect(error?.status == .usage)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// The state directory as an attacker leaves it: owned by another user, writable by others, reached
/// through symlinks, with planted files, FIFOs and pre-created temp names; and journals that name
/// devices the interrupted run never touched, or hardware that is not there any more. vfioctl must
/// refuse each (exit 5 for trust, 2 for a journal that does not describe this machine, 3 for a
/// safety check) and write nothing. Journals are planted as text, as an attacker would write them.
@Suite(.serialized) struct StateDirTrustTests {
    typealias S = KernelSimulator.Standard
    static let nobody: uid_t = 65534

    /// The error `body` throws, nil when it succeeds.
    func failure(_ body: () throws -> Void) -> VFIOError? {
        do {
            try body()
            return nil
        } catch let error as VFIOError {
            return error
        } catch {
            return VFIOError(.failed, "unexpected \(error)")
        }
    }

    func makeDirectory(_ path: String, mode: mode_t = 0o755) throws {
        guard mkdir(path, mode) == 0 || errno == EEXIST else { throw FakeSysfsError("mkdir \(path): errno \(errno)") }
        chmod(path, mode)
    }

    func write(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FakeSysfsError("open \(path): errno \(errno)") }
        defer { close(fd) }
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, mode)
    }

    func contents(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return n < 0 ? nil : String(decoding: bytes[0..<n], as: UTF8.self)
    }

    func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// A journal as vfioctl writes it: each device with its identity, a `[[moving]]` mark per device reached.
    func journal(
        _ devices: [(PCIAddress, PCIIdentity, original: String?)], moving: [PCIAddress], pid: Int = 999_999
    ) -> String {
        var text = "operation = \"bind\"\npid = \(pid)\nstarted = 0\n"
        for (address, identity, original) in devices {
            text +=
                "\n[[device]]\naddress = \"\(address)\"\nvendor = \"\(identity.vendor)\"\ndevice = \"\(identity.device)\"\n"
            text +=
                "subsystem_vendor = \"\(identity.subsystemVendor)\"\nsubsystem_device = \"\(identity.subsystemDevice)\"\n"
            text += "class = \"\(identity.classCode)\"\n"
            if let original { text += "original_driver = \"\(original)\"\n" }
        }
        for address in moving { text += "\n[[moving]]\naddress = \"\(address)\"\n" }
        return text
    }

    // MARK: the directory

    @Test func aStateDirectoryOwnedByAnotherUserIsRefused() throws {
        let f = EngineFixture()
        try makeDirectory(f.state.directory)
        chown(f.state.directory, Self.nobody, Self.nobody)
        let locking = failure { _ = try f.state.lock(timeout: 0) }
        #expect(locking?.status == .permissionDenied, "\(locking?.description ?? "no error")")
        #expect(locking?.description.contains(f.state.directory) == true)
        #expect(
            locking?.description.contains("chown root: \(f.state.directory)") == true, "\(locking?.description ?? "")")
        #expect(failure { _ = try f.state.readManaged() }?.status == .permissionDenied)
        #expect(failure { _ = try f.state.readJournal() }?.status == .permissionDenied)
        let bind = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(bind.error?.status == .permissionDenied)
        #expect(f.sim.writeCount == 0)
        #expect(!exists(f.state.directory + "/lock"))
    }

    @Test(arguments: [0o775, 0o757, 0o777, 0o1777] as [mode_t])
    func aStateDirectoryOthersCanWriteIsRefused(mode: mode_t) throws {
        let f = EngineFixture()
        try makeDirectory(f.state.directory, mode: mode)
        let locking = failure { _ = try f.state.lock(timeout: 0) }
        #expect(
            locking?.status == .permissionDenied,
            "mode \(String(mode, radix: 8)): \(locking?.description ?? "no error")")
        #expect(failure { _ = try f.state.readManaged() }?.status == .permissionDenied)
        #expect(!exists(f.state.directory + "/lock"))
    }

    /// sshd's StrictModes rule for ancestors: writable by others only when sticky (as /tmp is).
    @Test func aParentOthersCanWriteIsRefusedUnlessSticky() throws {
        let f = EngineFixture()
        let parent = f.tree.path + "/shared"
        try makeDirectory(parent, mode: 0o777)
        let store = StateStore(directory: parent + "/state")
        let refused = failure { _ = try store.lock(timeout: 0) }
        #expect(refused?.status == .permissionDenied, "\(refused?.description ?? "no error")")
        #expect(refused?.description.contains(parent) == true)
        #expect(!exists(parent + "/state"))
        chmod(parent, 0o1777)
        #expect(failure { try store.lock(timeout: 0).release() } == nil)
    }

    @Test func aSymlinkedStateDirectoryIsRefused() throws {
        let f = EngineFixture()
        let real = f.tree.path + "/real"
        try makeDirectory(real)
        symlink(real, f.state.directory)
        let locking = failure { _ = try f.state.lock(timeout: 0) }
        #expect(locking?.status == .permissionDenied, "\(locking?.description ?? "no error")")
        #expect(locking?.description.contains("symbolic link") == true)
        #expect(failure { _ = try f.state.readManaged() }?.status == .permissionDenied)
        #expect(!exists(real + "/lock"))
        // A symlink further up the path is refused the same way.
        try makeDirectory(real + "/state")
        let below = StateStore(directory: f.state.directory + "/state")
        #expect(failure { _ = try below.lock(timeout: 0) }?.status == .permissionDenied)
        #expect(!exists(real + "/state/lock"))
    }

    // MARK: the files

    /// A symlink in place of the lock, the journal or the records is never followed: the file it
    /// points to (root's own) keeps its contents.
    @Test(arguments: ["lock", "journal.toml", "managed.toml"])
    func aSymlinkedStateFileIsRefused(name: String) throws {
        let f = EngineFixture()
        try makeDirectory(f.state.directory)
        let victim = f.tree.path + "/victim"
        try write(victim, "")
        symlink(victim, f.state.directory + "/" + name)
        let error = failure {
            switch name {
            case "lock": _ = try f.state.lock(timeout: 0)
            case "journal.toml": _ = try f.state.readJournal()
            default: _ = try f.state.readManaged()
            }
        }
        #expect(error?.status == .permissionDenied, "\(name): \(error?.description ?? "no error")")
        #expect(error?.description.contains(f.state.directory + "/" + name) == true)
        let bind = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(bind.error?.status == .permissionDenied, "\(name): \(bind.error?.description ?? "no error")")
        #expect(f.sim.writeCount == 0)
        #expect(contents(victim) == "")
    }

    @Test(arguments: ["lock", "journal.toml", "managed.toml"])
    func aStateFileOfAnotherUserIsRefused(name: String) throws {
        let f = EngineFixture()
        try makeDirectory(f.state.directory)
        let path = f.state.directory + "/" + name
        try write(path, "")
        chown(path, Self.nobody, Self.nobody)
        let bind = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(bind.error?.status == .permissionDenied, "\(name): \(bind.error?.description ?? "no error")")
        #expect(bind.error?.description.contains(path) == true)
        #expect(f.sim.writeCount == 0)
    }

    @Test(arguments: ["lock", "journal.toml", "managed.toml"])
    func aStateFileOthersCanWriteIsRefused(name: String) throws {
        let f = EngineFixture()
        try makeDirectory(f.state.directory)
        let path = f.state.directory + "/" + name
        try write(path, "", mode: 0o666)
        let bind = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(bind.error?.status == .permissionDenied, "\(name): \(bind.error?.description ?? "no error")")
        #expect(f.sim.writeCount == 0)
    }

    /// A second name for a state file (a hard link to a file elsewhere) is refused: writing the
    /// records must not change a file outside the state directory.
    @Test(arguments: ["lock", "managed.toml"])
    func aHardLinkedStateFileIsRefused(name: String) throws {
        let f = EngineFixture()
        try makeDirectory(f.state.directory)
        let elsewhere = f.tree.path + "/elsewhere"
        try write(elsewhere, "")
        link(elsewhere, f.state.directory + "/" + name)
        let bind = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(bind.error?.status == .permissionDenied, "\(name): \(bind.error?.description ?? "no error")")
        #expect(bind.error?.description.contains("hard links") == true)
        #expect(f.sim.writeCount == 0)
    }

    /// The old temp name was `NAME.tmp.PID`, opened O_CREAT|O_TRUNC: a symlink planted there had a
    /// root-owned file truncated and overwritten. Temp files are now created exclusively.
    @Test func aTempNamePlantedAsASymlinkIsNotFollowed() throws {
        let f = EngineFixture()
        try makeDirectory(f.state.directory)
        let victim = f.tree.path + "/victim"
        try write(victim, "precious\n")
        for name in ["managed.toml", "journal.toml"] {
            symlink(victim, f.state.directory + "/\(name).tmp.\(getpid())")
        }
        let bind = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(bind.error == nil, "\(bind.error?.description ?? "")")
        #expect(contents(victim) == "precious\n")
        #expect(try f.state.readManaged().map(\.address) == [S.e1000e])
    }

    /// A FIFO in place of a state file is refused at once (opened non-blocking), not waited on.
    @Test func aFIFOInPlaceOfTheJournalIsRefusedWithoutWaiting() throws {
        let f = EngineFixture()
        try makeDirectory(f.state.directory)
        mkfifo(f.state.directory + "/journal.toml", 0o600)
        let error = failure { _ = try f.state.readJournal() }
        #expect(error?.status == .permissionDenied, "\(error?.description ?? "no error")")
    }

    /// Only regular files are state files: a FIFO (which would block a read) or a directory in
    /// place of any of them refuses the command before its first write.
    @Test(arguments: ["lock", "journal.toml", "managed.toml"])
    func aStateFileThatIsNotARegularFileIsRefused(name: String) throws {
        for kind in ["fifo", "directory"] {
            let f = EngineFixture()
            try makeDirectory(f.state.directory)
            let path = f.state.directory + "/" + name
            if kind == "fifo" { mkfifo(path, 0o600) } else { try makeDirectory(path) }
            let bind = try f.bind([S.e1000e], driver: "vfio-pci")
            #expect(
                bind.error?.status == .permissionDenied,
                "\(name) as a \(kind): \(bind.error?.description ?? "no error")")
            #expect(
                bind.error?.description.contains("\(path): it is not a regular file") == true, "\(name) as a \(kind)")
            #expect(f.sim.writeCount == 0)
        }
    }

    // MARK: the journal

    /// The issue's example: a planted journal made root's unrelated `bind` unbind the AHCI
    /// controller. A journal without the identities vfioctl records is refused, and left in place.
    @Test func aPlantedJournalDoesNotMoveTheDeviceItNames() throws {
        let f = EngineFixture()
        try makeDirectory(f.state.directory)
        let journalPath = f.state.directory + "/journal.toml"
        try write(
            journalPath, "operation = \"bind\"\npid = 999999\nstarted = 0\n\n[[device]]\naddress = \"\(S.ahci)\"\n")
        let bind = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(bind.error?.status == .usage, "\(bind.error?.description ?? "no error")")
        #expect(f.sim.driver(of: S.ahci)?.rawValue == "ahci")
        #expect(f.sim.writeCount == 0)
        let recover = f.engine().recover(options: f.options)
        #expect(recover.error?.status == .usage)
        #expect(recover.error?.message.contains(journalPath) == true)
        #expect(f.sim.driver(of: S.ahci)?.rawValue == "ahci")
        #expect(exists(journalPath))
    }

    /// A device the journal lists but never marked as reached was never touched: recovery leaves it.
    @Test func aDeviceTheRunNeverReachedIsLeftAlone() throws {
        let f = EngineFixture()
        try makeDirectory(f.state.directory)
        let ahci = try #require(try f.sim.inventory()[S.ahci])
        try write(f.state.directory + "/journal.toml", journal([(S.ahci, ahci.identity, original: nil)], moving: []))
        let report = f.engine().recover(options: f.options)
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.ahci)?.rawValue == "ahci")
        #expect(f.sim.writeCount == 0)
        #expect(!f.journalExists)
    }

    /// Other hardware at the journal's address: nothing is moved, the journal stays (exit 2).
    @Test func aDeviceWhoseIdentityChangedIsRefused() throws {
        let f = EngineFixture()
        try makeDirectory(f.state.directory)
        var identity = try #require(try f.sim.inventory()[S.e1000e]).identity
        try f.sim.write("bus/pci/devices/\(S.e1000e)/driver_override", "vfio-pci")
        try f.sim.write("bus/pci/drivers/e1000e/unbind", S.e1000e.description)
        let writes = f.sim.writeCount
        for change in 0..<3 {
            var recorded = identity
            switch change {
            case 0: recorded.vendor = VendorID(0x10ec)
            case 1: recorded.subsystemDevice = DeviceID(0xdead)
            default: recorded.classCode = try #require(ClassCode(0x010601))
            }
            try write(
                f.state.directory + "/journal.toml",
                journal([(S.e1000e, recorded, original: "e1000e")], moving: [S.e1000e]))
            let report = f.engine().recover(options: f.options)
            #expect(report.error?.status == .usage, "change \(change): \(report.error?.description ?? "no error")")
            #expect(f.sim.writeCount == writes)
            #expect(f.journalExists)
        }
        identity.revision = nil
        try write(
            f.state.directory + "/journal.toml", journal([(S.e1000e, identity, original: "e1000e")], moving: [S.e1000e])
        )
        let report = f.engine().recover(options: f.options)
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
    }

    /// Moving a device back passes the safety checks a bind would: an interface with an address is
    /// not unbound on a journal's word unless `recover --force netdev-active`.
    @Test func recoveryPassesTheSafetyChecksOfABind() throws {
        let f = EngineFixture(
            KernelSimulator(
                KernelSimulator.Builder.standard().updating(S.e1000e.description) { spec in
                    var up = spec
                    up.hostUse = [.network(name: "eth0", operstate: "up")]
                    return up
                }))
        let e1000e = try #require(try f.sim.inventory()[S.e1000e])
        let iface = try #require(e1000e.hostUse.networkInterfaces.first?.name)
        f.host.addresses = [iface: ["127.0.0.2/8"]]
        try makeDirectory(f.state.directory)
        try write(
            f.state.directory + "/journal.toml",
            journal([(S.e1000e, e1000e.identity, original: nil)], moving: [S.e1000e]))
        let refused = f.engine().recover(options: f.options)
        #expect(refused.error?.status == .refused, "\(refused.error?.description ?? "no error")")
        #expect(refused.error?.message.contains("127.0.0.2/8") == true)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(f.journalExists)
        var forced = f.options
        forced.forced = ["netdev-active"]
        let recovered = f.engine().recover(options: forced)
        #expect(recovered.error == nil, "\(recovered.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e) == nil)
        #expect(!f.journalExists)
    }
}

/// The parts of the trust rule that are new API rather than fixes: the read-only store and the lock
/// holder read from /proc/locks.
@Suite struct StateStoreReadOnlyTests {
    @Test func aReadOnlyStoreCreatesNothingAndWritesNothing() throws {
        let f = EngineFixture()
        let store = StateStore.readOnly(directory: f.state.directory)
        #expect(try store.readJournal() == nil)
        #expect(try store.readManaged().isEmpty)
        #expect(try store.lockHolder() == nil)
        #expect(throws: VFIOError.self) { try store.lock(timeout: 0) }
        #expect(throws: VFIOError.self) { try store.writeManaged([]) }
        var dryRun = f.options
        dryRun.dryRun = true
        #expect(f.engine().recover(options: dryRun).checks == [BindEngine.nothingToRecover])
        #expect(access(f.state.directory, F_OK) != 0)
    }

    @Test func theLockHolderIsFoundInProcLocksAndWaitersAreNot() {
        let device: UInt64 = (0x103 << 8) | 0x2a  // major 0x103 does not fit the old 8-bit field
        let locks = """
            1: POSIX  ADVISORY  WRITE 77 00:19:42 0 EOF
            2: FLOCK  ADVISORY  WRITE 4242 103:2a:1234 0 EOF
            2: -> FLOCK  ADVISORY  WRITE 5151 103:2a:1234 0 EOF
            3: FLOCK  ADVISORY  WRITE 999 103:2a:1235 0 EOF

            """
        #expect(LockHolders.pid(holding: (device, 1234), locks: locks) == 4242)
        #expect(LockHolders.pid(holding: (device, 4321), locks: locks) == nil)
        #expect(LockHolders.pid(holding: (device, 1234), locks: nil) == nil)
    }

    @Test func theLockHolderOfARealLockIsThisProcess() throws {
        let f = EngineFixture()
        let lock = try f.state.lock(timeout: 1)
        #expect(try f.state.lockHolder() == Int(getpid()))
        lock.release()
        #expect(try f.state.lockHolder() == nil)
    }
}

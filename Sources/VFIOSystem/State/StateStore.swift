#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// vfioctl's own state, in a directory (default /run/vfioctl: bindings do not survive a reboot, and
/// neither should the records of them):
/// - `lock`: flock held for a whole writing operation, so two vfioctl never interleave writes;
/// - `journal.toml`: written (temp file, fsync, rename) before the first sysfs write of a
///   transaction, and marked before each device's first write; while it exists an operation is in
///   flight or was interrupted;
/// - `managed.toml`: the devices vfioctl moved and what they were on before, for `unbind`/`status`;
/// - `sriov.toml`: the SR-IOV settings of PFs vfioctl changed, as it found them (SRIOVRecord).
/// Every access goes through `StateDirectory`, which refuses a directory or file others could have
/// written (exit status 5). A read-only store (`readOnly`) never creates or changes anything: dry
/// runs and `status` use it.
public struct StateStore: Sendable {
    public let directory: String
    /// false for `readOnly`: every write throws instead of creating the directory or a file.
    public let writable: Bool

    public init(directory: String) {
        self.directory = directory
        writable = true
    }

    private init(directory: String, writable: Bool) {
        self.directory = directory
        self.writable = writable
    }

    /// The same directory, for reading only: nothing is created, locked or written.
    public static func readOnly(directory: String) -> StateStore { StateStore(directory: directory, writable: false) }

    public var readOnly: StateStore { .readOnly(directory: directory) }

    public static let defaultDirectory = "/run/vfioctl"

    static let lockName = "lock"
    static let journalName = "journal.toml"
    static let managedName = "managed.toml"
    static let sriovName = "sriov.toml"

    var journalPath: String { directory + "/" + Self.journalName }

    // MARK: lock

    /// Takes the exclusive lock, waiting at most `timeout` seconds for another vfioctl to finish.
    public func lock(timeout: Double) throws(VFIOError) -> StateLock {
        let state = try openForWriting("lock \(directory)")
        guard let fd = try state.openFile(Self.lockName, flags: O_RDWR | O_CREAT, mode: 0o600) else {
            throw VFIOError(.failed, "cannot open the lock file \(state.filePath(Self.lockName))")
        }
        let lockPath = state.filePath(Self.lockName)
        // The other files are checked now, before the caller's first sysfs write: one found
        // untrusted only when the records are written would leave a device moved and unrecorded.
        for name in [Self.journalName, Self.managedName, Self.sriovName] {
            do throws(VFIOError) {
                if let file = try state.openFile(name, flags: O_RDONLY) { close(file) }
            } catch {
                close(fd)
                throw error
            }
        }
        let deadline = Monotonic.now() + timeout
        while retryingOnInterrupt({ flock(fd, LOCK_EX | LOCK_NB) }) != 0 {
            guard errno == EWOULDBLOCK else {
                let code = errno
                close(fd)
                throw StateDirectory.failure(code, "lock \(lockPath)")
            }
            guard Monotonic.now() < deadline else {
                close(fd)
                throw VFIOError(
                    .timedOut, "another vfioctl has held \(lockPath) for more than \(Int(timeout)) s",
                    hint: "wait for it to finish, or raise --lock-timeout")
            }
            usleep(20_000)
        }
        return StateLock(fd: fd)
    }

    /// The process holding the lock now (from /proc/locks), nil when nobody holds it. Reads only.
    public func lockHolder() throws(VFIOError) -> Int? {
        guard let state = try StateDirectory.open(directory, create: false),
            let file = state.identity(of: Self.lockName)
        else { return nil }
        return LockHolders.pid(holding: file)
    }

    // MARK: journal

    /// The journal, checked for form (`Journal.decode`); nil when there is none.
    public func readJournal() throws(VFIOError) -> Journal? {
        guard let state = try StateDirectory.open(directory, create: false),
            let text = try state.read(Self.journalName)
        else { return nil }
        return try Journal.decode(text, file: state.filePath(Self.journalName))
    }

    /// Replaces the journal; the returned file appends to it (`JournalFile.markMoving`).
    @discardableResult
    public func writeJournal(_ journal: Journal) throws(VFIOError) -> JournalFile {
        let state = try openForWriting("write \(journalPath)")
        guard let fd = try state.replace(Self.journalName, with: journal.encoded(), keepOpen: true) else {
            throw VFIOError(.failed, "cannot keep \(journalPath) open")
        }
        return JournalFile(directory: state, fd: fd)
    }

    /// Records `write`, left blocked in the kernel by a run that keeps no journal of its own (`reset`,
    /// `sriov`): the next writing command and `recover` wait for it before they write. A journal an
    /// interrupted run left (the caller holds the lock) keeps its devices and gets the write added.
    public func recordPendingWrite(_ write: Journal.Pending, operation: String, started: Int) throws(VFIOError) {
        var journal =
            try readJournal()
            ?? Journal(operation: operation, pid: Int(getpid()), started: started, entries: [])
        journal.pending.append(write)
        try writeJournal(journal).close()
    }

    public func removeJournal() throws(VFIOError) {
        try openForWriting("remove \(journalPath)").remove(Self.journalName)
    }

    // MARK: managed devices

    public func readManaged() throws(VFIOError) -> [ManagedDevice] {
        guard let state = try StateDirectory.open(directory, create: false),
            let text = try state.read(Self.managedName)
        else { return [] }
        return try ManagedDevice.decodeAll(text, file: state.filePath(Self.managedName))
    }

    public func writeManaged(_ devices: [ManagedDevice]) throws(VFIOError) {
        let state = try openForWriting("write \(directory)/\(Self.managedName)")
        _ = try state.replace(Self.managedName, with: ManagedDevice.encodeAll(devices))
    }

    // MARK: SR-IOV settings vfioctl changed (SRIOVRecord)

    public func readSRIOV() throws(VFIOError) -> [SRIOVRecord] {
        guard let state = try StateDirectory.open(directory, create: false),
            let text = try state.read(Self.sriovName)
        else { return [] }
        return try SRIOVRecord.decodeAll(text, file: state.filePath(Self.sriovName))
    }

    public func writeSRIOV(_ records: [SRIOVRecord]) throws(VFIOError) {
        let state = try openForWriting("write \(directory)/\(Self.sriovName)")
        _ = try state.replace(Self.sriovName, with: SRIOVRecord.encodeAll(records))
    }

    // MARK: files

    private func openForWriting(_ what: String) throws(VFIOError) -> StateDirectory {
        guard writable else {
            throw VFIOError(
                .failed, "cannot \(what): the state directory was opened read-only (a dry run writes nothing)")
        }
        guard let state = try StateDirectory.open(directory, create: true) else {
            throw VFIOError(.failed, "cannot create the state directory \(directory)")
        }
        return state
    }
}

/// The journal of the running transaction, open at its end.
public final class JournalFile {
    private let directory: StateDirectory
    private var fd: Int32

    init(directory: StateDirectory, fd: Int32) {
        self.directory = directory
        self.fd = fd
    }

    deinit { close() }

    /// Records that `address` is about to be written: recovery moves only devices marked so. One
    /// write(2), no fsync: the mark must outlive the process (the page cache does), not a power
    /// cut, after which no binding survives either. An fsync per device cost ~4 ms on a disk.
    public func markMoving(_ address: PCIAddress) throws(VFIOError) {
        try StateDirectory.writeAll(
            fd, Array(Journal.movingMark(address).utf8), what: directory.filePath(StateStore.journalName))
    }

    /// Records a write the kernel still blocks: recovery waits for its process before any write.
    public func markPending(_ write: Journal.Pending) throws(VFIOError) {
        try StateDirectory.writeAll(
            fd, Array(Journal.pendingMark(write).utf8), what: directory.filePath(StateStore.journalName))
    }

    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}

/// The held lock; released when closed (or when the process dies, which is what makes flock safe).
public final class StateLock: @unchecked Sendable {
    private var fd: Int32
    init(fd: Int32) { self.fd = fd }
    public var isHeld: Bool { fd >= 0 }
    public func release() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }
    deinit { release() }
}

/// Who holds an flock, from /proc/locks: `1: FLOCK  ADVISORY  WRITE 4242 00:19:1234 0 EOF` (pid,
/// then the file's device as hex major:minor and its inode). Reading it needs no access to the file.
enum LockHolders {
    static func pid(
        holding file: (device: UInt64, inode: UInt64), locks: String? = try? TextFile.read("/proc/locks")
    ) -> Int? {
        guard let locks else { return nil }
        let major = ((file.device >> 8) & 0xfff) | ((file.device >> 32) & ~0xfff)
        let minor = (file.device & 0xff) | ((file.device >> 12) & ~0xff)
        for line in locks.split(separator: "\n") {
            let fields = line.split(separator: " ")
            // Waiters are listed as `1: -> FLOCK ...`: they do not hold the lock.
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int(fields[4]) else { continue }
            let location = fields[5].split(separator: ":")
            guard location.count == 3, UInt64(location[0], radix: 16) == major, UInt64(location[1], radix: 16) == minor,
                UInt64(location[2]) == file.inode
            else { continue }
            return pid
        }
        return nil
    }
}

enum Monotonic {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

enum WallClock {
    static func now() -> Int { Int(time(nil)) }
}

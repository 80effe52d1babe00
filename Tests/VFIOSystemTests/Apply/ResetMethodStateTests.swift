#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// State key `reset_method = ["bus", ...]`: validated against the kernel's names, written to the
/// device's `reset_method` before the bind (so a method the device lacks fails before it moves),
/// recorded with what it replaced, put back on release and on rollback, refused (exit 4, nothing
/// written) where the attribute does not exist, and written nowhere by a dry run.
@Suite struct ResetMethodStateTests {
    typealias S = KernelSimulator.Standard

    static func parse(_ body: String) throws -> DesiredState {
        try DesiredState.parse(
            "[[device]]\naddress = \"0000:01:00.0\"\nvendor = \"8086\"\ndevice = \"10d3\"\n" + body, file: "s.toml")
    }

    @Test func theStateKeyTakesTheKernelsNames() throws {
        #expect(try Self.parse("state = \"vfio\"\nreset_method = [\"bus\"]\n").entries[0].resetMethods == [.bus])
        #expect(
            try Self.parse("state = \"stub\"\nreset_method = [\"flr\", \"bus\"]\n").entries[0].resetMethods == [
                .flr, .bus
            ])
        #expect(try Self.parse("state = \"vfio\"\nreset_method = []\n").entries[0].resetMethods == [])
        #expect(
            try Self.parse("driver = \"vfio-pci\"\nreset_method = [\"cxl_bus\"]\n").entries[0].resetMethods == [.cxlBus]
        )
        #expect(try Self.parse("state = \"vfio\"\n").entries[0].resetMethods == nil)
        for bad in [
            "state = \"vfio\"\nreset_method = [\"default\"]\n",
            "state = \"vfio\"\nreset_method = [\"\"]\n",
            "state = \"vfio\"\nreset_method = [\"BUS\"]\n",
            "state = \"vfio\"\nreset_method = [\"bus\", \"bus\"]\n",
            "state = \"vfio\"\nreset_method = \"bus\"\n",
            "state = \"vfio\"\nreset_method = [1]\n",
            "state = \"host\"\nreset_method = [\"bus\"]\n"
        ] {
            #expect(throws: VFIOError.self, "\(bad)") { try Self.parse(bad) }
        }
    }

    static func fixture(resetMethods: [String]? = ["flr", "pm", "bus"]) -> EngineFixture {
        var builder = KernelSimulator.Builder.standard()
        if let resetMethods {
            builder = builder.updating(S.e1000e.description) { $0.resetMethods(resetMethods) }
        }
        return EngineFixture(builder.build())
    }

    static func bind(
        _ f: EngineFixture, _ methods: [ResetMethod], dryRun: Bool = false, also: [PCIAddress] = []
    ) throws -> OperationReport {
        let inventory = try f.sim.inventory()
        let planner = try f.planner()
        var requests = [
            BindEngine.Request(
                device: inventory[S.e1000e]!, chain: planner.explicitChain("vfio-pci"), resetMethods: methods)
        ]
        requests += also.map { BindEngine.Request(device: inventory[$0]!, chain: planner.explicitChain("vfio-pci")) }
        var options = f.options
        options.dryRun = dryRun
        return f.engine().bind(
            requests, inventory: inventory, companions: { BindEngine.Request(device: $0, chain: []) }, options: options)
    }

    static func resetMethod(_ f: EngineFixture) -> String {
        (try? f.sim.read(PCIPaths.resetMethod(S.e1000e))) ?? "<unreadable>"
    }

    @Test func theBindWritesItFirstRecordsItAndTheReleasePutsItBack() throws {
        let f = Self.fixture()
        let report = try Self.bind(f, [.bus])
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "vfio-pci")
        #expect(Self.resetMethod(f) == "bus", "\(Self.resetMethod(f))")
        let paths = f.sim.writes.map(\.path)
        let reset = try #require(paths.firstIndex { $0.hasSuffix("/reset_method") })
        #expect(reset < paths.firstIndex { $0.hasSuffix("/bind") }!, "written before the bind: \(paths)")
        #expect(report.devices[0].resetMethod == ResetMethodChange(before: ["flr", "pm", "bus"], after: ["bus"]))
        #expect(report.devices[0].message?.contains("reset_method bus (was: flr pm bus)") == true)
        let record = try #require(try f.state.readManaged().first)
        #expect(record.originalResetMethod == ["flr", "pm", "bus"] && record.resetMethod == ["bus"])
        let status = ManagedStatus.text(try ManagedStatus.read(store: f.state, inventory: f.sim.inventory()).get())
        #expect(status.contains("0000:01:00.0: reset_method bus (was: flr pm bus)"), "\(status)")

        let released = try f.unbind([S.e1000e])
        #expect(released.error == nil, "\(released.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(Self.resetMethod(f) == "flr pm bus", "\(Self.resetMethod(f))")
    }

    /// A device already on the wanted driver gets only its list written: no other write, and no
    /// refusal for the VFIO user holding it (the driver stays); the record keeps what it replaced.
    @Test func aDeviceAlreadyBoundGetsOnlyItsListWritten() throws {
        let f = Self.fixture()
        #expect(try f.bind([S.e1000e], driver: "vfio-pci").error == nil)
        f.sim.holdOpen(group: IOMMUGroup(10))
        f.host.openNodes = ["vfio/10": [.init(pid: 4242, command: "qemu-system-x86")]]
        let planned = try Self.bind(f, [.bus], dryRun: true)
        #expect(planned.devices.first?.status == .planned)
        #expect(planned.devices.first?.steps.map(\.path).contains { $0.hasSuffix("/reset_method") } == true)
        let before = f.sim.writes.count
        let report = try Self.bind(f, [.bus])
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(report.devices.first?.status == .changed)
        #expect(report.devices.first?.to?.rawValue == "vfio-pci")
        #expect(Self.resetMethod(f) == "bus", "\(Self.resetMethod(f))")
        #expect(f.sim.writes.dropFirst(before).map(\.path).allSatisfy { $0.hasSuffix("/reset_method") })
        let record = try #require(try f.state.readManaged().first)
        #expect(record.original.driver?.rawValue == "e1000e")
        #expect(record.originalResetMethod == ["flr", "pm", "bus"] && record.resetMethod == ["bus"])
        // Again: nothing to do.
        #expect(try Self.bind(f, [.bus]).devices.first?.status == .unchanged)

        f.sim.release(group: IOMMUGroup(10))
        f.host.openNodes = [:]
        #expect(try f.unbind([S.e1000e]).error == nil)
        #expect(Self.resetMethod(f) == "flr pm bus", "\(Self.resetMethod(f))")
    }

    @Test func anEmptyListLeavesNoMethodAndIsPutBack() throws {
        let f = Self.fixture()
        #expect(try Self.bind(f, []).error == nil)
        #expect(Self.resetMethod(f) == "", "\(Self.resetMethod(f))")
        #expect(f.sim.writes.contains { $0.path.hasSuffix("/reset_method") && $0.value == "\n" })
        #expect(try f.unbind([S.e1000e]).error == nil)
        #expect(Self.resetMethod(f) == "flr pm bus", "\(Self.resetMethod(f))")
    }

    @Test func aMethodTheDeviceLacksFailsBeforeTheDeviceMoves() throws {
        let f = Self.fixture(resetMethods: ["bus"])
        let report = try Self.bind(f, [.flr])
        let error = try #require(report.error)
        #expect(error.status == .failed, "\(error)")
        #expect(error.message.contains("reset_method"), "\(error)")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(Self.resetMethod(f) == "bus", "\(Self.resetMethod(f))")
        #expect(!f.journalExists)
    }

    @Test func withoutTheAttributeItIsRefusedBeforeAnyWrite() throws {
        let f = Self.fixture(resetMethods: nil)
        let report = try Self.bind(f, [.bus])
        let error = try #require(report.error)
        #expect(error.status == .notFound, "\(error)")
        #expect(error.message.contains("no reset_method attribute"), "\(error)")
        #expect(f.sim.writes.isEmpty)
    }

    @Test func aDryRunWritesNothingAndShowsTheWrite() throws {
        let f = Self.fixture()
        let report = try Self.bind(f, [.bus], dryRun: true)
        #expect(report.error == nil)
        #expect(f.sim.writes.isEmpty)
        #expect(report.devices[0].steps.contains { $0.path.hasSuffix("/reset_method") && $0.value == "bus" })
    }

    /// Another device of the transaction fails: the bound one goes back, with its reset methods.
    @Test func aRollbackPutsItBack() throws {
        let f = Self.fixture()
        f.sim.failNextWrite(toPathEndingWith: "0000:02:00.0/driver_override", errno: EIO)
        let report = try Self.bind(f, [.bus], also: [S.virtioNet])
        #expect(report.error != nil)
        #expect(report.devices.first?.status == .rolledBack, "\(report.devices.map(\.status))")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(Self.resetMethod(f) == "flr pm bus", "\(Self.resetMethod(f))")
        #expect(!f.journalExists)
    }

    /// Every driver of the chain fails: the device stays, and so do its reset methods.
    @Test func aFailedBindPutsItBack() throws {
        let f = Self.fixture()
        f.sim.failProbe(driver: DriverName("vfio-pci")!, errno: ENODEV)
        let report = try Self.bind(f, [.bus])
        #expect(report.error != nil)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(Self.resetMethod(f) == "flr pm bus", "\(Self.resetMethod(f))")
        #expect(!f.journalExists)
    }

    /// A crash after the reset_method write: recovery writes the journal's original back.
    @Test func recoveryPutsItBack() throws {
        let f = Self.fixture()
        var identity = try #require(try f.sim.inventory()[S.e1000e]).identity
        identity.revision = nil  // the journal does not keep it
        let journal = Journal(
            operation: "apply", pid: 999_999_999, started: 0,
            entries: [
                .init(
                    address: S.e1000e, identity: identity,
                    original: DeviceBinding(driver: DriverName("e1000e")!, override: nil), moving: true,
                    originalResetMethod: ["flr", "pm", "bus"])
            ])
        try f.sim.write(PCIPaths.resetMethod(S.e1000e), "bus")
        let decoded = try Journal.decode(journal.encoded(), file: "j")
        #expect(decoded == journal, "\(journal.encoded()) \(decoded)")
        try f.state.writeJournal(journal).close()
        var report = OperationReport(operation: "recover", dryRun: false)
        #expect(try f.engine().recoverLocked(forced: [], timeout: 1, report: &report))
        #expect(Self.resetMethod(f) == "flr pm bus", "\(Self.resetMethod(f))")
    }

    /// A release interrupted after it wrote the old reset methods back (here its unbind is left
    /// pending: a VFIO user holds the device): the journal keeps the list vfioctl wrote, so
    /// recovery puts the device back on vfio-pci with that list, not with the host's.
    @Test func anInterruptedReleaseIsRecoveredWithVfioctlsList() throws {
        let f = Self.fixture()
        #expect(try Self.bind(f, [.bus]).error == nil)
        f.sim.holdOpen(group: IOMMUGroup(10))
        let report = try f.unbind([S.e1000e]) {
            $0.forced = ["open-fd"]; $0.timeout = 0.2
        }
        #expect(report.error?.status == .timedOut, "\(report.error?.description ?? "")")
        #expect(Self.resetMethod(f) == "flr pm bus", "the release wrote the old list first")
        let journal = try #require(try f.state.readJournal())
        #expect(journal.entries.first?.originalResetMethod == ["bus"], "\(journal.entries)")

        f.sim.release(group: IOMMUGroup(10))
        var recovered = OperationReport(operation: "recover", dryRun: false)
        #expect(try f.engine().recoverLocked(forced: [], timeout: 1, report: &recovered))
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "vfio-pci")
        #expect(Self.resetMethod(f) == "bus", "\(Self.resetMethod(f))")
        #expect(try f.state.readManaged().first?.resetMethod == ["bus"], "the record still says what is on it")
    }
}

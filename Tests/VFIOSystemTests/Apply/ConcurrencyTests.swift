#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import VFIOCore

/// Several engines (as several vfioctl processes would: each opens the lock file itself, and flock
/// locks belong to the open file) work on overlapping devices at once. The journal and the records
/// must come out intact and agree with the kernel.
@Suite struct ConcurrencyTests {
    typealias S = KernelSimulator.Standard

    @Test func overlappingOperationsKeepJournalAndRecordsIntact() throws {
        let f = EngineFixture()
        let workers = 4
        let rounds = 6
        let outcomes = Outcomes()
        DispatchApplyLite.concurrentPerform(iterations: workers) { worker in
            for round in 0..<rounds {
                do {
                    let report: OperationReport
                    if (worker + round) % 2 == 0 {
                        report = try f.bind([S.e1000e, S.virtioNet], driver: "vfio-pci") { $0.lockTimeout = 30 }
                    } else {
                        report = try f.unbind([S.e1000e, S.virtioNet]) { $0.lockTimeout = 30 }
                    }
                    outcomes.add(report.error?.status ?? .success)
                } catch {
                    outcomes.add(.failed)
                }
            }
        }
        // Every run either did its work or stopped before writing because the device had moved.
        #expect(outcomes.all.allSatisfy { $0 == .success || $0 == .failed })
        #expect(outcomes.all.contains(.success))
        #expect(access(f.state.directory + "/journal.toml", F_OK) != 0)
        let managed = try f.state.readManaged()
        #expect(Set(managed.map(\.address)).count == managed.count)
        for address in [S.e1000e, S.virtioNet] {
            let driver = f.sim.driver(of: address)?.rawValue
            let record = managed.first { $0.address == address }
            if driver == "vfio-pci" {
                #expect(record?.original.driver?.rawValue == (address == S.e1000e ? "e1000e" : "virtio-pci"))
            } else {
                #expect(record == nil, "\(address) is on \(driver ?? "nothing") but recorded as bound")
            }
        }
    }
}

final class Outcomes: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var values: [VFIOCore.ExitStatus] = []
    init() { pthread_mutex_init(&lock, nil) }
    func add(_ status: VFIOCore.ExitStatus) {
        pthread_mutex_lock(&lock)
        values.append(status)
        pthread_mutex_unlock(&lock)
    }
    var all: [VFIOCore.ExitStatus] {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return values
    }
}

/// Plain threads, so the engines really run at the same time.
enum DispatchApplyLite {
    static func concurrentPerform(iterations: Int, _ body: @escaping @Sendable (Int) -> Void) {
        final class Box: @unchecked Sendable {
            let body: @Sendable (Int) -> Void
            let index: Int
            init(_ body: @escaping @Sendable (Int) -> Void, _ index: Int) { self.body = body; self.index = index }
        }
        var threads: [pthread_t] = []
        for index in 0..<iterations {
            var thread = pthread_t()
            let box = Unmanaged.passRetained(Box(body, index)).toOpaque()
            pthread_create(
                &thread, nil,
                { raw in
                    let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                    box.body(box.index)
                    return nil
                }, box)
            threads.append(thread)
        }
        for thread in threads { pthread_join(thread, nil) }
    }
}

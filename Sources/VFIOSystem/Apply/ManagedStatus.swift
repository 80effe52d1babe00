import VFIOCore

/// `vfioctl status`: the managed records joined with what the kernel says now.
public enum ManagedStatus {
    public struct Entry: Sendable {
        public var record: ManagedDevice
        public var current: DriverName?
        /// `bound` (as vfioctl left it), `drifted` (someone moved it), `replaced` (other hardware
        /// at that address), `absent` (the device is gone).
        public var state: String
        /// The VFIO nodes that exist for the device (a `bound` device on a VFIO driver only).
        public var nodes = VFIONodes()
        /// The owner, group and mode of its per-device nodes.
        public var nodeAttributes: [NodeAttributes] = []
    }

    /// A journal in the state directory: a run in progress (its writer holds the lock) or one
    /// that was interrupted and waits for `vfioctl recover`.
    public struct Transaction: Sendable {
        public var operation: String
        public var pid: Int
        /// The process holding the lock now, nil when nobody does (the run was interrupted).
        public var lockHolder: Int?
        /// Writes the run left blocked in the kernel (`[[pending]]`), each with whether it still is.
        public var pendingWrites: [(write: Journal.Pending, blocked: Bool)] = []

        public var text: String {
            let pending = pendingWrites.map { write, blocked in
                "\npending: the \(write.description) "
                    + (blocked ? "is still blocked in the kernel" : "has returned")
            }.joined()
            guard let lockHolder else {
                return "an interrupted '\(operation)' (pid \(pid)) left a journal: run 'vfioctl recover'" + pending
            }
            return BindEngine.inProgress(
                Journal(operation: operation, pid: pid, started: 0, entries: []), holder: lockHolder) + pending
        }
    }

    /// Reads only: nothing is created or locked, and an untrusted state directory is refused.
    /// `writeIsPending` tells whether a pending write's process still runs (KernelAccess).
    public static func transaction(
        store: StateStore, writeIsPending: (Int) -> Bool
    ) throws(VFIOError) -> Transaction? {
        let store = store.readOnly
        guard let journal = try store.readJournal() else { return nil }
        return Transaction(
            operation: journal.operation, pid: journal.pid, lockHolder: try store.lockHolder(),
            pendingWrites: journal.pending.map { ($0, writeIsPending($0.pid)) })
    }

    /// A record whose device is back on exactly its original binding (driver and override; a
    /// hot-unplug and rescan does that) is no longer managed: it is not listed, and the next
    /// writing command that looks at the device drops it (`unbind` says it is already there).
    /// `nodes` finds the VFIO nodes of a device that is still bound as vfioctl left it.
    public static func read(
        store: StateStore, inventory: DeviceInventory,
        nodes: (PCIDevice) -> VFIONodes = { _ in VFIONodes() }
    ) -> Result<[Entry], VFIOError> {
        do {
            return .success(
                try store.readOnly.readManaged().compactMap { record in
                    guard let device = inventory[record.address] else {
                        return Entry(record: record, current: nil, state: "absent")
                    }
                    if device.identity.vendor != record.vendor || device.identity.device != record.device {
                        return Entry(record: record, current: device.driver, state: "replaced")
                    }
                    if record.driver.holds(device.driver) {
                        return Entry(record: record, current: device.driver, state: "bound", nodes: nodes(device))
                    }
                    if DeviceBinding(driver: device.driver, override: device.driverOverride) == record.original {
                        return nil
                    }
                    return Entry(record: record, current: device.driver, state: "drifted")
                })
        } catch {
            return .failure(error)
        }
    }

    public static func text(_ entries: [Entry], transaction: Transaction? = nil) -> String {
        let note = transaction.map { $0.text + "\n" } ?? ""
        guard !entries.isEmpty else { return note + "no devices are managed by vfioctl\n" }
        var table = TextTable(header: ["ADDRESS", "IDS", "ORIGINAL", "BOUND TO", "CURRENT", "STATE", "SINCE", "NODES"])
        for entry in entries {
            table.append([
                entry.record.address.description, "\(entry.record.vendor):\(entry.record.device)",
                entry.record.original.description, entry.record.driver.rawValue,
                entry.current?.rawValue ?? "-", entry.state, Timestamp.iso8601(entry.record.since),
                entry.nodes.isEmpty ? "-" : NodeAttributes.annotated(entry.nodes.all, entry.nodeAttributes)
            ])
        }
        // The reset methods vfioctl set (state key reset_method), and what a release puts back.
        let resets = entries.compactMap { entry -> String? in
            guard let set = entry.record.resetMethod, let original = entry.record.originalResetMethod else {
                return nil
            }
            let change = ResetMethodChange(before: original, after: set)
            return "\(entry.record.address): reset_method \(change.description)\n"
        }
        return note + table.rendered() + resets.joined()
    }

    public static func json(_ entries: [Entry], transaction: Transaction? = nil) -> JSONValue {
        .object([
            ("schema_version", .int(JSONSchema.version)),
            (
                "transaction",
                transaction.map { transaction in
                    .object([
                        ("operation", .string(transaction.operation)),
                        ("pid", .int(transaction.pid)),
                        ("in_progress", .bool(transaction.lockHolder != nil)),
                        ("lock_holder_pid", transaction.lockHolder.map { .int($0) } ?? .null),
                        ("message", .string(transaction.text)),
                        (
                            "pending_writes",
                            .array(
                                transaction.pendingWrites.map { pending, blocked in
                                    .object([
                                        ("address", pending.address.map { .string($0.description) } ?? .null),
                                        ("path", .string(pending.path)),
                                        ("value", .string(pending.value)),
                                        ("pid", .int(pending.pid)),
                                        ("blocked", .bool(blocked))
                                    ])
                                })
                        )
                    ])
                } ?? .null
            ),
            ("devices", devicesJSON(entries))
        ])
    }

    private static func devicesJSON(_ entries: [Entry]) -> JSONValue {
        .array(
            entries.map { entry in
                .object(
                    [
                        ("address", .string(entry.record.address.description)),
                        ("vendor_id", .string(entry.record.vendor.description)),
                        ("device_id", .string(entry.record.device.description)),
                        ("original_driver", .optional(entry.record.original.driver)),
                        ("original_override", .optional(entry.record.original.override)),
                        ("bound_driver", .string(entry.record.driver.rawValue)),
                        ("current_driver", .optional(entry.current)),
                        ("state", .string(entry.state)),
                        ("since", .string(Timestamp.iso8601(entry.record.since))),
                        ("nodes", .array(entry.nodes.all.map(JSONValue.string))),
                        ("node_owners", .array(entry.nodeAttributes.map(OperationJSON.attributes)))
                    ]
                        + resetMethodJSON(entry.record))
            })
    }
}

extension ManagedStatus {
    /// `reset_method` and `original_reset_method` of a record whose reset methods vfioctl set.
    fileprivate static func resetMethodJSON(_ record: ManagedDevice) -> [(String, JSONValue)] {
        guard let set = record.resetMethod, let original = record.originalResetMethod else { return [] }
        return [
            ("reset_method", .array(set.map(JSONValue.string))),
            ("original_reset_method", .array(original.map(JSONValue.string)))
        ]
    }
}

/// UTC timestamps without Foundation.
enum Timestamp {
    static func iso8601(_ seconds: Int) -> String {
        // Civil-from-days (Howard Hinnant's algorithm).
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondsOfDay = seconds - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ n: Int, _ width: Int = 2) -> String {
            String(repeating: "0", count: max(0, width - String(n).count)) + String(n)
        }
        return
            "\(pad(year, 4))-\(pad(month))-\(pad(day))T\(pad(secondsOfDay / 3600)):\(pad(secondsOfDay % 3600 / 60)):\(pad(secondsOfDay % 60))Z"
    }
}

import VFIOCore

/// What an in-flight transaction is changing: enough to put every device back after a crash.
///
/// The file is written whole before the first sysfs write (one `[[device]]` per device, with the
/// identity read before the move), then one `[[moving]]` table is appended, and fsynced, before the
/// first write to each device. Recovery acts only on devices marked so: a device the transaction
/// never reached was never touched. A write the kernel still blocked when its `--timeout` ran out
/// is appended as a `[[pending]]` table (path, value, the process it is blocked in): recovery waits
/// for that process before it writes anything. `decode` refuses (exit 2) anything vfioctl does not
/// write: unknown keys, a device without its identity, a mark naming no listed device, a missing pid.
public struct Journal: Sendable, Equatable {
    /// A write left blocked in the kernel (KernelWriter.PendingWrite), as the journal keeps it.
    public struct Pending: Sendable, Equatable {
        /// The device the write is for, when it is for one device.
        public var address: PCIAddress?
        /// As a user would write it (`/sys/bus/pci/drivers/vfio-pci/unbind`).
        public var path: String
        public var value: String
        /// The process the write is blocked in; it exits once the kernel lets the write return.
        public var pid: Int
        /// The VFs a write to `sriov_numvfs` removes: once it has returned, recovery drops the
        /// managed records of those that are gone, as a removal that returned at once does.
        public var destroys: [PCIAddress]

        public init(address: PCIAddress?, path: String, value: String, pid: Int, destroys: [PCIAddress] = []) {
            self.address = address
            self.path = path
            self.value = value
            self.pid = pid
            self.destroys = destroys
        }

        public var description: String { "write \"\(value)\" > \(path) (process \(pid))" }
    }

    public struct Entry: Sendable, Equatable {
        public var address: PCIAddress
        /// Ids and class as read before the move: recovery refuses a device that no longer has them.
        public var identity: PCIIdentity
        public var original: DeviceBinding
        public var target: DriverName?
        /// Whether the transaction reached this device (a `[[moving]]` mark): only then may recovery move it.
        public var moving: Bool
        /// `reset_method` before the transaction, when it writes it: recovery writes it back.
        public var originalResetMethod: [String]?

        public init(
            address: PCIAddress, identity: PCIIdentity, original: DeviceBinding, target: DriverName? = nil,
            moving: Bool = false, originalResetMethod: [String]? = nil
        ) {
            self.address = address
            self.identity = identity
            self.original = original
            self.target = target
            self.moving = moving
            self.originalResetMethod = originalResetMethod
        }
    }

    public var operation: String
    public var pid: Int
    public var started: Int
    public var entries: [Entry]
    /// Writes of the run still blocked in the kernel when it gave up waiting (`[[pending]]`).
    public var pending: [Pending]

    public init(operation: String, pid: Int, started: Int, entries: [Entry], pending: [Pending] = []) {
        self.operation = operation
        self.pid = pid
        self.started = started
        self.entries = entries
        self.pending = pending
    }

    func encoded() -> String {
        var out =
            "# vfioctl transaction journal: an operation in flight or interrupted; `vfioctl recover` rolls it back\n"
        TOMLText.appendString("operation", operation, to: &out)
        out += "pid = \(pid)\nstarted = \(started)\n"
        for entry in entries {
            out += "\n[[device]]\n"
            TOMLText.appendString("address", entry.address.description, to: &out)
            TOMLText.appendIdentity(entry.identity, to: &out)
            TOMLText.appendBinding(entry.original, prefix: "original", to: &out)
            if let target = entry.target { TOMLText.appendString("target", target.rawValue, to: &out) }
            TOMLText.appendStrings(entry.originalResetMethod, key: "original_reset_method", to: &out)
        }
        for entry in entries where entry.moving { out += Self.movingMark(entry.address) }
        for write in pending { out += Self.pendingMark(write) }
        return out
    }

    /// What `JournalFile.markMoving` appends.
    static func movingMark(_ address: PCIAddress) -> String { "\n[[moving]]\naddress = \"\(address)\"\n" }

    /// What `JournalFile.markPending` appends.
    static func pendingMark(_ write: Pending) -> String {
        var out = "\n[[pending]]\n"
        if let address = write.address { out += "address = \"\(address)\"\n" }
        TOMLText.appendString("path", write.path, to: &out)
        TOMLText.appendString("value", write.value, to: &out)
        out += "pid = \(write.pid)\n"
        if !write.destroys.isEmpty {
            TOMLText.appendStrings(write.destroys.map(\.description), key: "destroys", to: &out)
        }
        return out
    }

    static func decode(_ text: String, file: String) throws(VFIOError) -> Journal {
        do throws(TOMLError) {
            var top = TOMLFields(try TOMLParser.parse(text), context: "the journal")
            // The operation only names the run in messages; what recovery acts on is checked below.
            let operation = try top.string("operation")?.0 ?? "unknown"
            guard let pidField = try top.integer("pid") else { throw TOMLError(line: 1, "no pid") }
            let pid = pidField.0
            guard pid > 0 else { throw TOMLError(line: pidField.line, "pid \(pid) is not a process id") }
            let started = try top.integer("started")?.0 ?? 0
            var entries: [Entry] = []
            var positions: [PCIAddress: Int] = [:]
            for table in try top.tables("device") {
                var f = TOMLFields(table, context: "[[device]]")
                guard let address = try f.parsed("address", as: "a PCI address", PCIAddress.init) else {
                    throw TOMLError(line: table.line, "[[device]] without address")
                }
                guard positions[address] == nil else { throw TOMLError(line: table.line, "\(address) is listed twice") }
                let identity = try TOMLText.decodeIdentity(&f, line: table.line)
                let original = try TOMLText.decodeBinding(&f, prefix: "original")
                let target = try f.parsed("target", as: "a driver name", DriverName.init)
                let resetMethod = try TOMLText.decodeResetMethod(&f, key: "original_reset_method")
                try f.finish()
                positions[address] = entries.count
                entries.append(
                    Entry(
                        address: address, identity: identity, original: original, target: target,
                        originalResetMethod: resetMethod))
            }
            for table in try top.tables("moving") {
                var f = TOMLFields(table, context: "[[moving]]")
                guard let address = try f.parsed("address", as: "a PCI address", PCIAddress.init) else {
                    throw TOMLError(line: table.line, "[[moving]] without address")
                }
                guard let position = positions[address] else {
                    throw TOMLError(line: table.line, "[[moving]] names \(address), which no [[device]] lists")
                }
                try f.finish()
                entries[position].moving = true
            }
            var pending: [Pending] = []
            for table in try top.tables("pending") {
                var f = TOMLFields(table, context: "[[pending]]")
                let address = try f.parsed("address", as: "a PCI address", PCIAddress.init)
                guard let path = try f.string("path")?.0, let value = try f.string("value")?.0,
                    let pidField = try f.integer("pid")
                else { throw TOMLError(line: table.line, "[[pending]] needs path, value and pid") }
                guard pidField.0 > 0, pidField.0 <= Int(Int32.max) else {
                    throw TOMLError(line: pidField.line, "pid \(pidField.0) is not a process id")
                }
                var destroys: [PCIAddress] = []
                if let (words, line) = try f.strings("destroys", allowSingle: false) {
                    for word in words {
                        guard let vf = PCIAddress(Substring(word)) else {
                            throw TOMLError(
                                line: line, "'destroys' lists '\(word.prefix(40))', which is no PCI address")
                        }
                        destroys.append(vf)
                    }
                }
                try f.finish()
                pending.append(
                    Pending(address: address, path: path, value: value, pid: pidField.0, destroys: destroys))
            }
            try top.finish()
            return Journal(operation: operation, pid: pid, started: started, entries: entries, pending: pending)
        } catch {
            throw VFIOError(
                .usage, "\(file):\(error.line): not a journal vfioctl wrote: \(error.message); nothing was recovered",
                hint: "inspect it; remove it only once every device listed is where it should be")
        }
    }
}

/// A device vfioctl moved: where it came from and where it is now.
public struct ManagedDevice: Sendable, Equatable {
    public var address: PCIAddress
    public var vendor: VendorID
    public var device: DeviceID
    public var original: DeviceBinding
    public var driver: DriverName
    /// Unix time of the bind.
    public var since: Int
    /// `reset_method` before vfioctl first wrote it (state key `reset_method`): a release puts it
    /// back. nil when vfioctl did not change it.
    public var originalResetMethod: [String]? = nil
    /// `reset_method` as vfioctl wrote it.
    public var resetMethod: [String]? = nil

    /// The records sorted by address.
    static func encodeAll(_ devices: [ManagedDevice]) -> String {
        var out = "# devices bound by vfioctl and the drivers they came from (read by `vfioctl unbind` and `status`)\n"
        for device in devices.sorted(by: { $0.address < $1.address }) {
            out += "\n[[device]]\n"
            TOMLText.appendString("address", device.address.description, to: &out)
            TOMLText.appendString("vendor", device.vendor.description, to: &out)
            TOMLText.appendString("device", device.device.description, to: &out)
            TOMLText.appendBinding(device.original, prefix: "original", to: &out)
            TOMLText.appendString("driver", device.driver.rawValue, to: &out)
            out += "since = \(device.since)\n"
            TOMLText.appendStrings(device.originalResetMethod, key: "original_reset_method", to: &out)
            TOMLText.appendStrings(device.resetMethod, key: "reset_method", to: &out)
        }
        return out
    }

    static func decodeAll(_ text: String, file: String) throws(VFIOError) -> [ManagedDevice] {
        do throws(TOMLError) {
            var top = TOMLFields(try TOMLParser.parse(text), context: "the managed-device records")
            var devices: [ManagedDevice] = []
            for table in try top.tables("device") {
                var f = TOMLFields(table, context: "[[device]]")
                guard let address = try f.parsed("address", as: "a PCI address", PCIAddress.init),
                    let vendor = try f.parsed("vendor", as: "a vendor id", VendorID.init),
                    let device = try f.parsed("device", as: "a device id", DeviceID.init)
                else { throw TOMLError(line: table.line, "[[device]] needs address, vendor and device") }
                let original = try TOMLText.decodeBinding(&f, prefix: "original")
                guard let driver = try f.parsed("driver", as: "a driver name", DriverName.init) else {
                    throw TOMLError(line: table.line, "[[device]] without driver")
                }
                let since = try f.integer("since")?.0 ?? 0
                let originalResetMethod = try TOMLText.decodeResetMethod(&f, key: "original_reset_method")
                let resetMethod = try TOMLText.decodeResetMethod(&f, key: "reset_method")
                try f.finish()
                devices.append(
                    ManagedDevice(
                        address: address, vendor: vendor, device: device, original: original,
                        driver: driver, since: since, originalResetMethod: originalResetMethod,
                        resetMethod: resetMethod))
            }
            try top.finish()
            return devices
        } catch {
            throw VFIOError(.failed, "\(file):\(error.line): corrupt state file: \(error.message)")
        }
    }
}

/// Writing the small TOML files vfioctl keeps (the reader is TOMLParser).
enum TOMLText {
    /// `text` as a TOML basic string: `"`, `\` and newline escaped.
    static func quote(_ text: String) -> String {
        var out = ""
        appendQuoted(text, to: &out)
        return out
    }

    /// `text` as a TOML basic string (`quote`), appended to `out`.
    static func appendQuoted(_ text: String, to out: inout String) {
        out += "\""
        // Addresses, ids and driver names never need escaping.
        if text.utf8.contains(where: needsEscape) {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: out.unicodeScalars.append(scalar)
                }
            }
        } else {
            out += text
        }
        out += "\""
    }

    /// A `KEY = "value"` line, appended to `out`.
    static func appendString(_ key: String, _ value: String, to out: inout String) {
        out += key
        out += " = "
        appendQuoted(value, to: &out)
        out += "\n"
    }

    /// `"`, `\` and newline: a comparison, not a set built for every string written.
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\n")
    }

    /// The identity's `vendor`, `device`, `subsystem_vendor`, `subsystem_device` and `class` lines.
    static func appendIdentity(_ identity: PCIIdentity, to out: inout String) {
        appendString("vendor", identity.vendor.description, to: &out)
        appendString("device", identity.device.description, to: &out)
        appendString("subsystem_vendor", identity.subsystemVendor.description, to: &out)
        appendString("subsystem_device", identity.subsystemDevice.description, to: &out)
        appendString("class", identity.classCode.description, to: &out)
    }

    /// `PREFIX_driver` and `PREFIX_override` lines, each only when set.
    static func appendBinding(_ binding: DeviceBinding, prefix: String, to out: inout String) {
        if let driver = binding.driver {
            out += prefix
            appendString("_driver", driver.rawValue, to: &out)
        }
        if let override = binding.override {
            out += prefix
            appendString("_override", override.rawValue, to: &out)
        }
    }

    /// `vendor`, `device`, `subsystem_vendor`, `subsystem_device` and `class`, all required.
    static func decodeIdentity(_ f: inout TOMLFields, line: Int) throws(TOMLError) -> PCIIdentity {
        guard let vendor = try f.parsed("vendor", as: "a vendor id", VendorID.init),
            let device = try f.parsed("device", as: "a device id", DeviceID.init),
            let subsystemVendor = try f.parsed("subsystem_vendor", as: "a vendor id", VendorID.init),
            let subsystemDevice = try f.parsed("subsystem_device", as: "a device id", DeviceID.init),
            let classCode = try f.parsed("class", as: "a class code", ClassCode.init)
        else {
            throw TOMLError(line: line, "[[device]] needs vendor, device, subsystem_vendor, subsystem_device and class")
        }
        return PCIIdentity(
            vendor: vendor, device: device, subsystemVendor: subsystemVendor, subsystemDevice: subsystemDevice,
            classCode: classCode, revision: nil)
    }

    /// `KEY = ["a", "b"]` (`[]`: an empty list), or nothing when not set: reset methods (the
    /// kernel's words) and the VFs a pending write destroys.
    static func appendStrings(_ words: [String]?, key: String, to out: inout String) {
        guard let words else { return }
        out += key
        out += " = ["
        for (index, word) in words.enumerated() {
            if index > 0 { out += ", " }
            appendQuoted(word, to: &out)
        }
        out += "]\n"
    }

    /// The words of `KEY`, each a name the kernel could print (a newer kernel's method included:
    /// lowercase letters, digits and `_`), nil when absent.
    static func decodeResetMethod(_ f: inout TOMLFields, key: String) throws(TOMLError) -> [String]? {
        guard let (words, line) = try f.strings(key, allowSingle: false) else { return nil }
        for word in words {
            guard !word.isEmpty, word.count <= 32,
                word.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 95 })
            else { throw TOMLError(line: line, "'\(key)' lists '\(word.prefix(40))', which is no reset method") }
        }
        return words
    }

    static func decodeBinding(_ f: inout TOMLFields, prefix: String) throws(TOMLError) -> DeviceBinding {
        DeviceBinding(
            driver: try f.parsed("\(prefix)_driver", as: "a driver name", DriverName.init),
            override: try f.parsed("\(prefix)_override", as: "a driver name", DriverName.init))
    }
}

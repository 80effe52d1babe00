/// What an in-flight transaction is changing: enough to put every device back after a crash.
public struct Journal: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var address: PCIAddress
        public var original: DeviceBinding
        public var target: DriverName?
    }

    public var operation: String
    public var pid: Int
    public var started: Int
    public var entries: [Entry]

    func encoded() -> String {
        var out = "# vfioctl transaction journal: an operation in flight or interrupted; `vfioctl recover` rolls it back\n"
        out += "operation = \(TOMLText.quote(operation))\npid = \(pid)\nstarted = \(started)\n"
        for entry in entries {
            out += "\n[[device]]\naddress = \(TOMLText.quote(entry.address.description))\n"
            out += TOMLText.binding(entry.original, prefix: "original")
            if let target = entry.target { out += "target = \(TOMLText.quote(target.rawValue))\n" }
        }
        return out
    }

    static func decode(_ text: String, file: String) throws(VFIOError) -> Journal {
        do throws(TOMLError) {
            var top = TOMLFields(try TOMLParser.parse(text), context: "the journal")
            let operation = try top.string("operation")?.0 ?? "unknown"
            let pid = try top.integer("pid")?.0 ?? 0
            let started = try top.integer("started")?.0 ?? 0
            var entries: [Entry] = []
            for table in try top.tables("device") {
                var f = TOMLFields(table, context: "[[device]]")
                guard let address = try f.parsed("address", as: "a PCI address", PCIAddress.init) else {
                    throw TOMLError(line: table.line, "[[device]] without address")
                }
                let original = try TOMLText.decodeBinding(&f, prefix: "original")
                let target = try f.parsed("target", as: "a driver name", DriverName.init)
                try f.finish()
                entries.append(Entry(address: address, original: original, target: target))
            }
            try top.finish()
            return Journal(operation: operation, pid: pid, started: started, entries: entries)
        } catch {
            throw VFIOError(.failed, "\(file):\(error.line): corrupt journal: \(error.message)",
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

    static func encodeAll(_ devices: [ManagedDevice]) -> String {
        // Appended piece by piece: the file is rewritten after every bind, one record per device.
        var out = "# devices bound by vfioctl and the drivers they came from (read by `vfioctl unbind` and `status`)\n"
        out.reserveCapacity(out.utf8.count + devices.count * 192)
        for device in devices {
            out += "\n[[device]]\naddress = "
            TOMLText.appendQuoted(device.address.description, to: &out)
            out += "\nvendor = "
            TOMLText.appendQuoted(device.vendor.description, to: &out)
            out += "\ndevice = "
            TOMLText.appendQuoted(device.device.description, to: &out)
            out += "\n"
            out += TOMLText.binding(device.original, prefix: "original")
            out += "driver = "
            TOMLText.appendQuoted(device.driver.rawValue, to: &out)
            out += "\nsince = "
            out += String(device.since)
            out += "\n"
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
                try f.finish()
                devices.append(ManagedDevice(address: address, vendor: vendor, device: device, original: original,
                                             driver: driver, since: since))
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
    static func quote(_ text: String) -> String {
        var out = ""
        appendQuoted(text, to: &out)
        return out
    }

    /// `text` as a TOML basic string, appended to `out` (the records are written piece by piece).
    static func appendQuoted(_ text: String, to out: inout String) {
        out += "\""
        // Device addresses, driver names and dates need no escaping: skip the per-scalar copy.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") }) {
            out += text
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    static func binding(_ binding: DeviceBinding, prefix: String) -> String {
        var out = ""
        if let driver = binding.driver { out += "\(prefix)_driver = \(quote(driver.rawValue))\n" }
        if let override = binding.override { out += "\(prefix)_override = \(quote(override.rawValue))\n" }
        return out
    }

    static func decodeBinding(_ f: inout TOMLFields, prefix: String) throws(TOMLError) -> DeviceBinding {
        DeviceBinding(driver: try f.parsed("\(prefix)_driver", as: "a driver name", DriverName.init),
                      override: try f.parsed("\(prefix)_override", as: "a driver name", DriverName.init))
    }
}

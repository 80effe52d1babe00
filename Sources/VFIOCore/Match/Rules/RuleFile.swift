/// Parses and checks one rule file. Format (docs/rules.md):
///
///     [[rule]]
///     name = "grace-hopper"
///     vendor = "10de"
///     device = ["2342", "2345"]
///     drivers = ["nvgrace_gpu_vfio_pci", "vfio-pci"]
///     priority = 10
public enum RuleFile {
    public static func parse(_ text: String, file: String, precedence: RulePrecedence) throws(VFIOError) -> [Rule] {
        do {
            var top = TOMLFields(try TOMLParser.parse(text), context: "the rule file")
            let tables = try top.tables("rule")
            try top.finish()
            var rules: [Rule] = []
            for table in tables { rules.append(try rule(from: table, file: file, precedence: precedence)) }
            return rules
        } catch {
            throw error.located(in: file)
        }
    }

    private static func rule(from table: TOMLTable, file: String, precedence: RulePrecedence) throws(TOMLError) -> Rule
    {
        var f = TOMLFields(table, context: "[[rule]] (line \(table.line))")
        let name = try f.string("name")?.0
        let vendor = try f.parsed("vendor", as: "4 hex digits such as 8086", VendorID.init)
        var devices: [DeviceID]?
        if let (texts, line) = try f.strings("device") {
            devices = []
            for text in texts {
                guard let id = DeviceID(text) else {
                    throw TOMLError(line: line, "invalid device '\(text)': expected 4 hex digits")
                }
                devices!.append(id)
            }
        }
        let subsystemVendor = try f.parsed("subsystem_vendor", as: "4 hex digits", VendorID.init)
        let subsystemDevice = try f.parsed("subsystem_device", as: "4 hex digits", DeviceID.init)
        let classMatch = try f.parsed(
            "class", as: "2, 4 or 6 hex digits (0300) or VALUE/MASK (030000/ffff00)", classMatch)
        let revision = try f.parsed("revision", as: "2 hex digits", Revision.init)
        let address = try f.parsed("address", as: "an address or glob such as 0000:00:02.0 or 0000:0?:00.*") {
            Glob.isAddressPattern($0) ? $0 : nil
        }
        let function = try f.parsed(
            "function", as: "\"vf\", \"pf\", \"not-vf\" or \"any\"", Rule.FunctionKind.init(rawValue:))
        let architectures = try f.strings("arch")?.0
        let kernel = try f.parsed(
            "kernel", as: "a version range such as \">=6.10\" or \">=6.8, <6.12\"", KernelVersionRange.init)
        let drivers = try moduleList(&f, "drivers")
        let deny = try moduleList(&f, "deny")
        let denyReason = try f.string("reason")?.0
        let priority = try f.integer("priority")?.0 ?? 0
        let fallback = try f.boolean("fallback")?.0 ?? true
        try f.finish()
        guard !drivers.isEmpty || !deny.isEmpty else {
            throw TOMLError(line: table.line, "[[rule]] has neither 'drivers' nor 'deny': it would do nothing")
        }
        return Rule(
            name: name, location: SourceLocation(file: file, line: table.line), precedence: precedence,
            vendor: vendor, device: devices, subsystemVendor: subsystemVendor, subsystemDevice: subsystemDevice,
            classMatch: classMatch, revision: revision, addressGlob: address, function: function,
            architectures: architectures, kernel: kernel, drivers: drivers, deny: deny,
            denyReason: denyReason, priority: priority, fallback: fallback)
    }

    private static func moduleList(_ f: inout TOMLFields, _ key: String) throws(TOMLError) -> [ModuleName] {
        guard let (texts, line) = try f.strings(key) else { return [] }
        var modules: [ModuleName] = []
        for text in texts {
            guard let module = ModuleName(text) else {
                throw TOMLError(line: line, "invalid module name '\(text)' in '\(key)'")
            }
            modules.append(module)
        }
        return modules
    }

    static func classMatch(_ text: String) -> Rule.ClassMatch? {
        let lowered = text.lowercased()
        if let slash = lowered.firstIndex(of: "/") {
            guard let value = UInt32(hexDigits: lowered[..<slash]),
                let mask = UInt32(hexDigits: lowered[lowered.index(after: slash)...]),
                value <= 0xFFFFFF, mask <= 0xFFFFFF
            else { return nil }
            return Rule.ClassMatch(value: value, mask: mask)
        }
        let digits = lowered.hasPrefix("0x") ? String(lowered.dropFirst(2)) : lowered
        guard [2, 4, 6].contains(digits.count), let value = UInt32(hexDigits: digits) else { return nil }
        let shift = UInt32(4 * (6 - digits.count))
        return Rule.ClassMatch(value: value << shift, mask: (0xFFFFFF >> shift) << shift)
    }
}

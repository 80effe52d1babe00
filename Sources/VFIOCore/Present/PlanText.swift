/// Human-readable driver decisions: a table for `plan`, the whole reasoning for `plan --explain`.
public struct PlanText {
    package let namer: DeviceNamer

    public init(namer: DeviceNamer) { self.namer = namer }

    public func table(_ plans: [DevicePlan]) -> String {
        var table = TextTable(header: ["ADDRESS", "IDS", "CURRENT", "CHOSEN", "CHAIN", "REASON"])
        for plan in plans {
            table.append([
                plan.device.address.description,
                "\(plan.device.identity.vendor):\(plan.device.identity.device)",
                plan.device.driver?.rawValue ?? "-",
                plan.chosen.map(\.driver.rawValue) ?? "-",
                plan.chain.filter(\.available).map(\.driver.rawValue).joined(separator: ",").ifEmpty("-"),
                (plan.ambiguous ? "AMBIGUOUS: " : "") + plan.summary
            ])
        }
        return table.rendered()
    }

    public func explain(_ plan: DevicePlan) -> String {
        let device = plan.device
        var out = "\(device.address)  \(device.identity.vendor):\(device.identity.device)"
        if let description = namer.description(device) { out += "  \(description)" }
        out += "\n"
        out +=
            "  current driver:  \(device.driver?.rawValue ?? "none")"
            + (device.driverOverride.map { " (driver_override \($0))" } ?? "") + "\n"
        out +=
            "  host drivers:    "
            + (plan.hostModules.isEmpty
                ? "none (no pci: alias matches \(device.modalias))"
                : plan.hostModules.map(\.rawValue).joined(separator: ", "))
            + "\n"
        out += "  candidates, best first:\n"
        for (index, candidate) in plan.chain.enumerated() {
            let name =
                candidate.driverNameConfirmed
                ? "driver \(candidate.driver)"
                : "driver \(candidate.driver) (predicted; the real name is known once the module is loaded)"
            out += "    \(index + 1). \(candidate.module), \(name)\n"
            out += "       from \(candidate.source)"
            if let specificity = candidate.specificity { out += ", specificity \(specificity)" }
            if candidate.priority != 0 { out += ", priority \(candidate.priority)" }
            out += "\n       \(candidate.available ? "usable" : "skipped"): \(candidate.reason)\n"
        }
        if let ambiguity = plan.ambiguity { out += "  AMBIGUOUS: \(ambiguity)\n" }
        for note in plan.notes { out += "  note: \(note)\n" }
        if let blocked = plan.blocked {
            out += "  chosen: nothing — \(blocked)\n"
        } else if let chosen = plan.chosen {
            out += "  chosen: \(chosen.driver) (module \(chosen.module)): \(plan.summary)\n"
            out +=
                "  to change it: add a rule in /etc/vfioctl/rules.d/ (drivers = [...] to prefer one, deny = [...] to exclude one), or bind with --driver\n"
        } else {
            out += "  chosen: nothing — every candidate was skipped (see the reasons above)\n"
        }
        return out
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}

/// The documented `--json` form of a writing command's report (docs/json-schema.md, "operations").
public enum OperationJSON {
    public static func report(_ report: OperationReport) -> JSONValue {
        .object([
            ("schema_version", .int(JSONSchema.version)),
            ("operation", .string(report.operation)),
            ("dry_run", .bool(report.dryRun)),
            ("changed", .bool(report.changed)),
            ("exit_status", .int(Int(report.exitStatus.rawValue))),
            ("error", report.error.map { .object([("message", .string($0.message)), ("hint", .optional($0.hint))]) } ?? .null),
            ("checks", .array(report.checks.map(JSONValue.string))),
            ("devices", .array(report.devices.map(device))),
        ])
    }

    static func device(_ result: OperationReport.DeviceResult) -> JSONValue {
        .object([
            ("address", .string(result.address.description)),
            ("status", .string(result.status.rawValue)),
            ("from_driver", .optional(result.from.driver)),
            ("from_override", .optional(result.from.override)),
            ("to_driver", .optional(result.to)),
            ("iommu_group", .optional(result.group?.number)),
            ("device_node", .optional(result.deviceNode)),
            ("message", .optional(result.message)),
            ("attempts", .array(result.attempts.map {
                .object([("driver", .string($0.driver.rawValue)), ("module", .optional($0.module)), ("error", .optional($0.error))])
            })),
            ("steps", .array(result.steps.map {
                .object([("path", .string($0.path)), ("value", .string($0.value)), ("error", .optional($0.error))])
            })),
        ])
    }
}

/// One line per device: `0000:01:00.0 e1000e -> vfio-pci (group 10, /dev/vfio/10)`.
public enum OperationText {
    public static func report(_ report: OperationReport, verbose: Bool) -> String {
        var out = ""
        for check in report.checks where !check.hasPrefix("refused: ") && (verbose || report.dryRun || check.hasPrefix("overridden") || check.hasPrefix("warning")) {
            out += "check: \(check)\n"
        }
        for result in report.devices {
            let from = result.from.driver?.rawValue ?? "(no driver)"
            let to = result.to?.rawValue ?? "(no driver)"
            var line = "\(result.address) "
            switch result.status {
            case .changed: line += "\(from) -> \(to)"
            case .planned: line += "would move \(from) -> \(to)"
            case .unchanged: line += "unchanged: \(result.message ?? "already on \(to)")"
            case .failed: line += "failed, left on \(from): \(result.message ?? "")"
            case .rolledBack: line += "rolled back to \(from)"
            }
            var extras: [String] = []
            if let group = result.group, result.status == .changed || result.status == .planned { extras.append("group \(group)") }
            if let node = result.deviceNode { extras.append(node) }
            if !extras.isEmpty { line += " (\(extras.joined(separator: ", ")))" }
            if result.status == .changed || result.status == .planned, let message = result.message, !message.isEmpty,
               report.operation != "bind" || result.status == .planned {
                line += ": \(message)"
            }
            out += line + "\n"
            if report.dryRun || verbose {
                for step in result.steps {
                    out += "    write \(quoted(step.value)) > \(step.path)" + (step.error.map { "  -> \($0)" } ?? "") + "\n"
                }
            }
            for attempt in result.attempts where attempt.error != nil && result.status != .failed {
                out += "    tried \(attempt.driver) first: \(attempt.error!)\n"
            }
        }
        return out
    }

    private static func quoted(_ value: String) -> String {
        value == "\n" ? "\"\\n\"" : "\"\(value)\""
    }
}

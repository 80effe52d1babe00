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

    package static func device(_ result: OperationReport.DeviceResult) -> JSONValue {
        .object([
            ("address", .string(result.address.description)),
            ("status", .string(result.status.rawValue)),
            ("from_driver", .optional(result.from.driver)),
            ("from_override", .optional(result.from.override)),
            ("to_driver", .optional(result.to)),
            ("iommu_group", .optional(result.group?.number)),
            ("device_node", .optional(result.deviceNode)),
            ("message", .optional(result.message)),
            ("restore_error", .optional(result.restoreError)),
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
/// Built as bytes (TextBytes): a bulk bind prints one line per VF.
public enum OperationText {
    public static func report(_ report: OperationReport, verbose: Bool) -> String {
        var out = TextBytes(capacity: 128 + report.devices.count * 80)
        for check in report.checks where !check.hasPrefix("refused: ") && (verbose || report.dryRun || check.hasPrefix("overridden") || check.hasPrefix("warning")) {
            out.append("check: ")
            out.append(text: check)
            out.append("\n")
        }
        // By position, each line from the element itself: `for result in` copied every result.
        for index in report.devices.indices {
            appendLine(report.devices[index], of: report, verbose: verbose, to: &out)
        }
        return out.text
    }

    private static func appendLine(_ result: OperationReport.DeviceResult, of report: OperationReport, verbose: Bool,
                                   to out: inout TextBytes) {
        let from = result.from.driver?.rawValue ?? "(no driver)"
        let to = result.to?.rawValue ?? "(no driver)"
        out.append(result.address)
        out.append(" ")
        switch result.status {
        case .changed:
            out.append(text: from)
            out.append(" -> ")
            out.append(text: to)
        case .planned:
            out.append("would move ")
            out.append(text: from)
            out.append(" -> ")
            out.append(text: to)
        case .unchanged:
            out.append("unchanged: ")
            out.append(text: result.message ?? "already on \(to)")
        case .failed:
            out.append(result.restoreError == nil ? "failed, left on " : "failed, NOT put back on ")
            out.append(text: from)
            out.append(": ")
            out.append(text: result.message ?? "")
        case .rolledBack:
            out.append("rolled back to ")
            out.append(text: from)
            if let message = result.message {
                out.append(": ")
                out.append(text: message)
            }
        }
        let showsGroup = result.group != nil && (result.status == .changed || result.status == .planned)
        if showsGroup || result.deviceNode != nil {
            out.append(" (")
            if showsGroup, let group = result.group {
                out.append("group ")
                out.append(group.number)
                if result.deviceNode != nil { out.append(", ") }
            }
            if let node = result.deviceNode { out.append(text: node) }
            out.append(")")
        }
        if result.status == .changed || result.status == .planned, let message = result.message, !message.isEmpty,
           report.operation != "bind" || result.status == .planned {
            out.append(": ")
            out.append(text: message)
        }
        out.append("\n")
        if report.dryRun || verbose {
            for step in result.steps {
                out.append("    write ")
                out.append(text: step.value == "\n" ? "\"\\n\"" : "\"\(step.value)\"")
                out.append(" > ")
                out.append(text: step.path)
                if let error = step.error {
                    out.append("  -> ")
                    out.append(text: error)
                }
                out.append("\n")
            }
        }
        for attempt in result.attempts where attempt.error != nil && result.status != .failed {
            out.append("    tried ")
            out.append(text: attempt.driver.rawValue)
            out.append(" first: ")
            out.append(text: attempt.error!)
            out.append("\n")
        }
    }
}

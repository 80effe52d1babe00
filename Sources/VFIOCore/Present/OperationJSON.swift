/// The documented `--json` form of a writing command's report (docs/json-schema.md, "operations").
public enum OperationJSON {
    public static func report(_ report: OperationReport) -> JSONValue {
        .object([
            ("schema_version", .int(JSONSchema.version)),
            ("operation", .string(report.operation)),
            ("dry_run", .bool(report.dryRun)),
            ("changed", .bool(report.changed)),
            ("exit_status", .int(Int(report.exitStatus.rawValue))),
            (
                "error",
                report.error.map { .object([("message", .string($0.message)), ("hint", .optional($0.hint))]) } ?? .null
            ),
            ("checks", .array(report.checks.map(JSONValue.string))),
            ("devices", .array(report.devices.map(device)))
        ])
    }

    package static func device(_ result: OperationReport.DeviceResult) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("address", .string(result.address.description)),
            ("status", .string(result.status.rawValue)),
            ("from_driver", .optional(result.from.driver)),
            ("from_override", .optional(result.from.override)),
            ("to_driver", .optional(result.to)),
            ("iommu_group", .optional(result.group?.number)),
            ("device_node", .optional(result.deviceNode)),
            ("nodes", .array(result.nodes.all.map(JSONValue.string))),
            ("message", .optional(result.message)),
            ("restore_error", .optional(result.restoreError)),
            (
                "attempts",
                .array(
                    result.attempts.map {
                        .object([
                            ("driver", .string($0.driver.rawValue)), ("module", .optional($0.module)),
                            ("error", .optional($0.error))
                        ])
                    })
            ),
            (
                "steps",
                .array(
                    result.steps.map {
                        .object([
                            ("path", .string($0.path)), ("value", .string($0.value)), ("error", .optional($0.error))
                        ])
                    })
            )
        ]
        // Only where the state file's reset_method was written (or a release put it back).
        if let change = result.resetMethod {
            fields.append(
                (
                    "reset_method",
                    .object([
                        ("before", .array(change.before.map(JSONValue.string))),
                        ("after", .array(change.after.map(JSONValue.string)))
                    ])
                ))
        }
        // Only when ownership was asked for: every other report keeps its exact shape.
        if let owner = result.owner {
            fields.append(("owner", ownership(owner)))
            fields.append(("node_owners", .array(result.nodeAttributes.map(attributes))))
        }
        return .object(fields)
    }

    /// `{"uid": 1000, "user": "alice", "gid": 994, "group": "kvm", "mode": "0660"}`; null for what is left as it is.
    static func ownership(_ owner: NodeOwnership) -> JSONValue {
        .object([
            ("uid", .optional(owner.uid.map(Int.init))), ("user", .optional(owner.userName)),
            ("gid", .optional(owner.gid.map(Int.init))), ("group", .optional(owner.groupName)),
            ("mode", .optional(owner.mode?.description))
        ])
    }

    /// One node's owner, group and mode: `{"path": "/dev/vfio/12", "uid": 1000, "user": "alice", ...}`.
    package static func attributes(_ node: NodeAttributes) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("path", .string(node.path)), ("uid", .int(Int(node.uid))), ("user", .optional(node.userName)),
            ("gid", .int(Int(node.gid))), ("group", .optional(node.groupName)), ("mode", .string(node.mode.description))
        ]
        if let changed = node.changed { fields.append(("changed", .bool(changed))) }
        return .object(fields)
    }
}

/// One line per device: `0000:01:00.0 e1000e -> vfio-pci (group 10, /dev/vfio/10, /dev/vfio/vfio)`.
public enum OperationText {
    public static func report(_ report: OperationReport, verbose: Bool) -> String {
        var out = ""
        for check in report.checks
        where !check.hasPrefix("refused: ")
            && (verbose || report.dryRun || check.hasPrefix("overridden") || check.hasPrefix("warning"))
        {
            out.append("check: ")
            out.append(check)
            out.append("\n")
        }
        for result in report.devices {
            appendLine(result, of: report, verbose: verbose, to: &out)
            appendOwnership(result, dryRun: report.dryRun, to: &out)
        }
        if report.error == nil, let owner = report.devices.lazy.compactMap(\.owner).first {
            out.append(memlockHint(owner))
        }
        return out
    }

    /// `    owner /dev/vfio/12 alice:kvm 0660 (set)`, per node an `--owner` bind handled.
    private static func appendOwnership(_ result: OperationReport.DeviceResult, dryRun: Bool, to out: inout String) {
        guard let owner = result.owner else { return }
        for node in result.nodeAttributes {
            let verdict =
                node.changed == true ? (dryRun ? "now; would set \(owner.description)" : "set") : "unchanged"
            out.append("    owner \(node.description) (\(verdict))\n")
        }
        if dryRun && result.nodeAttributes.isEmpty && result.status == .planned {
            out.append("    would set owner \(owner.description) on its VFIO nodes once the kernel makes them\n")
        }
    }

    /// A consumer that is not root also needs to lock the guest's memory: QEMU pins all of it for DMA.
    static func memlockHint(_ owner: NodeOwnership) -> String {
        "hint: \(owner.userName.map { $0 + "'s" } ?? "the consumer's") locked-memory limit must cover the guest's RAM (QEMU pins it for DMA): "
            + "ulimit -l, LimitMEMLOCK= in its systemd unit, or memlock in limits.conf\n"
    }

    private static func appendLine(
        _ result: OperationReport.DeviceResult, of report: OperationReport, verbose: Bool,
        to out: inout String
    ) {
        let from = result.from.driver?.rawValue ?? "(no driver)"
        let to = result.to?.rawValue ?? "(no driver)"
        out.append(result.address.description)
        out.append(" ")
        switch result.status {
        case .changed:
            out.append(from)
            out.append(" -> ")
            out.append(to)
        case .planned:
            out.append("would move ")
            out.append(from)
            out.append(" -> ")
            out.append(to)
        case .unchanged:
            out.append("unchanged: ")
            out.append(result.message ?? "already on \(to)")
        case .failed:
            out.append(result.restoreError == nil ? "failed, left on " : "failed, NOT put back on ")
            out.append(from)
            out.append(": ")
            out.append(result.message ?? "")
        case .rolledBack:
            out.append("rolled back to ")
            out.append(from)
            if let message = result.message {
                out.append(": ")
                out.append(message)
            }
        }
        let showsGroup = result.group != nil && (result.status == .changed || result.status == .planned)
        let nodes = result.nodes.all
        if showsGroup || !nodes.isEmpty {
            out.append(" (")
            if showsGroup, let group = result.group {
                out.append("group ")
                out.append(String(group.number))
                if !nodes.isEmpty { out.append(", ") }
            }
            out.append(nodes.joined(separator: ", "))
            out.append(")")
        }
        if result.status == .changed || result.status == .planned, let message = result.message, !message.isEmpty,
            report.operation != "bind" || result.status == .planned
        {
            out.append(": ")
            out.append(message)
        }
        out.append("\n")
        if report.dryRun || verbose {
            for step in result.steps {
                out.append("    write ")
                out.append(step.value == "\n" ? "\"\\n\"" : "\"\(step.value)\"")
                out.append(" > ")
                out.append(step.path)
                if let error = step.error {
                    out.append("  -> ")
                    out.append(error)
                }
                out.append("\n")
            }
        }
        for attempt in result.attempts where attempt.error != nil && result.status != .failed {
            out.append("    tried ")
            out.append(attempt.driver.rawValue)
            out.append(" first: ")
            out.append(attempt.error!)
            out.append("\n")
        }
    }
}

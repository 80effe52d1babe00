/// The documented `--json` form of a driver decision (docs/json-schema.md, "plan").
public enum PlanJSON {
    public static func plan(_ plan: DevicePlan) -> JSONValue {
        .object([
            ("address", .string(plan.device.address.description)),
            ("vendor_id", .string(plan.device.identity.vendor.description)),
            ("device_id", .string(plan.device.identity.device.description)),
            ("current_driver", .optional(plan.device.driver)),
            ("host_modules", .array(plan.hostModules.map { .string($0.rawValue) })),
            (
                "chosen",
                plan.chosen.map {
                    .object([("driver", .string($0.driver.rawValue)), ("module", .string($0.module.rawValue))])
                } ?? .null
            ),
            ("reason", .string(plan.summary)),
            ("chain", .array(plan.chain.map(candidate))),
            ("ambiguous", .bool(plan.ambiguous)),
            ("ambiguity", .optional(plan.ambiguity)),
            ("blocked", .optional(plan.blocked)),
            ("notes", .array(plan.notes.map(JSONValue.string)))
        ])
    }

    package static func candidate(_ candidate: Candidate) -> JSONValue {
        var pattern: JSONValue = .null
        if case .kernelAlias(_, let text) = candidate.source { pattern = .string(text) }
        return .object([
            ("driver", .string(candidate.driver.rawValue)),
            ("module", .string(candidate.module.rawValue)),
            ("driver_name_confirmed", .bool(candidate.driverNameConfirmed)),
            ("source", .string(candidate.source.kind)),
            ("location", .optional(candidate.source.location)),
            ("pattern", pattern),
            ("specificity", .optional(candidate.specificity)),
            ("priority", .int(candidate.priority)),
            ("available", .bool(candidate.available)),
            ("reason", .string(candidate.reason))
        ])
    }
}

import VFIOCore

extension Reconciler {
    /// How many times `apply` looks again after losing a race (see `apply`).
    public static let raceRetries = 3

    /// `apply FILE` and `diff FILE`: `run`, then run again (up to `raceRetries` times) while the
    /// transaction failed only because a device moved while this run waited for the lock. Several
    /// applies run at once at boot (udev's coldplug runs one per device next to the boot unit): one
    /// can find a device already moved by another. Nothing was changed then, so looking again and
    /// applying what is still needed is safe. The report says the run reports pending changes.
    public func apply(_ state: DesiredState, only: Set<PCIAddress>?, options: BindEngine.Options) -> OperationReport {
        var report = run(state, only: only, options: options)
        for _ in 0..<Self.raceRetries where report.error?.retryable == true {
            report = run(state, only: only, options: options)
        }
        report.reportsPendingChanges = true
        return report
    }
}

extension BindEngine.Options {
    /// Whether this process runs from a udev rule (`RUN+=`, which sets the event's SEQNUM and
    /// DEVPATH). The event it runs for stays queued until it exits, so waiting for udev to settle
    /// after a bind could only time out (10 s per device, serialized by the lock): it must not wait.
    public static func isRunByUdev(environment: [String: String]) -> Bool {
        environment["SEQNUM"]?.isEmpty == false && environment["DEVPATH"]?.isEmpty == false
    }
}

import VFIOCore

/// The host's state for one engine, captured the first time a check asks for it: mounts, swaps,
/// routes, addresses and the scan of every process's open files cost more than binding a new VF,
/// which has no host users to find.
final class HostStateOnce {
    private var capture: (() -> HostState)?
    private var captured: HostState?

    init(_ capture: @escaping () -> HostState) {
        self.capture = capture
    }

    init(_ host: HostState) {
        captured = host
    }

    var value: HostState {
        if let captured { return captured }
        let host = capture?() ?? HostState()
        captured = host
        capture = nil
        return host
    }
}

import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `vfioctl reset` and `show`'s reset and power facts, on the workstation tree (docs/json-schema.md).
@Suite struct ResetCLITests {
    @Test func resetsAnUnboundOrVFIODeviceOnly() throws {
        let host = try CLIHost()
        // 07:00.0 is on vfio-pci, 0a:00.0 unbound: both are reset (a "1" written to their reset).
        for address in ["07:00.0", "0a:00.0"] {
            let run = try host.run(["reset", address])
            #expect(run.status == 0, "\(run)")
            #expect(run.stdout.contains("0000:\(address): reset"), "\(run)")
            #expect(host.file("bus/pci/devices/0000:\(address)/reset") == "1", "\(address): nothing written")
        }
        #expect(try host.run(["reset", "07:00.0", "--timeout", "0"]).status == 2)
    }

    @Test func refusesAHostDriverAndWhatCannotBeReset() throws {
        let host = try CLIHost()
        // The NVMe on nvme: refused (3), nothing written, unless forced.
        let refused = try host.run(["reset", "05:00.0"])
        #expect(refused.status == 3, "\(refused)")
        #expect(
            refused.stderr.contains("host driver nvme") && refused.stderr.contains("--force host-driver"), "\(refused)")
        #expect(host.file("bus/pci/devices/0000:05:00.0/reset") == "")
        let forced = try host.run(["reset", "05:00.0", "--force", "host-driver"])
        #expect(forced.status == 0, "\(forced)")
        // A bridge has no reset attribute: not found (4).
        let bridge = try host.run(["reset", "03:00.0"])
        #expect(bridge.status == 4, "\(bridge)")
        #expect(bridge.stderr.contains("no reset attribute"), "\(bridge)")
        #expect(try host.run(["reset", "0f:00.0"]).status == 4)
        // One device per reset: a selector naming several is a usage error listing them.
        let several = try host.run(["reset", "8086:154c"])
        #expect(several.status == 2, "\(several)")
        #expect(several.stderr.contains("takes one device"), "\(several)")
        #expect(try host.run(["reset", "07:00.0", "--force", "bridge"]).status == 2)
    }

    @Test func showReportsResetAndPower() throws {
        let host = try CLIHost()
        let run = try host.run(["show", "07:00.0", "--json"])
        #expect(run.status == 0, "\(run)")
        let device = try #require(run.json?["device"] as? [String: Any])
        #expect(device["reset_method"] as? [String] == ["flr", "bus"])
        #expect(device["power_state"] as? String == "D0")
        #expect(device["runtime_status"] as? String == "active")
        #expect(device["d3cold_allowed"] as? Bool == true)
        #expect(device["vfio_pci_disable_idle_d3"] is NSNull)
        #expect(device["nodes"] as? [String] == [])
        let bridge = try #require(try host.run(["show", "03:00.0", "--json"]).json?["device"] as? [String: Any])
        #expect(bridge["reset_method"] is NSNull)
        let text = try host.run(["show", "07:00.0"])
        #expect(text.stdout.contains("Reset methods:") && text.stdout.contains("flr bus"), "\(text)")
        #expect(text.stdout.contains("Power:") && text.stdout.contains("D3cold allowed"), "\(text)")
    }
}

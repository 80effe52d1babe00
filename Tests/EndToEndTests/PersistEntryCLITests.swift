// `persist add` / `persist remove` on the workstation tree: the entry is written from the device's
// ids, any device form names it, and the rest of a hand-written file stays as it was.
import Foundation
import Testing
import TestSupport

@Suite struct PersistEntryCLITests {
    @Test func addAndRemoveKeepTheRestOfTheFile() throws {
        let host = try CLIHost()
        try FileManager.default.createDirectory(atPath: host.root + "/etc", withIntermediateDirectories: true)
        let file = host.root + "/etc/state.toml"
        let original = "# Lab host.\n\n# GPUs stay on VFIO.\n[[device]]\nids = \"10de:1b80\"\nstate = \"vfio\"\n"
        try original.write(toFile: file, atomically: true, encoding: .utf8)

        let add = try host.run(["persist", "add", "enp9s0", "--state-file", file])
        #expect(add.status == 0, "\(add)")
        #expect(add.stdout == "\(file): added 0000:09:00.0\n")
        let added = try String(contentsOfFile: file, encoding: .utf8)
        #expect(
            added == original
                + "\n[[device]]\naddress = \"0000:09:00.0\"\nvendor = \"8086\"\ndevice = \"10d3\"\nstate = \"vfio\"\n")
        #expect(try host.run(["diff", file]).status != 2)

        let again = try host.run(["persist", "add", "09:00.0", "--state-file", file])
        #expect(again.stdout == "\(file): 0000:09:00.0 already as wanted\n", "\(again)")
        let driver = try host.run(["persist", "add", "pci_0000_09_00_0", "--driver", "none", "--state-file", file])
        #expect(driver.status == 0, "\(driver)")
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("driver = \"none\"\n"))

        let remove = try host.run(["persist", "remove", "0000:09:00.0", "--state-file", file])
        #expect(remove.status == 0, "\(remove)")
        // add then remove gives the original file back, byte for byte.
        #expect(try String(contentsOfFile: file, encoding: .utf8) == original)
        let absent = try host.run(["persist", "remove", "09:00.0", "--state-file", file])
        #expect(absent.status == 4, "\(absent)")
        #expect(absent.stderr.contains("has no entry for 0000:09:00.0"))

        // An entry by ids already wants the NIC on vfio: adding it as host would be a conflict apply
        // refuses, so the file is not written.
        let before = try String(contentsOfFile: file, encoding: .utf8)
        try (before + "\n[[device]]\nids = \"8086:10d3\"\nstate = \"vfio\"\n").write(
            toFile: file, atomically: true, encoding: .utf8)
        let withIDs = try String(contentsOfFile: file, encoding: .utf8)
        let conflict = try host.run(["persist", "add", "09:00.0", "--state", "host", "--state-file", file])
        #expect(conflict.status == 2, "\(conflict)")
        #expect(conflict.stderr.contains("wants host here but vfio"), "\(conflict)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == withIDs)

        // A slot of two functions is not one device; a bad --state is a usage error.
        #expect(try host.run(["persist", "add", "01:00", "--state-file", file]).status == 2)
        #expect(try host.run(["persist", "add", "09:00.0", "--state", "maybe", "--state-file", file]).status == 2)
        #expect(try host.run(["bind", "09:00.0", "--state-file", file, "--dry-run"]).status == 2)
    }
}

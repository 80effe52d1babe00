import Foundation
import Testing

/// Hostile TOML through the command line: refused with `FILE:LINE:` and exit status 2, never a crash.
@Suite struct TOMLInputTests {
    @Test(arguments: [
        (
            "nested-arrays",
            "x = " + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + "\n"
        ),
        ("dotted-key", Array(repeating: "k", count: 20_000).joined(separator: ".") + " = 1\n")
    ])
    func deepRuleFilesAreRefused(name: String, text: String) throws {
        let host = try CLIHost()
        try FileManager.default.createDirectory(atPath: host.root + "/rules", withIntermediateDirectories: true)
        try text.write(toFile: host.root + "/rules/50-\(name).toml", atomically: true, encoding: .utf8)
        let run = try host.run(["plan", "--rules-dir", host.root + "/rules"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.contains("\(host.root)/rules/50-\(name).toml:1: nested more than 128 levels"), "\(run)")
    }

    /// Floats, dates and multi-line strings parse; the schema then names the key and the wrong type.
    @Test func newValueKindsReachTheSchema() throws {
        let host = try CLIHost()
        try FileManager.default.createDirectory(atPath: host.root + "/rules", withIntermediateDirectories: true)
        let text =
            "[[rule]]\nreason = \"\"\"\nmulti-line\nreason\"\"\"\nvendor = \"10de\"\ndrivers = [\"vfio-pci\"]\npriority = 1.5\n"
        try text.write(toFile: host.root + "/rules/50-float.toml", atomically: true, encoding: .utf8)
        let run = try host.run(["plan", "--rules-dir", host.root + "/rules"])
        #expect(run.status == 2, "\(run)")
        #expect(
            run.stderr.contains("50-float.toml:7: 'priority' in [[rule]] (line 1) must be an integer, found a float"),
            "\(run)")
    }
}

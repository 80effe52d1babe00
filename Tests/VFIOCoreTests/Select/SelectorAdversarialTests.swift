import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// What a careless or hostile device argument can do: nothing but be refused. No form may select
/// every device by being empty, blank or mangled; only the documented forms select anything.
@Suite struct SelectorAdversarialTests {
    static let refused: [String] = [
        "", " ", "\t", "\n", ":", "::", ".", ":.", "*", "*:*", ":*", "*:", " :", ": ",
        "8086", "8086::", "8086:10d3:", ":10d3", "8086 :", " 8086:", "8086: ", "8086:10d3 ", "\u{0}8086:",
        "0x86:", "0x8086:", "+086:", "-086:", "80 6:", "8086:+0d3", "8086:0x10", "8086:**", "8086:*x",
        "808g:", "80860:", "086:", "8086:10d", "8086:10d30", "８０８６:", "8086\u{301}:",
        "01:00.", "01:00.8", "01:20.0", "0000:01:00.0.0", "0000:01:00:0", "../01:00.0", "01:00.0/..",
        "1:0.0.", "\u{1B}[2J01:00.0", String(repeating: "8", count: 100_000)
    ]

    @Test(arguments: refused)
    func isRefusedAsAUsageError(_ text: String) {
        #expect(throws: VFIOError.self) { try DeviceSelector(parsing: text) }
        do {
            _ = try DeviceSelector(parsing: text)
        } catch {
            #expect(error.status == .usage)
            // One line, no raw control bytes, and not the whole of a huge argument.
            #expect(!error.message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
            #expect(error.message.count < 300)
        }
    }

    static let accepted: [(String, String)] = [
        ("8086:", "8086:"), ("8086:*", "8086:"), ("8086:10d3", "8086:10d3"), ("8086:10D3", "8086:10d3"),
        ("01:00.0", "0000:01:00.0"), ("0000:01:00.0", "0000:01:00.0"),
        // A slot (issue 21): every function of 0000:01:00; it was refused before slots were a form.
        ("01:00", "0000:01:00")
    ]

    @Test(arguments: accepted)
    func documentedFormsParse(_ text: String, _ canonical: String) throws {
        #expect(try DeviceSelector(parsing: text).description == canonical)
    }

    /// On a tree of 39 devices from nine vendors, no accepted selector matches all of them: a
    /// vendor prefix is the widest a selector gets.
    @Test func noSelectorMatchesEveryDevice() throws {
        let inventory = try TemporaryDirectory.with { root in
            try FakeScenario.workstation.write(to: root)
            return try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root), userGivenRoot: true).enumerate()
        }
        let vendors = Set(inventory.devices.map(\.identity.vendor))
        #expect(vendors.count > 1)
        for vendor in vendors {
            let selector = try DeviceSelector(parsing: "\(vendor):")
            let selected = try DeviceQuery(selectors: [selector]).select(from: inventory)
            #expect(!selected.isEmpty && selected.count < inventory.devices.count)
            #expect(selected.allSatisfy { $0.identity.vendor == vendor })
        }
    }
}

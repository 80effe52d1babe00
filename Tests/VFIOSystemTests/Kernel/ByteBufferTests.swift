import Testing
@testable import VFIOSystem

/// The byte comparisons LiveSysfs and its held-descriptor paths use.
@Suite struct ByteBufferTests {
    private func check(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        var text = text
        return text.withUTF8(body)
    }

    @Test func prefixesAndEquality() {
        #expect(check("PCI_ID=8086") { $0.hasPrefix("PCI_ID") })
        #expect(check("PCI_ID") { $0.hasPrefix("PCI_ID") && $0.equals("PCI_ID") })
        #expect(!check("PCI_I") { $0.hasPrefix("PCI_ID") })
        #expect(!check("PCI_IX") { $0.hasPrefix("PCI_ID") })
        #expect(!check("PCI_ID=1") { $0.equals("PCI_ID") })
        #expect(!check("PCI_SUBSYS_ID") { $0.equals("PCI_ID") })
        #expect(check("") { $0.hasPrefix("") && $0.equals("") })
        #expect(!check("") { $0.hasPrefix("P") || $0.equals("P") })
    }
}

import Testing
@testable import VFIOCore

/// The stack-made texts behind device paths, group listings and records.
@Suite struct StackTextTests {
    private func joined(_ first: String, _ second: String) -> String {
        var first = first, second = second
        return first.withUTF8 { a in second.withUTF8 { b in StackText.withCString(joining: a, and: b) { String(cString: $0) } } }
    }

    @Test func twoPartsMakeOneCString() {
        #expect(joined("bus/pci/devices/", "0000:07:00.1") == "bus/pci/devices/0000:07:00.1")
        #expect(joined("driver", "") == "driver")
        #expect(joined("", "") == "")
    }

    @Test func decimalDigitsAreTheNumbersOwn() {
        for value: UInt in [0, 7, 10, 42, 4096, UInt.max] {
            #expect(StackText.withDecimalDigits(value) { String(decoding: $0, as: UTF8.self) } == String(value))
        }
    }

    @Test func hexDigitsAreLowercaseOfTheLowFourBits() {
        #expect((0..<16).map { Character(Unicode.Scalar(StackText.hexDigit($0))) } == Array("0123456789abcdef"))
        #expect(StackText.hexDigit(0x1F) == UInt8(ascii: "f"))
    }
}

import PropertyBased
import Testing
import VFIOCore

/// Two-digit (or wider) lowercase hex, written here rather than borrowed from VFIOCore.
private func hex(_ value: some BinaryInteger, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

private let hexDigits = Array("0123456789abcdefABCDEF")
private let hexDigit = Gen<Character?>.element(of: hexDigits).map { $0! }
/// Characters a confused user or a crafted tree might put in an address.
private let addressish = Gen<Character?>.element(of: Array("0123456789abcdefABCDEFxz:.:./ -+\n\t\u{0}é٣")).map { $0! }

@Suite struct PCIAddressPropertyTests {
    @Test func printThenParseIsIdentity() async {
        await propertyCheck(count: 500, input: Gen.uint32(), Gen.uint8(), Gen.uint8(in: 0...31), Gen.uint8(in: 0...7)) {
            domain, bus, device, function in
            let address = try #require(PCIAddress(domain: domain, bus: bus, device: device, function: function))
            let printed = address.description
            #expect(PCIAddress(printed) == address)
            #expect(PCIAddress(printed.uppercased()) == address)
            #expect(printed == "\(hex(domain, width: 4)):\(hex(bus, width: 2)):\(hex(device, width: 2)).\(function)")
        }
    }

    @Test func shortFormEqualsLongFormInDomainZero() async {
        await propertyCheck(count: 300, input: Gen.uint8(), Gen.uint8(in: 0...31), Gen.uint8(in: 0...7), Gen.bool) {
            bus, device, function, upper in
            var short = "\(hex(bus, width: 2)):\(hex(device, width: 2)).\(function)"
            if upper { short = short.uppercased() }
            let parsed = try #require(PCIAddress(short))
            #expect(parsed == PCIAddress("0000:" + short))
            #expect(parsed.domain == 0 && parsed.bus == bus && parsed.device == device && parsed.function == function)
        }
    }

    /// Strings built from address-like fields of random widths, checked against an independent oracle of
    /// what the parser must accept.
    @Test func fieldsOfRandomWidthFollowTheRules() async {
        await propertyCheck(
            count: 1000,
            input: hexDigit.string(of: 0...9), hexDigit.string(of: 0...3), hexDigit.string(of: 0...3),
            hexDigit.string(of: 0...2), Gen.bool
        ) { domain, bus, device, function, withDomain in
            let text = (withDomain ? domain + ":" : "") + bus + ":" + device + "." + function
            let domainValue = withDomain ? UInt64(domain, radix: 16) : 0
            let deviceValue = UInt8(device, radix: 16)
            let functionValue = UInt8(function, radix: 16)
            let valid =
                (!withDomain || (1...8).contains(domain.count))
                && (1...2).contains(bus.count) && (1...2).contains(device.count) && function.count == 1
                && (deviceValue ?? 32) < 32 && (functionValue ?? 8) < 8
            let parsed = PCIAddress(text)
            #expect((parsed != nil) == valid, "\(text.debugDescription)")
            if let parsed, valid {
                #expect(UInt64(parsed.domain) == domainValue)
                #expect(parsed.bus == UInt8(bus, radix: 16))
                #expect(parsed.device == deviceValue && parsed.function == functionValue)
            }
        }
    }

    @Test func randomTextNeverCrashesAndAcceptedTextIsCanonicalisable() async {
        await propertyCheck(count: 2000, input: addressish.string(of: 0...18)) { text in
            guard let parsed = PCIAddress(text) else { return }
            // Only hex digits and the two separators ever get through.
            #expect(text.unicodeScalars.allSatisfy { "0123456789abcdefABCDEF:.".unicodeScalars.contains($0) })
            let canonical = parsed.description
            #expect(PCIAddress(canonical) == parsed)
            #expect(PCIAddress(canonical)?.description == canonical)
            let fields = canonical.split(separator: ":")
            #expect(fields.count == 3 && fields[0].count >= 4 && fields[1].count == 2)
            #expect(canonical == canonical.lowercased())
        }
    }

    @Test func asciiNoiseNeverCrashes() async {
        await propertyCheck(count: 1000, input: Gen.ascii.string(of: 0...24)) { text in
            if let parsed = PCIAddress(text) {
                #expect(PCIAddress(parsed.description) == parsed)
                #expect(!text.contains("/") && !text.contains(" "))
            }
        }
    }

    @Test func deviceNumbersFrom20AreRejected() async {
        await propertyCheck(count: 300, input: Gen.uint8(), Gen.uint8(in: 0x20...0xFF), Gen.uint8(in: 0...7)) {
            bus, device, function in
            #expect(PCIAddress("0000:\(hex(bus, width: 2)):\(hex(device, width: 2)).\(function)") == nil)
            #expect(PCIAddress("\(hex(bus, width: 2)):\(hex(device, width: 2)).\(function)") == nil)
            #expect(PCIAddress(domain: 0, bus: bus, device: device, function: function) == nil)
        }
    }

    @Test func functionNumbersFrom8AreRejected() async {
        await propertyCheck(count: 300, input: Gen.uint8(), Gen.uint8(in: 0...31), Gen.uint8(in: 8...15)) {
            bus, device, function in
            #expect(PCIAddress("0000:\(hex(bus, width: 2)):\(hex(device, width: 2)).\(hex(function, width: 1))") == nil)
            #expect(PCIAddress(domain: 0, bus: bus, device: device, function: function) == nil)
        }
    }
}

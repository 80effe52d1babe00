import Testing
@testable import VFIOCore

extension MatchAliasesTests {
    @Suite("AliasPattern: libkmod's matching, PCI fields, specificity")
    struct AliasPatternTests {
        private func key(_ text: String) -> AliasKey { AliasKey(text)! }
        private func pattern(_ text: String) -> AliasPattern { AliasPattern(text)! }

        @Test("PCI keys are built from the modalias")
        func keys() {
            let alias = Modalias("pci:v000015B3d0000101Esv000015B3sd00000042bc02sc00i00")!
            #expect(AliasKey(hostDriverKeyFor: alias).text == alias.rawValue)
            #expect(AliasKey(variantKeyFor: alias).text == "vfio_pci:v000015B3d0000101Esv000015B3sd00000042bc02sc00i00")
        }

        @Test("file2alias patterns match as fnmatch over the whole key")
        func file2alias() {
            let variant = pattern("vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i*")
            #expect(variant.matches(key("vfio_pci:v000015B3d0000101Esv000015B3sd00000042bc02sc00i00")))
            #expect(!variant.matches(key("vfio_pci:v000015B3d0000101Fsv000015B3sd00000042bc02sc00i00")))
            #expect(!variant.matches(key("pci:v000015B3d0000101Esv000015B3sd00000042bc02sc00i00")))
            let byClass = pattern("pci:v00008086d*sv*sd*bc02sc00i*")
            #expect(byClass.matches(key("pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00")))
            #expect(!byClass.matches(key("pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc80i00")))
            let exact = pattern("pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00")
            #expect(exact.matches(key("pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00")))
            #expect(!exact.matches(key("pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i000")))
        }

        @Test(
            "bytes before the first wildcard compare literally: a backslash there is not an escape (modprobe -R agrees)"
        )
        func literalPrefix() {
            // Verified with depmod + `modprobe -R` on a module tree whose modules.builtin.modinfo held
            // `fakebi.alias=tst:a\*b` and `fakebi.alias=tst2:a*\*b`.
            let p = pattern("tst:a\\*b")
            #expect(!p.matches(key("tst:a*b")))
            #expect(p.matches(key("tst:a\\*b")))
            #expect(p.matches(key("tst:a\\xb")))
            #expect(FNMatch.matches(pattern: "tst:a\\*b", "tst:a*b"))  // what whole-string fnmatch would say
            let q = pattern("tst2:a*\\*b")
            #expect(q.matches(key("tst2:aQ*b")))
            #expect(!q.matches(key("tst2:aQxb")))
        }

        @Test("patterns and keys are normalised like libkmod: '-' is '_' outside brackets")
        func normalisation() {
            let p = pattern("dash-x:v*")
            #expect(p.normalized == "dash_x:v*")
            #expect(p.text == "dash-x:v*")
            #expect(p.matches(key("dash_x:v1")))
            #expect(p.matches(key("dash-x:v1")))
            #expect(pattern("a[x-z]*").normalized == "a[x-z]*")
            #expect(AliasPattern("brk:[a") == nil)
            #expect(AliasPattern("brk:a]") == nil)
            #expect(AliasKey("x]") == nil)
        }

        @Test("PCI fields: exact, any and partial")
        func fields() throws {
            let variant = try #require(pattern("vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i*").pciFields)
            #expect(variant.bus == .vfioPCI)
            #expect(variant.vendor == .exact(0x15B3))
            #expect(variant.device == .exact(0x101E))
            #expect(variant.subsystemVendor == .any)
            #expect(variant.subsystemDevice == .any)
            #expect(variant.baseClass == .any && variant.subclass == .any && variant.interface == .any)
            #expect(variant.wildcardFieldCount == 5)

            let byClass = try #require(pattern("pci:v00008086d*sv*sd*bc02sc00i*").pciFields)
            #expect(byClass.bus == .pci)
            #expect(byClass.device == .any)
            #expect(byClass.baseClass == .exact(0x02))
            #expect(byClass.subclass == .exact(0x00))
            #expect(byClass.interface == .any)

            let pinnedInterface = try #require(pattern("pci:v*d*sv*sd*bc0Csc03i30*").pciFields)
            #expect(pinnedInterface.vendor == .any)
            #expect(pinnedInterface.interface == .exact(0x30))
            #expect(pinnedInterface.wildcardFieldCount == 4)

            let partial = try #require(pattern("pci:v00001AF4d000010??sv*sd*bc0[0-3]sc*i02*").pciFields)
            #expect(partial.device == .partial("000010??"))
            #expect(partial.baseClass == .partial("0[0-3]"))
            #expect(partial.interface == .exact(0x02))

            let glob = try #require(pattern("pci:v*d*sv*sd*bc*sc*i0*").pciFields)
            #expect(glob.interface == .partial("0*"))

            #expect(pattern("usb:v1D6Bp0001d*").pciFields == nil)
            #expect(pattern("pci:v00008086*").pciFields == nil)
            #expect(pattern("pci:v00008086*").specificity == .leastSpecific)
        }

        @Test(
            "specificity ranks device, subsystem device, subsystem vendor, vendor, class, interface; exact > partial > any"
        )
        func specificity() {
            let ordered = [
                "vfio_pci:v*d*sv*sd*bc*sc*i*",
                "vfio_pci:v*d*sv*sd*bc0Csc*i*",
                "vfio_pci:v*d*sv*sd*bc0Csc03i30*",
                "vfio_pci:v00008086d*sv*sd*bc*sc*i*",
                "vfio_pci:v00008086d*sv*sd*bc03sc*i*",
                "vfio_pci:v00008086d*sv00001028sd*bc*sc*i*",
                "vfio_pci:v00008086d*sv*sd0000AAAAbc*sc*i*",
                "vfio_pci:v00008086d0000E2??sv*sd*bc*sc*i*",
                "vfio_pci:v*d0000E20Bsv*sd*bc*sc*i*",
                "vfio_pci:v00008086d0000E20Bsv*sd*bc*sc*i*",
                "vfio_pci:v00008086d0000E20Bsv*sd*bc03sc00i*",
                "vfio_pci:v00008086d0000E20Bsv*sd00001234bc*sc*i*",
                "vfio_pci:v00008086d0000E20Bsv00008086sd00001234bc*sc*i*"
            ].map { pattern($0).specificity }
            for (a, b) in zip(ordered, ordered.dropFirst()) {
                #expect(a < b, "\(a) should rank below \(b)")
            }
            #expect(pattern("vfio_pci:v00008086d0000E20Bsv*sd*bc*sc*i*").specificity.description == "2002000")
            #expect(
                pattern("vfio_pci:v00008086d0000E20Bsv*sd*bc03sc*i*").specificity.ranking
                    == Specificity(fields: [2, 0, 0, 2, 1, 0, 0, 0]))
        }

        @Test("star counts: the kernel commit's measure")
        func starCount() {
            #expect(pattern("vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i*").starCount == 5)
            #expect(pattern("vfio_pci:v*d*sv*sd*bc*sc*i*").starCount == 7)
        }
    }
}

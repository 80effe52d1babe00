#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
@testable import VFIOCore

extension MatchAliasesTests {
    @Suite("FNMatch: glibc fnmatch(3) with flags 0")
    struct FNMatchTests {
        private func glibc(_ pattern: String, _ string: String) -> Bool { fnmatch(pattern, string, 0) == 0 }

        /// The C-string entry point, as the alias index calls it.
        private func cStrings(_ pattern: String, _ string: String) -> Bool {
            let pattern = Array(pattern.utf8) + [0]
            let string = Array(string.utf8) + [0]
            return pattern.withUnsafeBufferPointer { p in
                string.withUnsafeBufferPointer { s in FNMatch.matches(pattern: p.baseAddress!, s.baseAddress!) }
            }
        }

        @Test("the process runs in a single-byte locale, like modprobe")
        func singleByteLocale() {
            #expect(__ctype_get_mb_cur_max() == 1)
        }

        @Test(
            "documented cases",
            arguments: [
                ("pci:v00008086d*sv*sd*bc02sc00i*", "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00", true),
                ("pci:v00008086d*sv*sd*bc02sc00i*", "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc80i00", false),
                ("vfio_pci:v*d*sv*sd*bc*sc*i*", "vfio_pci:v000015B3d0000101Esv000015B3sd00000001bc02sc00i00", true),
                ("*i02*", "pci:v00001234bc0Csc03i02", true),
                ("a?c", "abc", true), ("a?c", "ac", false),
                ("[!a]", "b", true), ("[^a]", "a", false), ("[]a]", "]", true), ("[a-]", "-", true),
                ("[a-c]", "b", true), ("[c-a]", "b", false), ("\\*", "*", true), ("\\*", "a", false),
                ("a\\", "a\\", false), ("[a", "[a", true), ("[a", "a", false), ("[[:digit:]]", "7", true),
                ("[[:bogus:]]", "a", false), ("[[=a=]]", "a", true), ("[[.a.]]", "a", true), ("[[.ab.]]", "a", false),
                ("*", "", true), ("?", "", false), ("", "", true), ("", "a", false),
                // The pattern classes kernel aliases use, with flags 0 (no PATHNAME, PERIOD or CASEFOLD).
                // `*`: any run of bytes, `/` and a leading `.` included.
                ("pci:v*d*", "pci:v00001AF4d00001000", true), ("pci:v*d*", "pci:v00001AF4", false),
                ("*", ".hidden", true), ("a*b", "a/b", true), ("a*b*c", "aXbYbZc", true), ("a*b*c", "aXcYb", false),
                // `?`: exactly one byte.
                ("pci:v0000808?d*", "pci:v00008086d0000", true), ("pci:v0000808?d*", "pci:v000080860d0000", false),
                ("?", "/", true), ("?", ".", true), ("??", "a", false),
                // `[...]`: one byte from a set; ranges by byte value (C locale), case matters.
                ("bc0[23]", "bc02", true), ("bc0[23]", "bc04", false), ("v0000[0-9A-F]*", "v0000B", true),
                ("[A-F]", "b", false), ("[!0-9]", "7", false), ("[!0-9]", "x", true), ("[[:xdigit:]]", "F", true),
                ("[[:xdigit:]]", "g", false), ("[[:upper:]]", "a", false), ("A", "a", false),
                // Escapes: `\x` is `x`, inside brackets too.
                ("\\?", "?", true), ("\\?", "a", false), ("\\[a]", "[a]", true), ("\\[a]", "a", false),
                ("[\\]]", "]", true), ("\\a", "a", true), ("a\\*b", "a*b", true), ("a\\*b", "axb", false)
            ] as [(String, String, Bool)])
        func documented(pattern: String, string: String, expected: Bool) {
            #expect(FNMatch.matches(pattern: pattern, string) == expected)
            #expect(cStrings(pattern, string) == expected)
            #expect(glibc(pattern, string) == expected)
        }

        @Test("a NUL byte ends the pattern or the string, as in C")
        func nulEndsTheString() {
            #expect(FNMatch.matches(pattern: "a", "a\u{0}b"))
            #expect(FNMatch.matches(pattern: "a\u{0}b", "a"))
            #expect(!FNMatch.matches(pattern: "a\u{0}b", "ab"))
        }

        @Test("libkmod's split match agrees with fnmatch over the whole key for file2alias-style patterns (fixed seed)")
        func splitMatchAgreesWithWholeString() throws {
            // file2alias writes no backslashes, so the literal prefix libkmod compares byte for byte
            // cannot differ from fnmatch's reading of it: the two must agree on every pair.
            var rng = SeededGenerator(seed: 42)
            let hex = Array("0123456789ABCDEF")
            func field(_ width: Int) -> String {
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: return "*"
                case 1: return String((0..<width).map { _ in hex.randomElement(using: &rng)! }.dropLast()) + "?"
                case 2: return "[0-9A-C]" + String((0..<(width - 1)).map { _ in hex.randomElement(using: &rng)! })
                case 3: return String((0..<(width / 2)).map { _ in hex.randomElement(using: &rng)! }) + "*"
                default: return String((0..<width).map { _ in hex.randomElement(using: &rng)! })
                }
            }
            /// A string the pattern matches: each wildcard filled in.
            func instance(of pattern: String) -> String {
                var out = ""
                var inBracket = false
                for c in pattern {
                    if inBracket {
                        if c == "]" { inBracket = false }
                        continue
                    }
                    switch c {
                    case "*":
                        out += String(
                            (0..<Int.random(in: 0...3, using: &rng)).map { _ in hex.randomElement(using: &rng)! })
                    case "?": out.append(hex.randomElement(using: &rng)!)
                    case "[":
                        inBracket = true
                        out.append(Array("0123456789ABC").randomElement(using: &rng)!)
                    default: out.append(c)
                    }
                }
                return out
            }
            var mismatches: [String] = []
            var matched = 0
            for _ in 0..<20_000 {
                let text =
                    "pci:v\(field(8))d\(field(8))sv\(field(8))sd\(field(8))bc\(field(2))sc\(field(2))i\(field(2))*"
                let keyText =
                    Bool.random(using: &rng)
                    ? instance(of: text)
                    : "pci:v0000\(String((0..<4).map { _ in hex.randomElement(using: &rng)! }))d0000"
                        + String((0..<4).map { _ in hex.randomElement(using: &rng)! })
                        + "sv00001234sd00005678bc0\(hex.randomElement(using: &rng)!)sc00i0\(hex.randomElement(using: &rng)!)"
                let pattern = try #require(AliasPattern(text))
                let key = try #require(AliasKey(keyText))
                let whole = FNMatch.matches(pattern: text, keyText)
                if whole { matched += 1 }
                if pattern.matches(key) != whole { mismatches.append("\(text) ~ \(keyText): whole-string \(whole)") }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count): \(mismatches.prefix(5))")
            #expect(matched > 5_000)  // half the keys are built to match
        }
    }
}

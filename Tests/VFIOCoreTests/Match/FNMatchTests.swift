#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import VFIOCore

extension MatchKernelTests {
    @Suite("FNMatch: glibc fnmatch(3) with flags 0")
    struct FNMatchTests {
        private func glibc(_ pattern: String, _ string: String) -> Bool { fnmatch(pattern, string, 0) == 0 }

        @Test("the process runs in a single-byte locale, like modprobe")
        func singleByteLocale() {
            #expect(__ctype_get_mb_cur_max() == 1)
        }

        @Test("documented cases", arguments: [
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
        ] as [(String, String, Bool)])
        func documented(pattern: String, string: String, expected: Bool) {
            #expect(FNMatch.matches(pattern: pattern, string) == expected)
            #expect(glibc(pattern, string) == expected)
        }

        @Test("every short pattern against every short string matches glibc (exhaustive)")
        func exhaustiveShort() {
            let patternAlphabet = ["a", "*", "?", "[", "]", "!", "-", "\\"]
            let stringAlphabet = ["a", "b", "-", "]", "\\"]
            func all(_ alphabet: [String], upTo length: Int) -> [String] {
                var result = [""]
                var layer = [""]
                for _ in 0..<length {
                    layer = layer.flatMap { prefix in alphabet.map { prefix + $0 } }
                    result += layer
                }
                return result
            }
            let patterns = all(patternAlphabet, upTo: 4)
            let strings = all(stringAlphabet, upTo: 3)
            var mismatches: [String] = []
            for pattern in patterns {
                for string in strings where FNMatch.matches(pattern: pattern, string) != glibc(pattern, string) {
                    mismatches.append("fnmatch(\"\(pattern)\", \"\(string)\")")
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) of \(patterns.count * strings.count): \(mismatches.prefix(10))")
        }

        @Test("random patterns and strings with classes, ranges and escapes match glibc (fixed seed)")
        func randomized() {
            var rng = KernelFixtures.SeededGenerator(seed: KernelFixtures.environment("VFIOCTL_FNMATCH_SEED").flatMap { UInt64($0) } ?? 0x5EED_F00D)
            let patternPieces = ["a", "b", "c", "A", "1", "-", "]", "[", "!", "^", "\\", "*", "*", "?", ":", ".", "=",
                                 "[:alpha:]", "[:digit:]", "[:upper:]", "[:xdigit:]", "[:bogus:]", "[:", ":]",
                                 "[=a=]", "[=", "=]", "[.a.]", "[.ab.]", "[.", ".]", "[a-c]", "[!a-b]", "[^]]", "[]-a]"]
            let stringPieces = ["a", "b", "c", "A", "F", "1", "-", "]", "[", "!", "^", "\\", "*", "?", ":", ".", "=", " "]
            var mismatches: [String] = []
            let rounds = KernelFixtures.environment("VFIOCTL_FNMATCH_ROUNDS").flatMap { Int($0) } ?? 300_000
            for _ in 0..<rounds {
                let pattern = (0..<Int.random(in: 0...8, using: &rng)).map { _ in patternPieces.randomElement(using: &rng)! }.joined()
                let string: String
                if Bool.random(using: &rng) {
                    string = (0..<Int.random(in: 0...7, using: &rng)).map { _ in stringPieces.randomElement(using: &rng)! }.joined()
                } else {
                    // Strings built from the pattern itself match far more often.
                    string = String(pattern.filter { _ in Int.random(in: 0..<4, using: &rng) != 0 })
                }
                if FNMatch.matches(pattern: pattern, string) != glibc(pattern, string) {
                    mismatches.append("fnmatch(\"\(pattern)\", \"\(string)\") glibc=\(glibc(pattern, string))")
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) of \(rounds): \(mismatches.prefix(10))")
        }

        @Test("random PCI-like patterns against modaliases match glibc (fixed seed)")
        func randomizedModalias() {
            var rng = KernelFixtures.SeededGenerator(seed: 42)
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
            var mismatches = 0
            for _ in 0..<20_000 {
                let pattern = "pci:v\(field(8))d\(field(8))sv\(field(8))sd\(field(8))bc\(field(2))sc\(field(2))i\(field(2))*"
                let key = "pci:v0000\(String((0..<4).map { _ in hex.randomElement(using: &rng)! }))d0000"
                    + String((0..<4).map { _ in hex.randomElement(using: &rng)! })
                    + "sv00001234sd00005678bc0\(hex.randomElement(using: &rng)!)sc00i0\(hex.randomElement(using: &rng)!)"
                if FNMatch.matches(pattern: pattern, key) != glibc(pattern, key) { mismatches += 1 }
            }
            #expect(mismatches == 0)
        }
    }
}

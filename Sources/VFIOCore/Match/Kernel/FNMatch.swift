/// `fnmatch(pattern, string, 0)` as glibc 2.36 computes it in the C locale (what kmod's tools run in: they never
/// call setlocale), over UTF-8 bytes, without allocating. A port of glibc's `posix/fnmatch_loop.c`
/// single-byte path with every flag off, quirks included, so that answers are identical — the tests compare
/// it with `Glibc.fnmatch` on hundreds of thousands of generated pattern/string pairs:
///
/// - `*` and `?` match any byte (no FNM_PATHNAME or FNM_PERIOD special cases with flags 0).
/// - `\x` matches `x`; a trailing `\` never matches.
/// - `[...]`: `!` or `^` negates (glibc treats `^` like `!` unless POSIXLY_CORRECT is set; vfioctl assumes it
///   is not), a leading `]` is literal, `a-z` ranges compare byte values (the C locale's collation order),
///   `[:alpha:]`-style classes of the C locale, `[=a=]` and `[.a.]` single-character forms, `\` escapes.
/// - An unterminated `[` is an ordinary character (glibc ≥ 2.34, the version Debian 12 ships; earlier
///   releases failed the match when an item inside it had already matched).
/// - A NUL byte ends the pattern or the string, as in C.
///
/// libkmod does not call this on a whole alias: see `AliasPattern.matches(_:)` for how it splits a pattern.
public enum FNMatch {
    /// Whether `string` matches `pattern` as `fnmatch(pattern, string, 0) == 0` would say.
    public static func matches(pattern: String, _ string: String) -> Bool {
        var pattern = pattern
        var string = string
        return pattern.withUTF8 { p in string.withUTF8 { s in matches(pattern: p, s) } }
    }

    /// The byte-level entry point: no copies, no allocation.
    public static func matches(pattern: UnsafeBufferPointer<UInt8>, _ string: UnsafeBufferPointer<UInt8>) -> Bool {
        // C strings end at the first NUL.
        let pLen = pattern.firstIndex(of: 0) ?? pattern.count
        let sLen = string.firstIndex(of: 0) ?? string.count
        let matcher = Matcher(p: pattern, pLen: pLen, s: string, sLen: sLen)
        return matcher.match(0, 0, nil)
    }

    /// The same for buffers known to hold no NUL byte (alias patterns and keys refuse them).
    static func matchesWithoutNUL(pattern: UnsafeBufferPointer<UInt8>, _ string: UnsafeBufferPointer<UInt8>) -> Bool {
        Matcher(p: pattern, pLen: pattern.count, s: string, sLen: string.count).match(0, 0, nil)
    }
}

/// Where a nested match stopped at the next `*` (glibc's `struct STRUCT ends`).
private struct StarResume {
    var pattern = -1
    var string = 0
}

private enum ASCII {
    static let nul: UInt8 = 0
    static let star = UInt8(ascii: "*")
    static let question = UInt8(ascii: "?")
    static let backslash = UInt8(ascii: "\\")
    static let open = UInt8(ascii: "[")
    static let close = UInt8(ascii: "]")
    static let bang = UInt8(ascii: "!")
    static let caret = UInt8(ascii: "^")
    static let colon = UInt8(ascii: ":")
    static let equals = UInt8(ascii: "=")
    static let dot = UInt8(ascii: ".")
    static let dash = UInt8(ascii: "-")
    static let lowerA = UInt8(ascii: "a")
    static let lowerZ = UInt8(ascii: "z")
}

/// glibc's CHARCLASS_NAME_MAX: a longer `[:name:]` makes the pattern ill-formed.
private let charClassMaxLength = 2048

private struct Matcher {
    let p: UnsafeBufferPointer<UInt8>
    let pLen: Int
    let s: UnsafeBufferPointer<UInt8>
    let sLen: Int

    /// `*p` with the terminating NUL past the end.
    @inline(__always) func pc(_ i: Int) -> UInt8 { i < pLen ? p[i] : 0 }
    /// `*n` with the terminating NUL past the end.
    @inline(__always) func sc(_ i: Int) -> UInt8 { i < sLen ? s[i] : 0 }

    /// glibc's FCT with flags 0: true for a match (0), false for FNM_NOMATCH.
    func match(_ pStart: Int, _ nStart: Int, _ ends: UnsafeMutablePointer<StarResume>?) -> Bool {
        var p = pStart
        var n = nStart
        while true {
            let c = pc(p)
            p += 1
            if c == ASCII.nul { break }
            switch c {
            case ASCII.question:
                if n == sLen { return false }

            case ASCII.backslash:
                let escaped = pc(p)
                p += 1
                if escaped == ASCII.nul { return false }  // trailing \ loses
                if n == sLen || sc(n) != escaped { return false }

            case ASCII.star:
                if let ends {
                    ends.pointee = StarResume(pattern: p - 1, string: n)
                    return true
                }
                var next = pc(p)
                p += 1
                while next == ASCII.question || next == ASCII.star {
                    if next == ASCII.question {
                        if n == sLen { return false }
                        n += 1
                    }
                    next = pc(p)
                    p += 1
                }
                if next == ASCII.nul { return true }
                var resume = StarResume()
                var found = false
                if next == ASCII.open {
                    p -= 1
                    while n < sLen {
                        if withUnsafeMutablePointer(to: &resume, { match(p, n, $0) }) {
                            found = true
                            break
                        }
                        n += 1
                    }
                } else {
                    let literal = next == ASCII.backslash ? pc(p) : next
                    p -= 1
                    while n < sLen {
                        if s[n] == literal, withUnsafeMutablePointer(to: &resume, { match(p, n, $0) }) {
                            found = true
                            break
                        }
                        n += 1
                    }
                }
                guard found else { return false }
                if resume.pattern < 0 { return true }
                p = resume.pattern
                n = resume.string
                continue

            case ASCII.open:
                switch bracket(&p, &n) {
                case .noMatch: return false
                case .consumed: break
                }

            default:
                if n == sLen || c != sc(n) { return false }
            }
            n += 1
        }
        return n == sLen
    }

    private enum BracketResult { case noMatch, consumed }

    /// A collating symbol `[.x.]` inside a bracket, `p` on its `.`: moves `p` past the closing `.]`
    /// and returns the symbol. nil (no match) when it is unterminated or longer than one character:
    /// the C locale has no collation names.
    private func collatingSymbol(_ p: inout Int) -> UInt8? {
        let start = p
        var length = 0
        while true {
            p += 1
            let c = pc(p)
            if c == ASCII.dot && pc(p + 1) == ASCII.close {
                p += 2
                break
            }
            if c == ASCII.nul { return nil }
            length += 1
        }
        return length == 1 ? pc(start + 1) : nil
    }

    /// The `[` case of FCT. On entry `p` is just past the `[`. On `.consumed` the caller advances `n`.
    private func bracket(_ p: inout Int, _ n: inout Int) -> BracketResult {
        let pInit = p
        let nInit = n
        if n == sLen { return .noMatch }
        let negated = pc(p) == ASCII.bang || pc(p) == ASCII.caret
        if negated { p += 1 }
        let fn = sc(n)
        var c = pc(p)
        p += 1
        var cold: UInt8 = 0
        var matched = false

        scan: while true {
            // Which of glibc's branches this item takes.
            var normalBracket = false  // goto normal_bracket (with `c` set)
            var inElseBranch = false   // reached the range check at the end of the else branch

            if c == ASCII.backslash {
                if pc(p) == ASCII.nul { return .noMatch }
                c = pc(p)
                p += 1
                normalBracket = true
            } else if c == ASCII.open && pc(p) == ASCII.colon {
                let startp = p
                var length = 0
                var isClass = true
                while true {
                    if length == charClassMaxLength { return .noMatch }
                    p += 1
                    c = pc(p)
                    if c == ASCII.colon && pc(p + 1) == ASCII.close {
                        p += 2
                        break
                    }
                    if c < ASCII.lowerA || c >= ASCII.lowerZ {
                        // Cannot be a class name: match it as a normal range.
                        p = startp
                        c = ASCII.open
                        isClass = false
                        break
                    }
                    length += 1
                }
                if isClass {
                    guard let characterClass = CharacterClass(self.p, from: startp + 1, count: length) else {
                        return .noMatch  // invalid class name
                    }
                    if characterClass.contains(fn) {
                        matched = true
                        break scan
                    }
                    c = pc(p)
                    p += 1
                } else {
                    normalBracket = true
                }
            } else if c == ASCII.open && pc(p) == ASCII.equals {
                let startp = p
                p += 1
                c = pc(p)
                if c == ASCII.nul {
                    p = startp
                    c = ASCII.open
                    normalBracket = true
                } else {
                    let single = c
                    p += 1
                    c = pc(p)
                    if c != ASCII.equals || pc(p + 1) != ASCII.close {
                        p = startp
                        c = ASCII.open
                        normalBracket = true
                    } else {
                        p += 2
                        if fn == single {
                            matched = true
                            break scan
                        }
                        c = pc(p)
                        p += 1
                    }
                }
            } else if c == ASCII.nul {
                // `[` unterminated: an ordinary character.
                p = pInit
                n = nInit
                if n == sLen || sc(n) != ASCII.open { return .noMatch }
                return .consumed
            } else if c == ASCII.open && pc(p) == ASCII.dot {
                inElseBranch = true
                guard let symbol = collatingSymbol(&p) else { return .noMatch }
                let isRange = pc(p) == ASCII.dash && pc(p + 1) != ASCII.nul
                if !isRange && sc(n) == symbol {
                    matched = true
                    break scan
                }
                cold = symbol
                c = pc(p)
                p += 1
            } else {
                normalBracket = true
            }

            if normalBracket {
                inElseBranch = true
                let isRange = pc(p) == ASCII.dash && pc(p + 1) != ASCII.nul && pc(p + 1) != ASCII.close
                if !isRange && c == fn {
                    matched = true
                    break scan
                }
                cold = c
                c = pc(p)
                p += 1
            }

            if inElseBranch && c == ASCII.dash && pc(p) != ASCII.close {
                var cend = pc(p)
                p += 1
                if cend == ASCII.open && pc(p) == ASCII.dot {
                    guard let symbol = collatingSymbol(&p) else { return .noMatch }
                    cend = symbol
                } else {
                    if cend == ASCII.backslash {
                        cend = pc(p)
                        p += 1
                    }
                    if cend == ASCII.nul { return .noMatch }
                }
                // Collation order of the C locale is the byte order.
                if cold <= fn && cold <= cend && fn <= cend {
                    matched = true
                    break scan
                }
                c = pc(p)
                p += 1
            }

            if c == ASCII.close { break scan }
        }

        if !matched {
            return negated ? .consumed : .noMatch
        }

        // Skip the rest of the [...] that already matched.
        while true {
            c = pc(p)
            p += 1
            if c == ASCII.close { break }
            if c == ASCII.nul {
                // `[` unterminated after all: an ordinary character (glibc ≥ 2.34; older ones failed here).
                p = pInit
                n = nInit
                if n == sLen || sc(n) != ASCII.open { return .noMatch }
                return .consumed
            }
            if c == ASCII.backslash {
                if pc(p) == ASCII.nul { return .noMatch }
                p += 1
            } else if c == ASCII.open && pc(p) == ASCII.colon {
                var length = 0
                let startp = p
                while true {
                    p += 1
                    c = pc(p)
                    length += 1
                    if length == charClassMaxLength { return .noMatch }
                    if pc(p) == ASCII.colon && pc(p + 1) == ASCII.close { break }
                    if c < ASCII.lowerA || c >= ASCII.lowerZ {
                        p = startp - 2
                        break
                    }
                }
                p += 2
            } else if c == ASCII.open && pc(p) == ASCII.equals {
                p += 1
                c = pc(p)
                if c == ASCII.nul { return .noMatch }
                p += 1
                c = pc(p)
                if c != ASCII.equals || pc(p + 1) != ASCII.close { return .noMatch }
                p += 2
            } else if c == ASCII.open && pc(p) == ASCII.dot {
                while true {
                    p += 1
                    c = pc(p)
                    if c == ASCII.nul { return .noMatch }
                    if c == ASCII.dot && pc(p + 1) == ASCII.close { break }
                }
                p += 2
            }
        }
        return negated ? .noMatch : .consumed
    }
}

/// The C locale's character classes (`wctype(3)` names).
private enum CharacterClass {
    case alnum, alpha, blank, cntrl, digit, graph, lower, print, punct, space, upper, xdigit

    init?(_ p: UnsafeBufferPointer<UInt8>, from start: Int, count: Int) {
        func named(_ name: StaticString) -> Bool {
            guard name.utf8CodeUnitCount == count else { return false }
            return name.withUTF8Buffer { name in
                for i in 0..<count where name[i] != p[start + i] { return false }
                return true
            }
        }
        if named("alnum") { self = .alnum }
        else if named("alpha") { self = .alpha }
        else if named("blank") { self = .blank }
        else if named("cntrl") { self = .cntrl }
        else if named("digit") { self = .digit }
        else if named("graph") { self = .graph }
        else if named("lower") { self = .lower }
        else if named("print") { self = .print }
        else if named("punct") { self = .punct }
        else if named("space") { self = .space }
        else if named("upper") { self = .upper }
        else if named("xdigit") { self = .xdigit }
        else { return nil }
    }

    func contains(_ c: UInt8) -> Bool {
        let digit = (0x30...0x39).contains(c)
        let upper = (0x41...0x5A).contains(c)
        let lower = (0x61...0x7A).contains(c)
        let graph = (0x21...0x7E).contains(c)
        switch self {
        case .alnum: return digit || upper || lower
        case .alpha: return upper || lower
        case .blank: return c == 0x20 || c == 0x09
        case .cntrl: return c < 0x20 || c == 0x7F
        case .digit: return digit
        case .graph: return graph
        case .lower: return lower
        case .print: return graph || c == 0x20
        case .punct: return graph && !(digit || upper || lower)
        case .space: return c == 0x20 || (0x09...0x0D).contains(c)
        case .upper: return upper
        case .xdigit: return digit || (0x41...0x46).contains(c) || (0x61...0x66).contains(c)
        }
    }
}

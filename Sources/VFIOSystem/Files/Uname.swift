#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// The running kernel as uname(2) reports it.
enum Uname {
    /// `uname -r`: the kernel release (`6.1.0-26-amd64`).
    static var release: String { read().release }
    /// `uname -m`: the machine architecture (`x86_64`).
    static var machine: String { read().machine }

    private static func read() -> (release: String, machine: String) {
        var names = utsname()
        uname(&names)
        // The fields are fixed-size C strings, NUL-terminated.
        func text<Field>(_ field: Field) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return (text(names.release), text(names.machine))
    }
}

// toml-test-decoder: the decoder side of toml-test (https://github.com/toml-lang/toml-test), so that
// vfioctl's TOML reader can be checked the way TOML implementations show conformance.
//
//   toml-test-decoder < file.toml
//
// Reads TOML on standard input. Valid: prints the document as toml-test's tagged JSON and exits 0.
// Invalid: prints `toml-test-decoder: line N: MESSAGE` on standard error and exits 1.
// Built with the package, never installed.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VFIOCore
import VFIOSystem

/// All of standard input.
func readStandardInput() -> [UInt8] {
    var input: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { buffer in
            retryingOnInterrupt { read(STDIN_FILENO, buffer.baseAddress, buffer.count) }
        }
        guard count > 0 else { break }
        input += chunk[0..<count]
    }
    return input
}

func writeAll(_ text: String, to descriptor: Int32) {
    var text = text
    text.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = retryingOnInterrupt { write(descriptor, buffer.baseAddress! + offset, buffer.count - offset) }
            guard written > 0 else { return }
            offset += written
        }
    }
}

do {
    let document = try TOMLParser.parse(bytes: readStandardInput())
    var json = TaggedJSON()
    json.append(document)
    writeAll(json.text + "\n", to: STDOUT_FILENO)
    exit(0)
} catch {
    writeAll("toml-test-decoder: \(error)\n", to: STDERR_FILENO)
    exit(1)
}

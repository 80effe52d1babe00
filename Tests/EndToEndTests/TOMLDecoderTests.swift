import Foundation
import Testing

/// toml-test-decoder speaks toml-test's decoder protocol: TOML on stdin; valid, tagged JSON on stdout
/// and exit 0; invalid, a message on stderr and exit 1.
@Suite struct TOMLDecoderTests {
    static let binary = URL(fileURLWithPath: CLIHost.binary).deletingLastPathComponent().path + "/toml-test-decoder"

    private func decode(_ input: [UInt8]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        let stdin = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = stdin
        process.standardOutput = out
        process.standardError = err
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: Data(input))
        try stdin.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }

    @Test func validDocumentsAsTaggedJSON() throws {
        let toml = """
            s = "tab\\there \\"q\\" \\u00e9\\u0001"
            i = 0xff
            f = [1.5, -inf, nan, 1e100]
            b = true
            odt = 1979-05-27 07:32:00.5z
            ldt = 1979-05-27t07:32:00
            ld = 1979-05-27
            lt = 07:32:00.999
            [[t]]
            x.y = {}
            [[t]]

            """
        let run = try decode(Array(toml.utf8))
        #expect(run.status == 0, "\(run)")
        let expected =
            #"{"s":{"type":"string","value":"tab\there \"q\" é\u0001"},"i":{"type":"integer","value":"255"},"#
            + #""f":[{"type":"float","value":"1.5"},{"type":"float","value":"-inf"},{"type":"float","value":"nan"},"#
            + #"{"type":"float","value":"1e+100"}],"b":{"type":"bool","value":"true"},"#
            + #""odt":{"type":"datetime","value":"1979-05-27T07:32:00.5Z"},"#
            + #""ldt":{"type":"datetime-local","value":"1979-05-27T07:32:00"},"ld":{"type":"date-local","value":"1979-05-27"},"#
            + #""lt":{"type":"time-local","value":"07:32:00.999"},"t":[{"x":{"y":{}}},{}]}"# + "\n"
        #expect(run.stdout == expected)
    }

    @Test func invalidDocumentsExitOne() throws {
        for input in [
            Array("a = 1\na = 2\n".utf8), Array("a = '".utf8) + [0xFF] + Array("'\n".utf8), Array("a = [".utf8)
        ] {
            let run = try decode(input)
            #expect(run.status == 1 && run.stdout.isEmpty, "\(run)")
            #expect(run.stderr.hasPrefix("toml-test-decoder: line "), "\(run)")
        }
    }
}

import ArgumentParser
import VFIOCore

#if canImport(Glibc)
import Glibc
#endif
import VFIOSystem

/// Empty and blank (whitespace-only) values are usage errors, for every option, argument and
/// environment variable of every command. A script with an unset variable (`--sysfs-root "$ROOT"`,
/// `bind "$DEVICE"`) must be refused, never read as "no value": for `--sysfs-root` that meant the live
/// /sys, for a device argument every device.
package enum BlankValue {
    /// What every string option and argument is parsed through (`transform: BlankValue.refused`),
    /// so that swift-argument-parser's own error names the option:
    /// `The value '' is invalid for '--sysfs-root <DIR>': empty or blank values are not allowed`.
    /// A test enumerates every command's options from the parser and tries each with "" and " ".
    static func refused(_ text: String) throws -> String {
        guard !isBlank(text) else { throw Refusal() }
        return text
    }

    struct Refusal: Error, CustomStringConvertible {
        var description: String { "empty or blank values are not allowed" }
    }

    static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }

    /// The last line of defence, after parsing: a blank word anywhere on the command line (`""`, or
    /// `--option=` with nothing after it) that reached this point is refused all the same. What the
    /// parser lets through gets here (a flag written `--json=`, `help ""`), and so would an option
    /// declared without `refused` — which the test of every option catches, since this message does
    /// not name the option the way the parser's does.
    package static func check(_ arguments: [String]) throws(VFIOError) {
        for (index, argument) in arguments.enumerated() {
            if argument.hasPrefix("-"), let equals = argument.firstIndex(of: "="),
                isBlank(String(argument[argument.index(after: equals)...]))
            {
                throw .usage("empty value for \(UserText.quoted(String(argument[..<equals])))")
            }
            if isBlank(argument) {
                let after = index == 0 ? "vfioctl" : arguments[index - 1]
                throw .usage("empty argument after \(UserText.quoted(after)): empty or blank values are not allowed")
            }
        }
    }
}

/// Reading the variables of `EnvironmentVariable` (VFIOCore lists them). Each is checked before any
/// command runs: set to an empty or blank value is a usage error, not the default.
extension EnvironmentVariable {
    /// The value in `context`'s environment, or nil when unset (`checkAll` has refused a blank one).
    func value(in context: CommandContext) -> String? { context.environment(rawValue) }

    package static func checkAll(_ environment: [String: String]) throws(VFIOError) {
        for variable in allCases {
            guard let value = environment[variable.rawValue] else { continue }
            if BlankValue.isBlank(value) {
                throw .usage("\(variable.rawValue) is set but empty", hint: "unset it or give it a value")
            }
            if variable.isPathList,
                value.split(separator: ":", omittingEmptySubsequences: false).contains(where: {
                    BlankValue.isBlank(String($0))
                })
            {
                throw .usage(
                    "\(variable.rawValue) has an empty path in \(UserText.quoted(value))",
                    hint: "separate paths with one ':'")
            }
        }
    }
}

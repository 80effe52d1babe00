// Options that take one of a closed set of values (--method, --force, --class names): the help, the
// completions and the errors list the values the code knows, never a hand-kept copy that can drift.
import Foundation
import Testing
import TestSupport
import VFIOCore
import VFIOSystem

@Suite struct OptionChoiceTests {
    static let forceCodes =
        SafetyCode.allCases.map(\.rawValue) + [BindEngine.groupCode, BindEngine.newIDCode, BindEngine.noGroupCode]
    static let methods = ["driver_override", "new_id"]
    static let classNames = ClassFilter.names.map(\.name)

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionsOfferEveryValue(shell: String) throws {
        let run = try CLIHost().run(["--generate-completion-script", shell])
        #expect(run.status == 0, "\(run)")
        for value in Self.forceCodes + Self.methods + Self.classNames {
            #expect(run.stdout.contains(value), "\(shell) completion lacks \(value)")
        }
    }

    @Test func helpListsEveryForceCodeAndMethod() throws {
        let help = try CLIHost().run(["help", "bind"])
        #expect(help.status == 0, "\(help)")
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains(Self.forceCodes.joined(separator: ", ")), "\(text)")
        #expect(text.contains(Self.methods.joined(separator: ", ")), "\(text)")
        let list = try CLIHost().run(["help", "list"]).stdout.split(whereSeparator: \.isWhitespace).joined(
            separator: " ")
        #expect(list.contains(Self.classNames.joined(separator: ", ")), "\(list)")
    }

    @Test(arguments: [
        (
            ["bind", "0a:00.0", "--dry-run", "--method", "sideways"], "--method <method>",
            ["unknown --method 'sideways'"] + methods
        ),
        (
            ["bind", "0a:00.0", "--dry-run", "--force", "everything"], "--force <code>",
            ["unknown --force code 'everything'"] + forceCodes
        ),
        (
            ["unbind", "0a:00.0", "--dry-run", "--force", "mounted,swap"], "--force <code>",
            ["'mounted,swap'"] + forceCodes
        )
    ])
    func anUnknownValueIsOneLineNamingTheOptionAndTheValues(arguments: [String], option: String, says: [String]) throws
    {
        let run = try CLIHost().run(arguments)
        #expect(run.status == 2, "\(run)")
        #expect(run.stdout.isEmpty, "\(run)")
        #expect(run.stderr.hasPrefix("vfioctl: error: "), "\(run)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run)")
        #expect(run.stderr.contains("'\(option)'"), "\(run)")
        for text in says { #expect(run.stderr.contains(text), "\(run)") }
    }

    /// The spellings `override` and `new-id` are accepted as they always were.
    @Test(arguments: [("override", "driver_override"), ("new-id", "new_id"), ("new_id", "new_id")])
    func methodAliasesStillWork(method: String, says: String) throws {
        let run = try CLIHost().run(["bind", "0a:00.0", "--driver", "vfio-pci", "--method", method, "--dry-run"])
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains(says), "\(run)")
    }
}

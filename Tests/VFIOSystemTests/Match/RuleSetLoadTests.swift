import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// Loading the rule directories (`RuleSet.load`): which files are read, and in which order.
@Suite struct RuleSetLoadTests {
    @Test func laterDirectoryReplacesSameNamedFile() throws {
        let tree = TemporaryTree()
        tree.file("usr/50-a.toml", "[[rule]]\nvendor = \"8086\"\ndrivers = [\"from_usr\"]\n")
        tree.file("usr/60-b.toml", "[[rule]]\nvendor = \"8086\"\ndrivers = [\"from_usr_b\"]\n")
        tree.file("etc/50-a.toml", "[[rule]]\nvendor = \"8086\"\ndrivers = [\"from_etc\"]\n")
        tree.file("etc/10-c.toml", "[[rule]]\nvendor = \"8086\"\ndrivers = [\"from_etc_c\"]\n")
        tree.file("etc/notes.txt", "ignored")
        let set = try RuleSet.load(directories: [
            (tree.path + "/usr", .shippedDefaults), (tree.path + "/etc", .administrator)
        ])
        #expect(set.rules.map { $0.drivers[0].rawValue } == ["from_etc_c", "from_etc", "from_usr_b"])
        #expect(set.rules[1].precedence == .administrator)
        #expect(set.rules[2].precedence == .shippedDefaults)
    }
}

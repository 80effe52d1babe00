import Testing
@testable import VFIOCore

/// `--owner USER[:GROUP]` and `--mode MODE` (state keys `owner`, `mode`): read as chown(1) reads
/// them, names of the portable form only, modes that never reach other users.
@Suite struct NodeOwnershipTests {
    @Test func ownerFormsReadAsChownReadsThem() throws {
        #expect(try OwnerSpec(parsing: "alice") == OwnerSpec(user: .name("alice"), group: .unchanged))
        #expect(try OwnerSpec(parsing: "alice:") == OwnerSpec(user: .name("alice"), group: .loginGroup))
        #expect(try OwnerSpec(parsing: "alice:kvm") == OwnerSpec(user: .name("alice"), group: .account(.name("kvm"))))
        #expect(try OwnerSpec(parsing: ":kvm") == OwnerSpec(user: nil, group: .account(.name("kvm"))))
        #expect(try OwnerSpec(parsing: "1000:994") == OwnerSpec(user: .id(1000), group: .account(.id(994))))
        #expect(try OwnerSpec(parsing: "_svc.qemu-1$") == OwnerSpec(user: .name("_svc.qemu-1$"), group: .unchanged))
        #expect(try OwnerSpec(parsing: "alice:kvm").description == "alice:kvm")
        #expect(try OwnerSpec(parsing: "alice:").description == "alice:")
    }

    @Test(arguments: [
        "", ":", "alice:kvm:x", "al ice", "alice\n", "\"alice\"", "alice,kvm", "al'ice", "-alice", ".alice",
        "alice:kvm\"", "4294967295", "99999999999", "a$b", String(repeating: "a", count: 33), "ålice", "alice/..",
        "$", "alice:-kvm"
    ])
    func malformedOwnersAreRefused(_ text: String) {
        #expect(throws: OwnershipSyntaxError.self) { try OwnerSpec(parsing: text) }
    }

    @Test func theLongestNameAccepted() throws {
        let name = String(repeating: "a", count: OwnerSpec.maximumNameLength)
        #expect(try OwnerSpec(parsing: name).user == .name(name))
    }

    @Test func modesAreOctalAndNeverForOthers() throws {
        #expect(try NodeMode(parsing: "660").bits == 0o660)
        #expect(try NodeMode(parsing: "0600").description == "0600")
        #expect(try NodeMode(parsing: "0060").description == "0060")
        #expect(try NodeMode(parsing: "440").description == "0440")
    }

    @Test(arguments: [
        "", "66", "06600", "0666", "0604", "0661", "4660", "1660", "2660", "0x660", "689", "+660", " 660", "६६०"
    ])
    func badModesAreRefused(_ text: String) {
        #expect(throws: OwnershipSyntaxError.self) { try NodeMode(parsing: text) }
    }

    @Test func refusalsSayWhy() {
        do throws(OwnershipSyntaxError) {
            _ = try NodeMode(parsing: "0666")
            Issue.record("0666 accepted")
        } catch {
            #expect(error.message.contains("other users"))
        }
        do throws(OwnershipSyntaxError) {
            _ = try OwnerSpec(parsing: "bob\"x")
            Issue.record("a quote accepted")
        } catch {
            #expect(error.message.contains("invalid user name"))
        }
    }

    @Test func attributesSatisfyOnlyWhatIsAsked() {
        let node = NodeAttributes(path: "/dev/vfio/10", uid: 1000, gid: 0, mode: NodeMode(bits: 0o600))
        #expect(node.satisfies(NodeOwnership(uid: 1000, gid: nil, mode: nil)))
        #expect(!node.satisfies(NodeOwnership(uid: 1000, gid: 994, mode: nil)))
        #expect(!node.satisfies(NodeOwnership(uid: 1000, gid: nil, mode: NodeMode(bits: 0o660))))
    }
}

import Testing
@testable import VFIOCore

/// The udev lines `persist` installs for entries with an owner (Golden/udev-node-ownership.rules).
@Suite struct NodeOwnershipRulesTests {
    @Test func linesPerDeviceNamesOrIds() throws {
        let text = NodeOwnershipRules.text(
            [
                (
                    address: PCIAddress("0000:01:00.0")!,
                    ownership: NodeOwnership(
                        uid: 1000, gid: 994, mode: NodeMode(bits: 0o660), userName: "alice", groupName: "kvm"),
                    line: 1
                ),
                // A name NSS gave that a udev rule could not carry as written: the id instead.
                (
                    address: PCIAddress("0000:02:00.0")!,
                    ownership: NodeOwnership(uid: 1001, gid: nil, mode: nil, userName: "bob\"\nRUN+=\"x"),
                    line: 7
                ),
                (
                    address: PCIAddress("0000:03:00.0")!,
                    ownership: NodeOwnership(uid: nil, gid: 36, mode: NodeMode(bits: 0o060), groupName: "kvm"),
                    line: 12
                )
            ],
            unaddressed: [(20, "ids 15b3:101e")])
        Golden.check(text, "udev-node-ownership.rules")
        #expect(!text.contains("RUN"))
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() where !line.hasPrefix("#")
        {
            #expect(line.hasPrefix("ACTION!=\"remove\", SUBSYSTEM==\"vfio"))
            #expect(line.filter { $0 == "\"" }.count % 2 == 0)
        }
    }

    @Test func nothingForNoOwners() {
        #expect(NodeOwnershipRules.text([], unaddressed: []) == "")
    }
}

import Testing
@testable import VFIOCore

/// State keys `owner` and `mode`.
@Suite struct DesiredStateOwnershipTests {
    func parse(_ keys: String, state: String = "state = \"vfio\"") throws(VFIOError) -> DesiredState {
        try DesiredState.parse(
            """
            [[device]]
            address = "0000:01:00.0"
            vendor = "8086"
            device = "10d3"
            \(state)
            \(keys)
            """, file: "state.toml")
    }

    @Test func ownerAndModeAreRead() throws {
        let entry = try #require(try parse("owner = \"alice:kvm\"\nmode = \"0660\"").entries.first)
        #expect(entry.owner == OwnerSpec(user: .name("alice"), group: .account(.name("kvm"))))
        #expect(entry.mode == NodeMode(bits: 0o660))
        let variant = try #require(try parse("owner = \"alice\"", state: "driver = \"mlx5_vfio_pci\"").entries.first)
        #expect(variant.owner?.user == .name("alice"))
        #expect(variant.mode == nil)
    }

    @Test(arguments: [
        ("owner = \"\"", "invalid owner"), ("owner = \"a\\\"b\"", "invalid user name"),
        ("owner = \"alice\"\nmode = \"0666\"", "other users"), ("mode = \"0660\"", "mode needs owner"),
        ("owner = \"alice\"\nmode = \"04660\"", "invalid mode"), ("owner = 1000", "owner"),
        ("owner = \"alice\\nroot\"", "invalid user name")
    ])
    func badValuesAreUsageErrorsOnTheirLine(_ keys: String, _ message: String) {
        do {
            _ = try parse(keys)
            Issue.record("accepted \(keys)")
        } catch {
            #expect(error.status == .usage)
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.message.contains("state.toml:"), "\(error.message)")
        }
    }

    @Test(arguments: ["state = \"host\"", "state = \"stub\"", "driver = \"pci-stub\"", "driver = \"e1000e\""])
    func anOwnerNeedsAVFIOState(_ state: String) {
        #expect(throws: VFIOError.self) { try parse("owner = \"alice\"", state: state) }
    }
}

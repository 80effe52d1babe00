import Testing
@testable import VFIOCore

@Suite struct RuleFileTests {
    func parse(_ text: String) throws(VFIOError) -> [Rule] {
        try RuleFile.parse(text, file: "/etc/vfioctl/rules.d/50-test.toml", precedence: .administrator)
    }

    @Test func parsesEveryMatchKeyAndAction() throws {
        let rules = try parse(
            """
            [[rule]]
            name = "gh"
            vendor = "10de"
            device = ["2342", "2345"]
            subsystem_vendor = "10de"
            subsystem_device = "16c1"
            class = "0302"
            revision = "a1"
            address = "0000:0[0-9]:00.*"
            function = "pf"
            arch = ["aarch64", "x86_64"]
            kernel = ">=6.10, <7"
            drivers = ["nvgrace-gpu-vfio-pci", "vfio-pci"]
            deny = ["virtio_vfio_pci"]
            reason = "why"
            priority = 5
            fallback = false
            """)
        #expect(rules.count == 1)
        let rule = rules[0]
        #expect(rule.name == "gh")
        #expect(rule.location == SourceLocation(file: "/etc/vfioctl/rules.d/50-test.toml", line: 1))
        #expect(rule.vendor == VendorID(0x10de))
        #expect(rule.device == [DeviceID(0x2342), DeviceID(0x2345)])
        #expect(rule.classMatch == Rule.ClassMatch(value: 0x030200, mask: 0xFFFF00))
        #expect(rule.drivers.map(\.rawValue) == ["nvgrace_gpu_vfio_pci", "vfio_pci"])
        #expect(rule.deny.map(\.rawValue) == ["virtio_vfio_pci"])
        #expect(rule.priority == 5)
        #expect(rule.fallback == false)
        #expect(rule.function == .pf)
    }

    @Test(arguments: [
        ("[[rule]]\nvendor = \"8086\"\ncolour = \"red\"\ndrivers = [\"vfio-pci\"]\n", 3, "unknown key 'colour'"),
        ("[[rule]]\nvendor = 8086\ndrivers = [\"vfio-pci\"]\n", 2, "must be a string"),
        ("[[rule]]\nvendor = \"xyz\"\ndrivers = [\"vfio-pci\"]\n", 2, "invalid vendor 'xyz'"),
        ("[[rule]]\nclass = \"030\"\ndrivers = [\"vfio-pci\"]\n", 2, "invalid class"),
        ("[[rule]]\nvendor = \"8086\"\n", 1, "neither 'drivers' nor 'deny'"),
        ("[[rule]]\ndrivers = [\"a/b\"]\n", 2, "invalid module name"),
        ("[[rule]]\ndrivers = [1]\n", 2, "must list strings"),
        ("[[rule]]\nfunction = \"both\"\ndrivers = [\"vfio-pci\"]\n", 2, "invalid function"),
        ("[[rule]]\nkernel = \"new\"\ndrivers = [\"vfio-pci\"]\n", 2, "invalid kernel"),
        ("[[rule]]\naddress = \"../x\"\ndrivers = [\"vfio-pci\"]\n", 2, "invalid address"),
        ("rules = 1\n", 1, "unknown key 'rules'"),
        ("[[rule]]\npriority = \"high\"\ndrivers = [\"vfio-pci\"]\n", 2, "must be an integer")
    ])
    func badFilesGiveFileAndLine(text: String, line: Int, message: String) {
        do {
            _ = try parse(text)
            Issue.record("accepted \(text.debugDescription)")
        } catch {
            #expect(error.status == .usage)
            #expect(error.message.hasPrefix("/etc/vfioctl/rules.d/50-test.toml:\(line): "), "\(error.message)")
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func classForms() {
        #expect(RuleFile.classMatch("03")?.matches(ClassCode(0x030200)!) == true)
        #expect(RuleFile.classMatch("0300")?.matches(ClassCode(0x030200)!) == false)
        #expect(RuleFile.classMatch("030000/ff0000")?.matches(ClassCode(0x038000)!) == true)
        #expect(RuleFile.classMatch("0x020000")?.matches(ClassCode(0x020000)!) == true)
        #expect(RuleFile.classMatch("0x02000") == nil)
    }

    @Test func kernelRanges() {
        #expect(KernelVersionRange(">=6.10")!.contains("6.12.3-amd64"))
        #expect(!KernelVersionRange(">=6.10")!.contains("6.1.0-56-amd64"))
        #expect(KernelVersionRange(">=6.8, <6.12")!.contains("6.10"))
        #expect(!KernelVersionRange(">=6.8, <6.12")!.contains("6.12.0"))
        #expect(KernelVersionRange("6.1")!.contains("6.1.0-56-amd64"))
        #expect(!KernelVersionRange("6.1")!.contains("6.10.2"))
        #expect(KernelVersionRange("<=6.1")!.contains("6.1.0"))
        #expect(KernelVersionRange("fast") == nil)
    }

    @Test func addressGlobs() {
        #expect(Glob.matches(pattern: "0000:00:02.*", "0000:00:02.0"))
        #expect(Glob.matches(pattern: "0000:0[0-4]:00.?", "0000:03:00.1"))
        #expect(!Glob.matches(pattern: "0000:0[!0-4]:00.?", "0000:03:00.1"))
        #expect(!Glob.matches(pattern: "0000:00:02.0", "0000:00:02.1"))
    }

    @Test func specificityFollowsThePCICoreOrder() throws {
        let rules = try parse(
            """
            [[rule]]
            vendor = "8086"
            class = "02"
            drivers = ["a"]
            [[rule]]
            device = "10d3"
            drivers = ["b"]
            """)
        // A pinned device outranks vendor + class.
        #expect(rules[1].specificity > rules[0].specificity)
    }

    /// Random rule files either load or fail with `file:line:`, never crash.
    @Test func randomRuleFilesNeverCrash() {
        var rng = SplitMix(seed: 42)
        let keys = [
            "vendor", "device", "class", "drivers", "deny", "priority", "address", "kernel", "function", "arch", "bogus"
        ]
        let values = [
            "\"8086\"", "\"zz\"", "[\"vfio-pci\"]", "[]", "3", "true", "\"0300\"", "\">=6\"", "\"vf\"", "[1]", "\"\""
        ]
        for _ in 0..<2000 {
            var text = ""
            for _ in 0..<Int(rng.next() % 4) {
                text += "[[rule]]\n"
                for _ in 0..<Int(rng.next() % 5) {
                    text +=
                        "\(keys[Int(rng.next() % UInt64(keys.count))]) = \(values[Int(rng.next() % UInt64(values.count))])\n"
                }
            }
            do {
                _ = try parse(text)
            } catch {
                #expect(error.message.hasPrefix("/etc/vfioctl/rules.d/50-test.toml:"), "\(error.message)")
            }
        }
    }
}

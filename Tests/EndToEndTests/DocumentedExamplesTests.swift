// The samples in README.md, docs/*.md and the manual pages (man/*.8, man/*.5) are real output: each
// `$ vfioctl ...` sample of a fenced block (an `.EX` block in a page) is run against the simulated
// QEMU test machine (KernelSimulator.standard(), the VM of scripts/vm/run.sh) and what the document
// shows must be what vfioctl prints. A sample no case here knows how to run fails the test, so a new
// sample cannot go stale unchecked either. The commands of README.md's provisioning block write to the
// kernel: integration/vm/guest/60-documented-examples.sh runs those on a real one.
import Foundation
import Testing
import TestSupport
import VFIOCore
import VFIOSystem

/// One `$ vfioctl ...` line of a fenced block and the lines shown under it.
struct DocumentedSample: CustomStringConvertible {
    var file: String
    var line: Int
    var arguments: [String]
    var shown: [String]
    var description: String { "\(file):\(line): vfioctl \(arguments.joined(separator: " "))" }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func files(in directory: String, suffixes: [String]) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: repository.path + "/" + directory)
            .filter { name in suffixes.contains { name.hasSuffix($0) } }.sorted().map { directory + "/" + $0 }
    }

    /// Every sample of README.md, docs/*.md and the manual pages. `sudo` and a trailing `# comment`
    /// are not part of the command.
    static func all() throws -> [DocumentedSample] {
        var samples: [DocumentedSample] = []
        for file in try ["README.md"] + files(in: "docs", suffixes: [".md"]) {
            samples += Self.samples(
                in: try String(contentsOfFile: repository.path + "/" + file, encoding: .utf8), file: file)
        }
        for file in try files(in: "man", suffixes: [".5", ".8"]) {
            let page = try String(contentsOfFile: repository.path + "/" + file, encoding: .utf8)
            samples += Self.samples(in: fencedExamples(ofPage: page), file: file)
        }
        return samples
    }

    /// A manual page with its `.EX`/`.EE` blocks as fences and their text unescaped; every other
    /// line blank, so line numbers stay the page's.
    static func fencedExamples(ofPage page: String) -> String {
        var inExample = false
        return page.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            switch line {
            case ".EX": inExample = true; return "```"
            case ".EE": inExample = false; return "```"
            default:
                guard inExample else { return "" }
                var text = String(line)
                if text.hasPrefix("\\&") { text.removeFirst(2) }
                return text.replacing("\\-", with: "-").replacing("\\e", with: "\\")
            }
        }.joined(separator: "\n")
    }

    static func samples(in text: String, file: String) -> [DocumentedSample] {
        var samples: [DocumentedSample] = []
        var inFence = false
        var current: Int?  // the sample whose output the next lines are
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```") {
                inFence.toggle()
                current = nil
                continue
            }
            guard inFence else { continue }
            guard line.hasPrefix("$ ") else {
                if let current { samples[current].shown.append(String(line)) }
                continue
            }
            var command = String(line.dropFirst(2))
            if let comment = command.range(of: " #") { command = String(command[..<comment.lowerBound]) }
            var words = command.split(separator: " ").map(String.init)
            if words.first == "sudo" { words.removeFirst() }
            guard words.first == "vfioctl" else {
                current = nil
                continue
            }
            samples.append(
                DocumentedSample(file: file, line: index + 1, arguments: Array(words.dropFirst()), shown: []))
            current = samples.count - 1
        }
        return samples
    }
}

/// The simulated machine on disk for the read-only commands, with the module index of the test VM:
/// its kernel's aliases for the devices that matter, and the test variant driver's alias.
final class DocumentedMachine: @unchecked Sendable {
    let directory: TemporaryDirectory
    let kernel: KernelSimulator
    var sysfs: String { directory.path + "/sysfs" }
    /// Where the index is, named as on the VM: the samples show this path.
    static let modulesPath = "/lib/modules/6.1.0-56-amd64"
    var modules: String { directory.path + Self.modulesPath }
    var state: String { directory.path + "/state" }

    /// `variant`: whether the out-of-tree test variant (test_vfio_pci, aliased to the e1000e) is
    /// installed, as on the VM; without it the index is a stock Debian kernel's.
    init(variant: Bool) throws {
        directory = try TemporaryDirectory(prefix: "vfioctl-docs")
        kernel = KernelSimulator.standard()
        try FileManager.default.createDirectory(atPath: sysfs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: modules, withIntermediateDirectories: true)
        try kernel.materialize(to: sysfs)
        let aliases =
            (variant ? ["alias vfio_pci:v00008086d000010D3sv*sd*bc*sc*i* test_vfio_pci"] : []) + [
                "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci",
                "alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e",
                "alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000",
                "alias pci:v000010ECd00008139sv*sd*bc*sc*i* 8139cp",
                "alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci",
                "alias pci:v*d*sv*sd*bc01sc08i02* nvme"
            ]
        try (aliases.joined(separator: "\n") + "\n").write(
            toFile: modules + "/modules.alias", atomically: true, encoding: .utf8)
        let present =
            ["vfio_pci", "pci_stub", "e1000e", "e1000", "8139cp", "nvme", "virtio_pci"]
            + (variant ? ["test_vfio_pci"] : [])
        try present.map { "kernel/\($0).ko:\n" }.joined().write(
            toFile: modules + "/modules.dep", atomically: true, encoding: .utf8)
        try "kernel/drivers/pci/pcie/portdrv.ko\n".write(
            toFile: modules + "/modules.builtin", atomically: true, encoding: .utf8)
    }

    deinit { directory.remove() }

    /// vfioctl on the tree, as the sample runs it (in this process, or the built binary with
    /// VFIOCTL_E2E_PROCESS=1).
    func run(_ arguments: [String]) throws -> String {
        let environment = Subprocess.cleanEnvironment([
            "VFIOCTL_SYSFS_ROOT": sysfs, "VFIOCTL_MODULES_DIR": modules, "VFIOCTL_STATE_DIR": state,
            "VFIOCTL_SYSTEM_RULES": "0", "VFIOCTL_MODPROBE_DIRS": directory.path + "/modprobe.d"
        ])
        if InProcessRun.needsProcess(environment: environment) {
            return try Subprocess.run([CLIHost.binary] + arguments, environment: environment).stdout
        }
        return InProcessRun.run(arguments, environment: environment).stdout
    }

    /// What `bind` and `unbind` print, from the same engine and text the CLI uses, on the
    /// simulated kernel (a tree on disk has no kernel behind it to react to the writes).
    func operation(_ arguments: [String]) throws -> String {
        var setup = PlannerSetup()
        setup.modulesDirectory = modules
        setup.useShippedRules = false
        setup.useSystemRules = false
        setup.modprobeDirectories = []
        let planner = try setup.makePlanner(sysfs: kernel)
        let inventory = try kernel.inventory()
        let devices = try arguments.dropFirst().map { text throws -> PCIDevice in
            guard case .address(let address) = try DeviceSelector(parsing: text), let device = inventory[address] else {
                throw VFIOError.notFound(text)
            }
            return device
        }
        var options = BindEngine.Options()
        options.waitForUdev = false
        options.timeout = 2
        let engine = BindEngine(
            kernel: kernel, store: StateStore(directory: state), host: HostState(),
            vfioDrivers: VFIODriverSet(sysfs: kernel))
        let report: OperationReport
        switch arguments.first {
        case "bind":
            let request = { (device: PCIDevice) -> BindEngine.Request in
                let plan = planner.plan(device)
                return BindEngine.Request(device: device, chain: plan.chain, blocked: plan.blocked)
            }
            report = engine.bind(devices.map(request), inventory: inventory, companions: request, options: options)
        default:
            let indexSetup = setup
            let hostModules = HostModuleLookup { try? indexSetup.kernelIndex() }
            report = engine.unbind(
                devices.map { device in
                    BindEngine.ReleaseRequest(device: device) { hostModules.modules(for: device) }
                }, options: options)
        }
        return OperationText.report(report, verbose: false)
    }
}

@Suite(.serialized) struct DocumentedExamplesTests {
    /// What may differ between the machine a sample was taken on and this one: nothing but the
    /// temporary directories (shown as the VM's paths) and the line of an alias in the kernel's
    /// modules.alias (tens of thousands of lines on a real kernel, a few here).
    static func normalized(_ text: String, _ machine: DocumentedMachine) -> [String] {
        text.replacing(machine.modules, with: DocumentedMachine.modulesPath)
            .replacing(/modules\.alias:[0-9]+/, with: "modules.alias:LINE")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .reversed().drop { $0.isEmpty }.reversed()
    }

    /// How a sample is run.
    enum Setting {
        /// On the simulated machine on disk; `variant`: with the test variant driver installed.
        case readOnly(variant: Bool)
        /// `bind`/`unbind` on the simulated kernel, one after the other.
        case operation
        /// `bind --owner` through the command on a simulated kernel of its own, with a dev directory
        /// that holds the group node the kernel would make (mknod: root only; skipped otherwise).
        case ownership
        /// With README.md's desired state as `host.toml` (and a temporary image for `--root`).
        case desiredState
    }

    static func setting(of sample: DocumentedSample) -> Setting? {
        switch sample.arguments.first {
        case "list", "show", "groups", "status": .readOnly(variant: false)
        // The README's `plan --explain` is the VM's, with the test variant installed; the pages'
        // plans are a stock kernel's, as their bind samples.
        case "plan": .readOnly(variant: sample.arguments.contains("--explain"))
        case "bind", "unbind": sample.arguments.contains("--owner") ? .ownership : .operation
        case "diff": .desiredState
        // Never the running system's files: only into an image.
        case "persist": sample.arguments.contains("--root") ? .desiredState : nil
        default: nil
        }
    }

    @Test func everySampleIsRealOutput() throws {
        let samples = try DocumentedSample.all()
        #expect(samples.count >= 4, "\(samples)")
        // bind and unbind run one after the other on one machine, as the README shows them.
        let stock = try DocumentedMachine(variant: false)
        for sample in samples {
            let real: [String], shown: [String]
            let machine: DocumentedMachine
            switch Self.setting(of: sample) {
            case .readOnly(let variant):
                machine = try DocumentedMachine(variant: variant)
                real = Self.normalized(try machine.run(sample.arguments), machine)
            case .operation:
                machine = stock
                real = Self.normalized(try stock.operation(sample.arguments), stock)
            case .ownership:
                guard OwnershipCommandTests.isRoot else { continue }
                machine = stock
                real = Self.normalized(try OwnershipCommandTests.machine().run(sample.arguments).stdout, stock)
            case .desiredState:
                // `host.toml` is README.md's desired state; a `--root` image (never the running
                // system) a temporary directory; the program the installed one.
                machine = try DocumentedMachine(variant: false)
                let image = machine.directory.path + "/image"
                try FileManager.default.createDirectory(atPath: image, withIntermediateDirectories: true)
                let hostFile = machine.directory.path + "/host.toml"
                try Self.readmeDesiredState().write(toFile: hostFile, atomically: true, encoding: .utf8)
                let arguments = sample.arguments.map { $0 == "/srv/image" ? image : $0 == "host.toml" ? hostFile : $0 }
                // In-process runs name the test bundle as the binary persist installs (/proc/self/exe).
                let testBundle =
                    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CLIHost.binary
                let printed = try machine.run(arguments).replacing(testBundle, with: "/usr/bin/vfioctl")
                    .replacing(CLIHost.binary, with: "/usr/bin/vfioctl")
                real = Self.normalized(
                    printed.replacing(image, with: "/srv/image").replacing(hostFile, with: "host.toml"), machine)
            case nil:
                Issue.record("\(sample): no case runs this sample; add one")
                continue
            }
            shown = Self.normalized(sample.shown.joined(separator: "\n"), machine)
            #expect(
                shown == real,
                "\(sample) shows\n\(shown.joined(separator: "\n"))\nbut vfioctl prints\n\(real.joined(separator: "\n"))"
            )
        }
    }

    /// README.md's desired-state file (the `host.toml` of its provisioning commands).
    static func readmeDesiredState() throws -> String {
        let readme = try String(contentsOfFile: DocumentedSample.repository.path + "/README.md", encoding: .utf8)
        let block = try #require(
            readme.components(separatedBy: "```toml\n").dropFirst().first { $0.contains("[[device]]") })
        return String(try #require(block.components(separatedBy: "```").first))
    }

    /// Every TOML example of README.md and docs/*.md is a valid rule file or desired-state file
    /// (whichever its tables say it is), so a renamed key cannot leave a stale example behind.
    @Test func everyTOMLExampleParses() throws {
        var checked = 0
        for file in try ["README.md"] + DocumentedSample.files(in: "docs", suffixes: [".md"]) {
            let text = try String(contentsOfFile: DocumentedSample.repository.path + "/" + file, encoding: .utf8)
            for block in text.components(separatedBy: "```toml\n").dropFirst() {
                let example = String(try #require(block.components(separatedBy: "```").first))
                if example.contains("[[rule]]") {
                    #expect(throws: Never.self, "\(file): \(example)") {
                        try RuleFile.parse(example, file: file, precedence: .administrator)
                    }
                } else if example.contains("[[device]]") {
                    #expect(throws: Never.self, "\(file): \(example)") { try DesiredState.parse(example, file: file) }
                } else {
                    Issue.record("\(file): a TOML example that is neither rules nor a desired state: \(example)")
                }
                checked += 1
            }
        }
        #expect(checked >= 3)
    }

    /// The manual pages the unit of `persist enable` names (`Documentation=man:PAGE(N)`) exist.
    @Test func unitDocumentationPagesExist() throws {
        let machine = try DocumentedMachine(variant: false)
        let image = machine.directory.path + "/image"
        try FileManager.default.createDirectory(atPath: image, withIntermediateDirectories: true)
        try Self.readmeDesiredState().write(
            toFile: machine.directory.path + "/host.toml", atomically: true, encoding: .utf8)
        _ = try machine.run(["persist", "enable", "--root", image, machine.directory.path + "/host.toml"])
        let unit = try String(contentsOfFile: image + "/etc/systemd/system/vfioctl.service", encoding: .utf8)
        let pages = unit.matches(of: /man:([a-z0-9.-]+)\(([1-8])\)/).map { "man/\($0.output.1).\($0.output.2)" }
        #expect(!pages.isEmpty, "\(unit)")
        for page in pages {
            #expect(
                FileManager.default.fileExists(atPath: DocumentedSample.repository.path + "/" + page),
                "\(page) is named by the unit")
        }
    }

    /// The keys of the first table after `marker` in docs/json-schema.md (`| \`a\`, \`b\` | type | meaning |`).
    static func documentedKeys(after marker: String) throws -> Set<String> {
        let schema = try String(
            contentsOfFile: DocumentedSample.repository.path + "/docs/json-schema.md", encoding: .utf8)
        let rest = try #require(schema.components(separatedBy: marker).dropFirst().first, "no \(marker)")
        var keys: Set<String> = []
        var inTable = false
        for line in rest.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else {
                if inTable { break }
                continue
            }
            inTable = true
            let cell = line.split(separator: "|", omittingEmptySubsequences: false)[1]
            for match in cell.matches(of: /`([a-z_]+)`/) { keys.insert(String(match.output.1)) }
        }
        keys.remove("key")
        return keys
    }

    /// docs/json-schema.md's DEVICE and PLAN tables name exactly the keys `list --json` and
    /// `plan --json` print for every device.
    @Test func jsonSchemaTablesAreWhatIsPrinted() throws {
        let machine = try DocumentedMachine(variant: false)
        // `kernel_modules` is printed with `list --modules` only (documented as such): each form is
        // checked. `pending_write` only while a write is blocked in the kernel
        // (SimulatedKernelCommandTests.readOnlyCommandsDoNotWaitForADeviceWithAPendingWrite).
        for (arguments, marker, optional) in [
            (["list", "--json", "--modules"], "DEVICE:", Set<String>(["pending_write"])),
            (["list", "--json"], "DEVICE:", ["kernel_modules", "pending_write"]),
            (["plan", "--json"], "## `vfioctl plan --json`", [])
        ] {
            let command = arguments.joined(separator: " ")
            let list = "devices"
            let documented = try Self.documentedKeys(after: marker).subtracting(optional)
            let printed = try machine.run(arguments)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: Any])
            let devices = try #require(document[list] as? [[String: Any]])
            #expect(!devices.isEmpty)
            for device in devices {
                #expect(
                    Set(device.keys) == documented,
                    "\(command) --json \(device["address"] ?? ""): printed \(Set(device.keys).subtracting(documented).sorted()) undocumented, documented \(documented.subtracting(device.keys).sorted()) not printed"
                )
            }
        }
    }

    /// docs/json-schema.md's `persist status --json` document is what an empty root prints.
    @Test func persistStatusJSONIsAsDocumented() throws {
        let schema = try String(
            contentsOfFile: DocumentedSample.repository.path + "/docs/json-schema.md", encoding: .utf8)
        let section = try #require(
            schema.components(separatedBy: "## `vfioctl persist status --json`").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```").dropFirst().first)
        let documented = try #require(
            try JSONSerialization.jsonObject(with: Data(block.dropFirst("json\n".count).utf8)) as? NSDictionary)
        let machine = try DocumentedMachine(variant: false)
        let printed = try machine.run(["persist", "status", "--json", "--root", machine.directory.path + "/root"])
        let real = try #require(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? NSDictionary)
        #expect(documented == real, "documented \(documented), printed \(real)")
    }
}

// Writes vfioctl's manual pages: vfioctl(8) and a page per command from the built binary's own
// description of its command line (`--experimental-dump-help`), with what a person writes in
// docs/man/PAGE.md, and vfioctl-rules(5) / vfioctl-state(5) from docs/rules.md and docs/state-file.md.
// scripts/generate-docs.sh runs it; `--check` there compares its output with the committed man/.
//
//   vfioctl-manual --binary .build/debug/vfioctl --date 2026-11-22 --repository . --output man
import Foundation

struct Failure: Error, CustomStringConvertible {
    var description: String
}

func run(_ executable: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw Failure(description: "\(executable) \(arguments) exited with \(process.terminationStatus)")
    }
    return data
}

/// docs/man/PAGE.md split at its `## SECTION` headings; a heading a page cannot have is an error.
func extraSections(_ path: String) throws -> [String: String] {
    guard FileManager.default.fileExists(atPath: path) else { return [:] }
    var sections: [String: String] = [:]
    var current: String?
    for line in try String(contentsOfFile: path, encoding: .utf8).split(
        separator: "\n", omittingEmptySubsequences: false)
    {
        if line.hasPrefix("## ") {
            let name = String(line.dropFirst(3)).strippingBlanks
            guard CommandPage.extraSections.contains(name) else {
                throw Failure(
                    description:
                        "\(path): section \(name) is not one of \(CommandPage.extraSections.joined(separator: ", "))")
            }
            current = name
            sections[name] = ""
        } else if let current {
            sections[current, default: ""] += line + "\n"
        } else if !line.strippingBlanks.isEmpty, !line.hasPrefix("<!--") {
            throw Failure(description: "\(path): text before the first '## SECTION' heading")
        }
    }
    return sections
}

func main() throws {
    var options: [String: String] = [:]
    var arguments = CommandLine.arguments.dropFirst()
    while let name = arguments.popFirst() {
        guard ["--binary", "--date", "--repository", "--output"].contains(name), let value = arguments.popFirst() else {
            throw Failure(
                description: "usage: vfioctl-manual --binary PATH --date YYYY-MM-DD --repository DIR --output DIR")
        }
        options[name] = value
    }
    guard let binary = options["--binary"], let date = options["--date"], let repository = options["--repository"],
        let output = options["--output"]
    else {
        throw Failure(
            description: "usage: vfioctl-manual --binary PATH --date YYYY-MM-DD --repository DIR --output DIR")
    }

    let tool = try JSONDecoder().decode(ToolInfo.self, from: try run(binary, ["--experimental-dump-help"]))
    let version = String(decoding: try run(binary, ["--version"]), as: UTF8.self).strippingBlanks.replacing(
        "\n", with: "")
    let header = PageHeader(date: date, version: version)
    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)

    var commands = [tool.command]
    var pages: Set<String> = []
    while let command = commands.popLast() {
        commands += command.displayedSubcommands
        let page = CommandPage(
            command: command, extra: try extraSections("\(repository)/docs/man/\(command.pageName).md"), header: header)
        try page.render().write(toFile: "\(output)/\(command.pageName).8", atomically: true, encoding: .utf8)
        pages.insert(command.pageName)
    }
    // A docs/man file whose command is gone would otherwise be silently left out.
    for file in try FileManager.default.contentsOfDirectory(atPath: "\(repository)/docs/man")
    where file.hasSuffix(".md") {
        guard pages.contains(String(file.dropLast(3))) else {
            throw Failure(description: "docs/man/\(file): vfioctl has no command with this page name")
        }
    }
    for document in DocumentPages.all {
        let markdown = try String(contentsOfFile: "\(repository)/\(document.source)", encoding: .utf8)
        try document.render(markdown: markdown, header: header).write(
            toFile: "\(output)/\(document.name).5", atomically: true, encoding: .utf8)
    }
}

do {
    try main()
} catch {
    FileHandle.standardError.write(Data("vfioctl-manual: \(error)\n".utf8))
    exit(1)
}

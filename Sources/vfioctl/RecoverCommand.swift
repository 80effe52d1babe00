import ArgumentParser
import VFIOCore

struct RecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Finish rolling back a transaction that was interrupted (crash, SIGKILL).",
        discussion: "Every writing command does this first on its own; nothing to do exits 0.")

    @OptionGroup var source: SourceOptions
    @OptionGroup var writing: WritingOptions

    func run() throws {
        try writing.finish(try writing.engine(source: source, recoverFirst: false).recover(options: writing.engineOptions()))
    }
}

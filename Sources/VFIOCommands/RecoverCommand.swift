import ArgumentParser
import VFIOCore
import VFIOSystem

struct RecoverCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Finish rolling back a transaction that was interrupted (crash, SIGKILL).",
        discussion: """
            Every writing command does this first on its own (overriding no safety check). Only devices the \
            interrupted run reached are moved back, and only when each still has the ids and class the journal \
            recorded (exit 2 otherwise) and passes the safety checks a bind would (exit 3; --force CODE overrides). \
            A journal that fails is left in place. Nothing to do (or a run still in progress) prints one line and \
            exits 0.
            """)

    @OptionGroup var source: SourceOptions
    @OptionGroup var writing: WritingOptions

    func run(_ context: CommandContext) throws {
        let report = try writing.engine(context, source: source, recoverFirst: false).recover(
            options: writing.engineOptions(context))
        // Nothing moved: the one line saying why (nothing to do, or a run in progress), not silence.
        if !writing.json, report.error == nil, report.devices.isEmpty, let summary = report.checks.last {
            context.terminal.out(summary + "\n")
            return
        }
        try writing.finish(report, context)
    }
}

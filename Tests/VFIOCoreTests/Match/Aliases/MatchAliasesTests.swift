import Testing

/// The parent suite of every Match/Aliases test, so that `swift test --filter Match` runs them with
/// the Match/Kernel tests.
@Suite("Match/Aliases") struct MatchAliasesTests {}

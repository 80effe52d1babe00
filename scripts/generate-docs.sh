#!/usr/bin/env bash
# Regenerates man/ and completions/ from the built binary (never edit them by hand), and the
# built-in rule files from rules.d/ (scripts/generate-rules.sh).
# The pages (Sources/vfioctl-manual): vfioctl(8) and one per command, from the command line's own
# description (--experimental-dump-help), ExitStatus, EnvironmentVariable and docs/man/PAGE.md;
# vfioctl-rules(5) and vfioctl-state(5) from docs/rules.md and docs/state-file.md. Every page must
# render without a warning (groff -ww).
# With --check, regenerates into a temporary directory and fails when the committed files differ.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/swift-flags.sh
. scripts/lib/swift-flags.sh
# A fixed date keeps the pages reproducible; bump it when the command-line interface changes.
DATE=2026-12-07

# First: the binary the pages come from embeds these.
scripts/generate-rules.sh ${1:+"$1"}

out_man=man out_comp=completions
if [[ "${1:-}" == "--check" ]]; then
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    out_man="$tmp/man" out_comp="$tmp/completions"
fi
mkdir -p "$out_man" "$out_comp"

swift_build --product vfioctl >/dev/null
bin="$(swift_build --show-bin-path)/vfioctl"
swift_build --product vfioctl-manual >/dev/null
rm -f "$out_man"/*.[158]
"$(swift_build --show-bin-path)/vfioctl-manual" --binary "$bin" --date "$DATE" --repository . --output "$out_man"
for page in "$out_man"/*.[58]; do
    warnings=$(LC_ALL=C.UTF-8 groff -ww -man -z "$page" 2>&1)
    if [[ -n "$warnings" ]]; then
        echo "$warnings" >&2
        echo "generate-docs: $(basename "$page") does not render cleanly" >&2
        exit 1
    fi
done
# bash sources completions: a #! line only makes lintian warn (bash-completion-with-hashbang).
"$bin" --generate-completion-script bash | sed '1{/^#!/d}' >"$out_comp/vfioctl.bash"
"$bin" --generate-completion-script zsh >"$out_comp/_vfioctl"
"$bin" --generate-completion-script fish >"$out_comp/vfioctl.fish"

if [[ "${1:-}" == "--check" ]]; then
    if ! diff -ru man "$out_man" >/dev/null || ! diff -ru completions "$out_comp" >/dev/null; then
        diff -ru man "$out_man" | head -20 || true
        diff -ru completions "$out_comp" | head -20 || true
        echo "generate-docs: man/ or completions/ is stale; run scripts/generate-docs.sh and commit" >&2
        exit 1
    fi
    echo "generate-docs: man/ and completions/ are current"
fi

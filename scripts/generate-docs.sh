#!/usr/bin/env bash
# Regenerates man/ and completions/ from the built binary (never edit them by hand), and the
# built-in rule files from rules.d/ (scripts/generate-rules.sh).
# With --check, regenerates into a temporary directory and fails when the committed files differ.
set -euo pipefail
cd "$(dirname "$0")/.."
# A fixed date keeps the pages reproducible; bump it when the command-line interface changes.
DATE=2026-11-22

# First: the binary the pages come from embeds these.
scripts/generate-rules.sh ${1:+"$1"}

out_man=man out_comp=completions
if [[ "${1:-}" == "--check" ]]; then
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    out_man="$tmp/man" out_comp="$tmp/completions"
fi
mkdir -p "$out_man" "$out_comp"

swift build --product vfioctl >/dev/null
bin="$(swift build --show-bin-path)/vfioctl"
swift build --product generate-manual >/dev/null
"$(swift build --show-bin-path)/generate-manual" "$bin" --date "$DATE" --multi-page -o "$out_man" >/dev/null
"$bin" --generate-completion-script bash >"$out_comp/vfioctl.bash"
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

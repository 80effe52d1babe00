#!/usr/bin/env bash
# Differential test of vfioctl's TOML reader (Sources/VFIOCore/TOML) against Python's tomllib.
#
#   scripts/toml-diff/run.sh [--decoder PATH] [toml_diff.py options: --seed N --generated N --mutants N]
#
# Builds toml-test-decoder (the reader behind toml-test's decoder protocol) unless --decoder names one,
# then feeds it and tomllib the TOML 1.0 specification's examples, edge cases of every rule, random
# documents and mutants of them (corpus.py, generate.py). Prints `toml-diff: N documents, M agree` and
# exits 1 on any disagreement. Needs python3 >= 3.11 (tomllib); Debian 12's python3 is 3.11.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=scripts/lib/swift-flags.sh
. "$repo/scripts/lib/swift-flags.sh"

decoder=""
if [[ "${1:-}" == "--decoder" ]]; then
    decoder="${2:?--decoder needs a path}"
    shift 2
fi
if [[ -z "$decoder" ]]; then
    (cd "$repo" && swift_build --product toml-test-decoder >/dev/null)
    decoder="$(cd "$repo" && swift_build --show-bin-path)/toml-test-decoder"
fi

python3 -c 'import sys, tomllib; sys.exit(0)' 2>/dev/null || {
    echo "toml-diff: python3 with tomllib (3.11 or later) is needed" >&2
    exit 1
}
exec python3 "$here/toml_diff.py" --decoder "$decoder" "$@"

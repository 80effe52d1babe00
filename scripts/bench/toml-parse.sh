#!/usr/bin/env bash
# How long vfioctl's TOML reader takes on large documents (issue 16: 100,000 keys in one table took
# 21.8 s when each key was a linear search). Runs toml-test-decoder (release build) on:
#   keys      100,000 `keyN = N` lines in the root table
#   dotted    100,000 `k.keyN = "vN"` lines under [t] (one dotted-key table)
#   devices   20,000 [[device]] tables of 4 keys, like a large state file
# each twice: as written (read + tagged JSON to /dev/null) and with one bad line appended (read, then
# refused at the last line: the reading alone). Prints the median wall time of --runs runs.
#
# Usage: scripts/bench/toml-parse.sh [--decoder PATH] [--runs N]
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib/swift-flags.sh
. "$REPO/scripts/lib/swift-flags.sh"
DECODER="" RUNS=5
while (($#)); do
    case $1 in
        --decoder) DECODER=$(realpath -- "${2:?--decoder needs a path}"); shift ;;
        --runs) RUNS=${2:?}; shift ;;
        -h|--help) sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "toml-parse.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
if [[ -z $DECODER ]]; then
    (cd "$REPO" && swift_build "${SWIFT_INSTALL_BUILD[@]}" --product toml-test-decoder >/dev/null)
    DECODER="$(cd "$REPO" && swift_build "${SWIFT_INSTALL_BUILD[@]}" --show-bin-path)/toml-test-decoder"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys
out = sys.argv[1]
docs = {
    "keys": "".join("key%d = %d\n" % (i, i) for i in range(100000)),
    "dotted": "[t]\n" + "".join('k.key%d = "v%d"\n' % (i, i) for i in range(100000)),
    "devices": "".join('[[device]]\naddress = "0000:%02x:%02x.%d"\nvendor = "8086"\ndevice = "1533"\nstate = "vfio"\n'
                       % (i // 256 % 256, i % 32, i % 8) for i in range(20000)),
}
for name, text in docs.items():
    open("%s/%s.toml" % (out, name), "w").write(text)
    open("%s/%s-refused.toml" % (out, name), "w").write(text + "= 1\n")
PY

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for name in keys dotted devices; do
    for variant in "$name" "$name-refused"; do
        times=$(for _ in $(seq "$RUNS"); do
            start=$(date +%s%N)
            "$DECODER" < "$work/$variant.toml" > /dev/null 2>&1 || true
            echo $(( ($(date +%s%N) - start) / 1000000 ))
        done | median)
        printf 'toml-parse: %-16s %6d ms (median of %d)\n' "$variant" "$times" "$RUNS"
    done
done

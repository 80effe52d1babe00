#!/usr/bin/env bash
# Differential test of vfioctl's kernel alias matching (Sources/VFIOCore/Match/Aliases, Sources/VFIOSystem/Match/Kernel) against libkmod on
# Debian's real kernel.
#
#   scripts/kmod-diff/run.sh [KERNEL]
#
# KERNEL: 6.1, 6.12, newest or a full release, as for integration/vm/run-all.sh --kernel (scripts/vm/kernel.sh
# fetches a kernel that is not installed into .build-vm/kernels/, without installing it); default: the
# newest release installed on this machine.
# 1. Installs what it needs when missing (linux-image-amd64, kmod, pci.ids, libkmod-dev, a C compiler).
# 2. Builds a corpus of real PCI identities from pci.ids (make-corpus.py) and turns each into two keys:
#    its `pci:` modalias and the `vfio_pci:` key variant aliases are written for.
# 3. Asks libkmod for every key (kmod-resolve.c: kmod_module_new_from_lookup, what `modprobe -R` prints,
#    in one process: ~0.2 s for 90k keys) and checks a random sample against `modprobe -S VERSION -R KEY`
#    itself (xargs -P2).
# 4. Runs the Swift side (Tests/VFIOSystemTests/Match/Kernel/KmodDifferentialTests.swift) on the same keys and
#    reports identities compared and mismatches (must be 0).
#
# Environment: OUT (work directory, default .build-kmod-diff), SAMPLE (keys checked with modprobe itself,
# default 1000), SWIFT_SCRATCH (swift build directory, default .build), PACKAGE_DIR (default: this repo).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=scripts/lib/swift-flags.sh
. "$repo/scripts/lib/swift-flags.sh"
out="${OUT:-$repo/.build-kmod-diff}"
sample="${SAMPLE:-1000}"
package_dir="${PACKAGE_DIR:-$repo}"
scratch="${SWIFT_SCRATCH:-$package_dir/.build}"
mkdir -p "$out"

need=()
ls /lib/modules/*/modules.alias >/dev/null 2>&1 || need+=(linux-image-amd64)
command -v modprobe >/dev/null 2>&1 || [ -x /usr/sbin/modprobe ] || need+=(kmod)
[ -f /usr/share/misc/pci.ids ] || need+=(pci.ids)
[ -f /usr/include/libkmod.h ] || need+=(libkmod-dev)
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
    echo "kmod-diff: installing ${need[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    INITRD=No DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin:/sbin"

kernel="${1:-}"
if [ -z "$kernel" ]; then
    kernel="$(ls -1 /lib/modules | while read -r v; do [ -f "/lib/modules/$v/modules.alias" ] && echo "$v"; done | sort -V | tail -n1)"
fi
# GUESTVER MODULES_ROOT (and the kernel fetched when it is not installed here)
vars="$("$repo/scripts/vm/kernel.sh" --print-env "$kernel")"
eval "$vars"
version="$GUESTVER"
root="$MODULES_ROOT"
modules="${root%/}/lib/modules/$version"
[ -f "$modules/modules.alias" ] || { echo "kmod-diff: no $modules/modules.alias" >&2; exit 1; }
out="$out/$version"
mkdir -p "$out"
echo "kmod-diff: kernel $version ($(grep -c '^alias pci:' "$modules/modules.alias") pci: aliases, $(grep -c '^alias vfio_pci:' "$modules/modules.alias") vfio_pci:)"

cc -O2 -Wall -o "$out/kmod-resolve" "$here/kmod-resolve.c" $(pkg-config --cflags --libs libkmod)

ms() { echo $(( $(date +%s%N) / 1000000 )); }
start=$(ms)
python3 "$here/make-corpus.py" /usr/share/misc/pci.ids "$modules/modules.alias" > "$out/corpus.txt"
{ cat "$out/corpus.txt"; sed 's/^pci:/vfio_pci:/' "$out/corpus.txt"; } > "$out/keys.txt"
identities=$(wc -l < "$out/corpus.txt")
keys=$(wc -l < "$out/keys.txt")
corpus_done=$(ms)
"$out/kmod-resolve" "$modules" < "$out/keys.txt" > "$out/oracle.tsv"
oracle_done=$(ms)
echo "kmod-diff: $identities identities, $keys keys; corpus $((corpus_done - start)) ms, libkmod oracle $((oracle_done - corpus_done)) ms"

# The oracle must be modprobe's own answer: check a random sample (fixed seed) with modprobe -R.
python3 - "$out/keys.txt" "$sample" > "$out/sample.txt" <<'PY'
import random, sys
keys = open(sys.argv[1]).read().split()
random.Random(7).shuffle(keys)
print("\n".join(keys[: int(sys.argv[2])]))
PY
# shellcheck disable=SC2016
xargs -P2 -n1 -a "$out/sample.txt" sh -c 'printf "%s\t%s\n" "$2" "$(modprobe -d "$1" -S "$0" -R "$2" 2>/dev/null | tr "\n" " " | sed "s/ $//")"' "$version" "$root" \
    | sort > "$out/modprobe-sample.tsv"
sample_done=$(ms)
join -t "$(printf '\t')" <(sort "$out/sample.txt") <(sort "$out/oracle.tsv") | sort > "$out/oracle-sample.tsv"
if ! diff -q "$out/modprobe-sample.tsv" "$out/oracle-sample.tsv" >/dev/null; then
    echo "kmod-diff: kmod-resolve disagrees with modprobe -R:" >&2
    diff "$out/modprobe-sample.tsv" "$out/oracle-sample.tsv" | head -20 >&2
    exit 1
fi
echo "kmod-diff: kmod-resolve == modprobe -R on $(wc -l < "$out/sample.txt") sampled keys ($((sample_done - oracle_done)) ms with xargs -P2)"

# A synthetic module tree whose builtin aliases are the odd cases real kernels do not have (a backslash
# before the first wildcard, '-' in the bus name, brackets, '?', a catch-all `p*`, an unmatched bracket
# depmod drops), next to a real module (e1000e) in modules.alias. depmod builds its indexes.
synthetic="$out/synthetic"
rm -rf "$synthetic"
mkdir -p "$synthetic/lib/modules/$version/kernel"
ko="$(find "$modules/kernel" -name 'e1000e.ko*' | head -n1)"
cp "$ko" "$synthetic/lib/modules/$version/kernel/"
echo "kernel/$(basename "$ko")" > "$synthetic/lib/modules/$version/modules.order"
printf 'kernel/drivers/fake/odd.ko\nkernel/drivers/fake/catchall.ko\n' > "$synthetic/lib/modules/$version/modules.builtin"
{
    for alias in 'pci:v0000ABCDd\*sv*' 'pci:v0000ABCDd0000[0-3]*' 'pci:v0000ABCDd0000[!0-3]?00sv*' \
                 'vfio-pci:v0000ABCD*' 'pci:v0000abcd*' 'pci:v0000BEEF*bc0[12]sc*' 'pci:v00008086d000010D3*' \
                 'pci:v0000ABCDd0000[5-' 'vfio_pci:v*d*sv*sd*bc*sc*i*' 'pci:v0000FEED*'; do
        printf 'odd.alias=%s\0' "$alias"
    done
    printf 'catchall.alias=p*\0catchall.alias=pci:v0000FEED*\0'
} > "$synthetic/lib/modules/$version/modules.builtin.modinfo"
depmod -b "$synthetic" "$version" 2>/dev/null
python3 - "$out/corpus.txt" > "$out/synthetic-keys.txt" <<'PY'
import random, sys
rng = random.Random(11)
keys = open(sys.argv[1]).read().split()[:2000]
for vendor in ("ABCD", "BEEF", "FEED", "8086", "abcd"):
    for _ in range(300):
        device = rng.choice(["0000%04X" % rng.randrange(0x10000), "0000%X%X00" % (rng.randrange(16), rng.randrange(16))])
        keys.append("pci:v0000%sd%ssv00001234sd00005678bc%02Xsc%02Xi00" % (vendor, device, rng.randrange(4), rng.randrange(3)))
keys += ["pci:v0000ABCDd\\00001234sv00001234sd00005678bc02sc00i00", "pci:v0000ABCDd*"]
keys += ["vfio_pci:" + k[4:] for k in keys if k.startswith("pci:")]
print("\n".join(keys))
PY
"$out/kmod-resolve" "$synthetic/lib/modules/$version" < "$out/synthetic-keys.txt" > "$out/synthetic-oracle.tsv"
echo "kmod-diff: synthetic tree: $(wc -l < "$out/synthetic-keys.txt") keys, $(awk -F'\t' '$2 != ""' "$out/synthetic-oracle.tsv" | wc -l) with matches"

cd "$package_dir"
KMOD_DIFF_DIR="$out" KMOD_DIFF_MODULES="$modules" KMOD_DIFF_SYNTHETIC_MODULES="$synthetic/lib/modules/$version" \
    swift_test --scratch-path "$scratch" --filter KmodDifferential 2>&1 | tee "$out/swift-test.log" | grep -E '^kmod-diff:|✘|error:' || true
grep -q '✔ Test run with' "$out/swift-test.log" && ! grep -q '✘' "$out/swift-test.log"

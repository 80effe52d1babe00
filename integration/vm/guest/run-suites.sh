#!/bin/bash
# Guest side of integration/vm/run-all.sh: run every suite integration/vm/guest/NN-*.sh in lexical order
# within this one boot, each in its own bash (a suite that dies doesn't stop the others).
# Suites print "ok - ..." / "not ok - ..." lines; the host counts them. The final line
# "# run-suites: finished" tells the host the guest got to the end.
set -uo pipefail
dir=${BASH_SOURCE[0]%/*}
for suite in "$dir"/[0-9][0-9]-*.sh; do
    [[ -e $suite ]] || continue
    t0=${EPOCHREALTIME/./}
    bash "$suite"
    t=$(( ${EPOCHREALTIME/./} - t0 ))
    printf '# %s took %d.%02d s\n' "${suite##*/}" $((t / 1000000)) $((t % 1000000 / 10000))
done
echo "# run-suites: finished"

#!/bin/bash
# Crash safety on the real kernel: VFIOCTL_TEST_CRASH_AFTER_WRITE=N makes vfioctl _exit(99)
# right after its N-th sysfs write. After a crash at each step of `bind e1000e --driver
# vfio-pci` (1 override, 2 unbind, 3 bind), `vfioctl recover` puts the e1000e back on e1000e
# with no override and removes the journal; a crash in the middle of `unbind` is rolled back
# to vfio-pci; and a normal command after a crash recovers first on its own, then does its job.
# Checks are eval'd strings and helpers run through check: SC2016/SC2317 don't apply.
# shellcheck disable=SC2016,SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

require "vfioctl binary exists" test -x "$VFIOCTL"
find_one e1000e 8086 10d3; E=$REPLY
snapshot "$E"
JOURNAL=$VFIOCTL_STATE_DIR/journal.toml
require "starting point: e1000e on e1000e, no override" expect_host "$E" e1000e

# crash N ARGS...: run vfioctl ARGS with the crash hook at write N; it must exit 99.
crash() {
    local n=$1
    shift
    VFIO_WRAP=(env "VFIOCTL_TEST_CRASH_AFTER_WRITE=$n")
    vfio "crash after write $n of '$*'" 99 "$@"
    VFIO_WRAP=()
    check "journal exists after the crash at write $n" test -s "$JOURNAL"
}

# What each crash leaves behind: driver and override.
declare -A LEFT_DRIVER=([1]=e1000e [2]="" [3]=vfio-pci)
for n in 1 2 3; do
    crash "$n" bind "$E" --driver vfio-pci --json
    check "crash at write $n left: driver '${LEFT_DRIVER[$n]}', override vfio-pci" \
        eval 'expect_driver "$E" "${LEFT_DRIVER[$n]}" && expect_override "$E" vfio-pci'
    vfio "recover after write $n" 0 recover --json
    check "recover($n): e1000e back on e1000e, override unset" expect_host "$E" e1000e
    check "recover($n): journal removed" test ! -e "$JOURNAL"
    check "recover($n): JSON reports the device changed" json_expect devices.0.status changed
    vfio "status after recover($n)" 0 status --json
    check "recover($n): nothing is managed" json_expect devices.# 0
done
vfio "recover with nothing to do" 0 recover --json
check "nothing to do: changed=false" json_expect changed false

# A crash half-way through unbind: recover returns to vfio-pci (the state before that unbind).
vfio "bind e1000e --driver vfio-pci" 0 bind "$E" --driver vfio-pci --json
crash 1 unbind "$E" --json
check "unbind crash at write 1 left the e1000e without a driver" expect_driver "$E" ""
vfio "recover the unbind" 0 recover --json
check "recover: back on vfio-pci with its node" expect_vfio "$E" vfio-pci
check "recover: override vfio-pci as before the unbind" expect_override "$E" vfio-pci
vfio "status after recovering the unbind" 0 status --json
check "still managed, original e1000e" eval '[[ ${J[devices.0.address]-} == "$E" && ${J[devices.0.original_driver]-} == e1000e ]]'
vfio "unbind" 0 unbind "$E" --json
check "back on e1000e" expect_host "$E" e1000e

# Between scenarios: if one failed, put the e1000e back by hand so the next starts clean.
reset_e1000e() {
    if put_back "$E"; then echo "# reset by hand: $REPLY"; fi
    rm -f "$VFIOCTL_STATE_DIR/managed.toml" "$JOURNAL"
}

# No explicit recover: the next writing command recovers first, then does its own job against
# the state the recovery left (not the state it saw before taking the lock).
reset_e1000e
crash 2 bind "$E" --driver vfio-pci --json
vfio "bind after a crash (recovers first)" 0 bind "$E" --driver vfio-pci --json
check "auto-recovery reported" json_any checks "" "rolled back an interrupted 'bind'*"
check "journal removed" test ! -e "$JOURNAL"
check "then bound: vfio-pci with its node" expect_vfio "$E" vfio-pci
vfio "status after the recovering bind" 0 status --json
check "managed once, original driver e1000e" eval '[[ ${J[devices.#]} == 1 && ${J[devices.0.original_driver]-} == e1000e ]]'
vfio "unbind" 0 unbind "$E" --json
check "back on e1000e" expect_host "$E" e1000e

reset_e1000e
crash 3 bind "$E" --driver vfio-pci --json
vfio "unbind after a crash (recovers first)" 0 unbind "$E" --json
check "auto-recovery reported" json_any checks "" "rolled back an interrupted 'bind'*"
check "back on e1000e, override unset" expect_host "$E" e1000e
check "journal removed" test ! -e "$JOURNAL"

# Two vfioctl at once: the lock serialises them, and the second must not act on the view it
# had before the first one moved the device (that could undo the first one's work). It may
# succeed (already on vfio-pci) or refuse, changing nothing.
reset_e1000e
"$VFIOCTL" bind "$E" --driver vfio-pci --json >"$WORK/c1" 2>&1 &
p1=$!
"$VFIOCTL" bind "$E" --driver vfio-pci --json >"$WORK/c2" 2>&1 &
p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
echo "# concurrent binds exited $r1 and $r2"
second_ok() {  # one exits 0; the other exits 0, or 1 having changed nothing
    local other
    if [[ $r1 == 0 && $r2 == 0 ]]; then return 0; fi
    if [[ $r1 == 0 ]]; then other=2; elif [[ $r2 == 0 ]]; then other=1; else echo "both failed: $r1 $r2"; return 1; fi
    json_load "$WORK/c$other" || return 1
    echo "# the other bind: ${J[error.message]-}"
    [[ ${J[exit_status]} == 1 && ${J[changed]} == false && ${J[devices.#]:-0} == 0 ]] ||
        { echo "the other bind exited $((other == 1 ? r1 : r2)) and changed=${J[changed]-?} (${J[devices.#]-?} device results)"; return 1; }
}
check "two concurrent binds: one binds, the other succeeds or changes nothing" second_ok
check "after both: vfio-pci with its node" expect_vfio "$E" vfio-pci
vfio "status after the concurrent binds" 0 status --json
check "managed once, original driver e1000e" eval '[[ ${J[devices.#]} == 1 && ${J[devices.0.original_driver]-} == e1000e ]]'
vfio "unbind" 0 unbind "$E" --json
check "back on e1000e" expect_host "$E" e1000e
reset_e1000e
echo "# $VFIO_CALLS vfioctl calls, $VFIO_MS_TOTAL ms"
finish

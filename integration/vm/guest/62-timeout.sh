#!/bin/bash
# Writes that cannot hang vfioctl. The e1000e on vfio-pci is opened through the VFIO ioctls by a
# helper (group -> container -> device fd, helpers/vfio-hold.c), so unbinding it blocks in the
# kernel until the helper lets go. `vfioctl unbind --force open-fd --timeout 3` must return within
# seconds with exit 6, naming the pending write and the helper's PID; the lock must be free;
# `vfioctl status`, `list` and `show` meanwhile return at once, saying the write is pending;
# after the helper exits, the pending unbind completes and `recover` ends in a consistent state
# (the device back as the journal recorded it). The journal names the pending write and its
# process; a concurrent `recover --timeout 2`, writing command or `reset` returns exit 6 within
# seconds.
# Checks are eval'd strings and helpers run through check: SC2016/SC2317 don't apply.
# shellcheck disable=SC2016,SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

start_with_the_e1000e
# Built here from its source (the guest runs the host's gcc).
HOLD=$WORK/vfio-hold
require "build the VFIO holder" gcc -O2 -Wall -Wextra -Werror -o "$HOLD" "${BASH_SOURCE[0]%/*}/helpers/vfio-hold.c"

vfio "bind e1000e to vfio-pci" 0 bind "$E" --driver vfio-pci
require "e1000e on vfio-pci" expect_vfio "$E" vfio-pci

"$HOLD" "$GE" "$E" >"$WORK/hold.out" 2>&1 &
HOLDER=$!
HOLDERS+=" $HOLDER"
holding() { [[ $(<"$WORK/hold.out") == holding* ]]; }
require "the helper holds the device fd (pid $HOLDER)" wait_for 20 holding

vfio "unbind --force open-fd --timeout 3 while the device is held" 6 unbind "$E" --force open-fd --timeout 3
echo "# $(<"$VERR")"
check "it returned within seconds (${VMS} ms, timeout 3 s)" eval '((VMS < 30000))'
check "the error names the pending unbind write" text_has "$VERR" "/sys/bus/pci/drivers/vfio-pci/unbind"
check "the error names the helper's PID" text_has "$VERR" "pid $HOLDER (vfio-hold)"
# The kernel removes the driver link before vfio-pci's remove, which is what waits for the user:
# the group node stays until it returns.
check "the unbind is under way in the kernel: /dev/vfio/$GE is still there" test -c "/dev/vfio/$GE"
check "the journal is kept for recover" test -e "$VFIOCTL_STATE_DIR/journal.toml"
pending_pid() {
    local p comm
    for p in /proc/[0-9]*; do
        read -r comm <"$p/comm" 2>/dev/null || continue
        [[ $comm == vfioctl && ${p#/proc/} != "$$" ]] && { REPLY=${p#/proc/}; return 0; }
    done
    return 1
}
check "the pending write lives on in a process of its own" pending_pid
PENDING=$REPLY
# The journal says which write is pending and in which process.
check "the journal records the pending unbind write" text_has "$VFIOCTL_STATE_DIR/journal.toml" \
    'path = "/sys/bus/pci/drivers/vfio-pci/unbind"'
check "the journal records the process it is blocked in ($PENDING)" text_has "$VFIOCTL_STATE_DIR/journal.toml" \
    "pid = $PENDING"
# A concurrent recover (and the recovery of any writing command) waits for the pending write no
# longer than its own --timeout, before it reads or writes the device: exit 6, nothing changed.
# (timeout 60: a run that waited for the kernel instead would show as exit 124, not hang the suite.)
VFIO_WRAP=(timeout 60)
vfio "recover --timeout 2 while the unbind is pending" 6 recover --timeout 2
echo "# $(<"$VERR")"
check "recover returned within seconds (${VMS} ms, timeout 2 s)" eval '((VMS < 30000))'
check "recover names the pending write" text_has "$VERR" "still blocked in the kernel"
check "recover names the helper's PID" text_has "$VERR" "pid $HOLDER (vfio-hold)"
check "the journal is still there" test -e "$VFIOCTL_STATE_DIR/journal.toml"
vfio "a writing command while the unbind is pending" 6 unbind "$E" --force open-fd --timeout 2
check "it returned within seconds (${VMS} ms, timeout 2 s)" eval '((VMS < 30000))'
# reset finishes the interrupted run first too, before it reads the device (whose driver_override
# waits for the lock the pending unbind holds) or writes its reset (which would block behind it).
vfio "reset while the unbind is pending" 6 reset "$E" --timeout 2
check "reset returned within seconds (${VMS} ms, timeout 2 s)" eval '((VMS < 30000))'
check "reset names the pending write" text_has "$VERR" "still blocked in the kernel"
VFIO_WRAP=()

# The lock went with the command: another vfioctl can take it at once.
check "the state directory's lock is free" flock -n "$VFIOCTL_STATE_DIR/lock" true
# Reading the held device's driver_override waits in the kernel for its lock (driver_override_show
# takes it, as `cat` shows) until the user lets go. Read-only commands leave it unread for a device
# the journal names with a write still blocked, and say so: they return at once (timeout 20: a run
# that waited for the kernel shows as exit 124, not 0).
VFIO_WRAP=(timeout 20)
vfio "status while the unbind is pending" 0 status --json
check "status returned within seconds (${VMS} ms)" eval '((VMS < 20000))'
check "status names the pending write" text_has "$VOUT" '"blocked": true'
check "status warns that the device's write is pending" text_has "$VERR" "$E: the write"
vfio "list while the unbind is pending" 0 list --json
check "list returned within seconds (${VMS} ms)" eval '((VMS < 20000))'
check "list marks the device's pending write" text_has "$VOUT" '"pending_write"'
vfio "show $E while the unbind is pending" 0 show "$E"
check "show returned within seconds (${VMS} ms)" eval '((VMS < 20000))'
check "show says the write is pending" text_has "$VOUT" "Pending write:"
VFIO_WRAP=()
release_holder
check "the pending unbind completes once the helper exits" wait_for 30 expect_driver "$E" ""
vfio "recover after the write returned" 0 recover --verbose
check "recover says the pending write has returned" text_has "$VOUT" "has returned"
check "recover put the device back as the journal recorded it (vfio-pci)" expect_vfio "$E" vfio-pci
check "no journal left" test ! -e "$VFIOCTL_STATE_DIR/journal.toml"
vfio "status after recover" 0 status --json
check "status: one device, bound" eval '[[ ${J[devices.#]} == 1 && ${J[devices.0.state]} == bound && ${J[transaction]} == null ]]'
vfio "unbind, nothing holding it" 0 unbind "$E"
check "e1000e back on e1000e" expect_host "$E" e1000e

finish

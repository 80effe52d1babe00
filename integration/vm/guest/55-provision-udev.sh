#!/bin/bash
# The persist udev rule under a real systemd-udevd: `persist enable` on the guest's / (a tmpfs
# overlay) installs the rule and reloads udev; 2 NVMe VFs made by hand (autoprobe off) come up,
# udev runs the rule's `apply --device $kernel` for each, and both end on vfio-pci with their
# /dev/vfio nodes, without waiting for udev to settle (which cannot happen while the run's own
# event is queued: it cost 10 s per device, serialized by the lock). `persist disable` removes
# the files; udevd is stopped and the VFs removed, so later suites find no udev, as before.
# The guest normally runs without udev (integration/vm/README.md): this suite starts one of its own.
# Checks are eval'd strings and helpers run through check: SC2016/SC2317 don't apply.
# shellcheck disable=SC2016,SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

UDEVD=""
for candidate in /lib/systemd/systemd-udevd /usr/lib/systemd/systemd-udevd; do
    [[ -x $candidate ]] && { UDEVD=$candidate; break; }
done
if [[ -z $UDEVD || ! -x /bin/udevadm ]]; then
    echo "# SKIP $SUITE: no systemd-udevd / udevadm (Debian package udev)"
    finish
fi
require "vfioctl binary exists" test -x "$VFIOCTL"
require "no udev is running yet" test ! -e /run/udev/control
require "no /etc/vfioctl yet" test ! -e /etc/vfioctl
# The rule's RUN has no VFIOCTL_STATE_DIR: vfioctl keeps its records in /run/vfioctl.
require "no /run/vfioctl yet" test ! -e /run/vfioctl
export VFIOCTL_STATE_DIR=/run/vfioctl
find_one "NVMe PF" 1b36 0010; PF=$REPLY
require "the PF is not a 9p device" not_9p "$PF"
PFD=$SYS_PCI/devices/$PF
snapshot "$PF"
SRIOV_PFS=$PF

UDEVD_PID=""
stop_udevd() {
    [[ -n $UDEVD_PID ]] || return 0
    kill "$UDEVD_PID" 2>/dev/null
    wait "$UDEVD_PID" 2>/dev/null
    UDEVD_PID=""
    rm -rf /run/udev
}
# Cleanup that runs even when the suite dies: the installed files, udevd, vfioctl's records
# (restore_all, from common.sh's EXIT trap, then removes the VFs and restores autoprobe).
_udev_exit() {
    local rc=$?
    rm -rf /etc/vfioctl /etc/udev/rules.d/70-vfioctl.rules /etc/systemd/system/vfioctl.service \
        /etc/systemd/system/sysinit.target.wants/vfioctl.service \
        /etc/udev/rules.d/99-vfioctl-test-slow.rules /run/vfioctl-test-rule.*
    stop_udevd
    _common_exit
    rm -rf /run/vfioctl
    _suite_exit
    return "$rc"
}
trap _udev_exit EXIT

"$UDEVD" --debug >"$WORK/udevd.log" 2>&1 &
UDEVD_PID=$!
for ((i = 0; i < 100; i++)); do
    [[ -S /run/udev/control ]] && break
    sleep 0.1
done
require "systemd-udevd is up (/run/udev/control)" test -S /run/udev/control
require "systemd-udevd answers (udevadm control --ping)" /bin/udevadm control --ping --timeout=60

STATE=$WORK/state.toml
printf '%s\n' '[[device]]' "address = \"$PF\"" 'vendor = "1b36"' 'device = "0010"' 'state = "host"' 'vfs = 2' '' \
    '[[device]]' "vfs_of = \"$PF\"" 'state = "vfio"' >"$STATE"
vfio "persist enable (on the guest's /)" 0 persist enable "$STATE" --binary "$VFIOCTL"
check "persist enable reloaded udev" text_has "$VOUT" "reloaded udev rules"
check "the rule is installed" test -f /etc/udev/rules.d/70-vfioctl.rules
check "udevd handled the reload (udevadm control --ping)" /bin/udevadm control --ping --timeout=60

# What an administrator or an orchestrator does: VFs with driver autoprobe off.
t0=${EPOCHREALTIME/./}
check "make 2 VFs by hand" eval 'write_attr "$PFD/sriov_drivers_autoprobe" 0 && write_attr "$PFD/sriov_numvfs" 2'
check "udevadm settle" /bin/udevadm settle --timeout=300
echo "# the VFs' events were handled after $(((${EPOCHREALTIME/./} - t0) / 1000)) ms"
_link_name "$PFD/virtfn0"; VF0=$REPLY
_link_name "$PFD/virtfn1"; VF1=$REPLY
require "two VFs exist" eval '[[ -n $VF0 && -n $VF1 ]]'
for vf in "$VF0" "$VF1"; do
    check "hot-plug: $vf on vfio-pci with its /dev/vfio node" expect_vfio "$vf" vfio-pci
    check "hot-plug: udev ran the rule for $vf" text_has "$WORK/udevd.log" "--device $vf --lock-timeout 30'(out) '$vf (no driver) -> vfio-pci"
done
if ((FAILED)); then   # what udevd did with the VFs, and when it (re)read its rules
    while IFS= read -r line; do
        [[ $line == *"$VF0"* || $line == *"$VF1"* || $line == *vfioctl* || $line == *[Rr]ules* ||
           $line == *[Rr]eload* || $line == *timestamp* ]] && echo "# udevd: $line"
    done <"$WORK/udevd.log"
    find /etc/udev/rules.d /run/udev/rules.d -maxdepth 1 -printf '# %p mtime %TY-%Tm-%Td %TT\n' 2>&1 | head -20
    stat -c '# %n mtime %y' /etc/udev/rules.d /usr/lib/udev/rules.d /lib/udev/rules.d 2>&1
    echo "# guest time now: $(date -u '+%F %T.%N')"
fi
check "hot-plug: no run waited for udev to settle" eval '! text_has "$WORK/udevd.log" "udev did not finish" >/dev/null'
check "hot-plug: no run failed or took long" eval \
    '! text_has "$WORK/udevd.log" "failed with exit code" >/dev/null && ! text_has "$WORK/udevd.log" "is taking longer than" >/dev/null'
check "the PF stays on nvme" expect_driver "$PF" nvme

vfio "persist disable" 0 persist disable
check "persist disable: the files are gone" eval \
    '[[ ! -e /etc/vfioctl/state.toml && ! -e /etc/udev/rules.d/70-vfioctl.rules && ! -e /etc/systemd/system/vfioctl.service ]]'
# bind waits, through a libudev monitor, until udev has run its rules for the new node. The test
# rule (mode 0666, then a RUN) marks each vfio add event $STARTED, holds it while $HOLD exists (at
# most 60 s), then marks it $DONE: the checks look at whether the rule had finished when bind
# returned, an order of events, never a duration (a loaded TCG guest makes durations meaningless).
SLOW=/etc/udev/rules.d/99-vfioctl-test-slow.rules
STARTED=/run/vfioctl-test-rule.started HOLD=/run/vfioctl-test-rule.hold DONE=/run/vfioctl-test-rule.done
# udev substitutes $ itself: $$ is a literal $ for the shell.
cat >"$SLOW" <<RULE
SUBSYSTEM=="vfio", ACTION=="add", MODE="0666", RUN+="/bin/sh -c '/bin/touch $STARTED; i=0; while [ -e $HOLD ] && [ \$\$i -lt 600 ]; do /bin/sleep 0.1; i=\$\$((i + 1)); done; /bin/touch $DONE'"
RULE
check "test rule: udev reloaded" /bin/udevadm control --reload
# wait_for_file FILE: FILE exists within 60 s.
wait_for_file() {
    local i
    for ((i = 0; i < 600; i++)); do
        [[ -e $1 ]] && return 0
        sleep 0.1
    done
    echo "$1 did not appear within 60 s"
    return 1
}
vfio "udev wait: unbind $VF0" 0 unbind "$VF0"
check "udev wait: $VF0 unbound" expect_driver "$VF0" ""
check "udevadm settle" /bin/udevadm settle --timeout=60
group_of "$VF0"; NODE=/dev/vfio/$REPLY
# The rule is let go 2 s after it started: a bind that did not wait for it would return first.
rm -f "$STARTED" "$DONE"
touch "$HOLD"
(wait_for_file "$STARTED" >/dev/null; sleep 2; rm -f "$HOLD") &
releaser=$!
vfio "udev wait: bind $VF0" 0 bind "$VF0" --driver vfio-pci --timeout 120
done_at_return=no; [[ -e $DONE ]] && done_at_return=yes
wait "$releaser"
mode=$(stat -c %a "$NODE" 2>&1)
check "udev wait: $NODE has the rule's mode 666 the moment bind returns (it is $mode)" test "$mode" = 666
check "udev wait: the rule had finished when bind returned" test "$done_at_return" = yes
check "udev wait: no warning" eval '! text_has "$VOUT" "udev had not finished" >/dev/null'
vfio "udev wait: unbind $VF0 again" 0 unbind "$VF0"
check "udevadm settle" /bin/udevadm settle --timeout=60
# Now the rule holds the event until the suite lets it go: bind must give up after its 1 s.
rm -f "$STARTED" "$DONE"
touch "$HOLD"
vfio "udev wait: bind with --timeout 1" 0 bind "$VF0" --driver vfio-pci --timeout 1
done_at_return=no; [[ -e $DONE ]] && done_at_return=yes
check "udev wait: the 1 s timeout ended the wait, naming the pending event" \
    text_has "$VOUT" "after 1.0 s (still waiting for add of $NODE"
check "udev wait: bind returned while the rule still held the event" test "$done_at_return" = no
rm -f "$HOLD"
check "udev wait: the held rule finished once let go" wait_for_file "$DONE"
check "udev wait: $VF0 stays bound" expect_vfio "$VF0" vfio-pci
rm -f "$SLOW" "$STARTED" "$HOLD" "$DONE"
check "test rule removed: udev reloaded" /bin/udevadm control --reload
check "udevadm settle" /bin/udevadm settle --timeout=60

stop_udevd
check "udevd stopped" test ! -e /run/udev/control

# Back as found: vfioctl removes the VFs it manages (and forgets them).
ORIGINAL=$WORK/original.toml
printf '%s\n' '[[device]]' "address = \"$PF\"" 'vendor = "1b36"' 'device = "0010"' 'state = "host"' 'vfs = 0' >"$ORIGINAL"
vfio "apply VF count 0" 0 apply "$ORIGINAL" --json
check "the VFs are gone" eval 'read -r n <"$PFD/sriov_numvfs" && [[ $n == 0 ]]'
check "restore sriov_drivers_autoprobe=1" write_attr "$PFD/sriov_drivers_autoprobe" 1
echo "# $VFIO_CALLS vfioctl calls, $VFIO_MS_TOTAL ms"
finish

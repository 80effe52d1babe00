#!/bin/bash
# Provisioning on the real kernel: a desired-state file puts the e1000e (8086:10d3) on VFIO, gives
# the NVMe PF (1b36:0010) 2 VFs and puts them on VFIO. `diff` exits 7 and lists the changes;
# `apply` makes them; a second `apply` changes nothing and writes nothing; `diff` then exits 0.
# Other hardware at the e1000e's address is refused (exit 3, nothing changed); a state with the
# e1000e on `host` and VF count 0 returns it to e1000e and removes the VFs. `persist enable --root`
# writes the unit, the udev rule and the state file; the udev rule's RUN command (with $kernel
# = a hand-made VF) binds that VF only, and the unit's ExecStart brings the host back to the
# file; `persist disable` removes them. Then the Ansible module (integration/ansible/playbooks/vm.yml,
# with the venv integration/ansible/run.sh --setup-only built on the host; skipped without it): a first
# run (changed, with a diff), a second run (not changed); they put the machine back as found.
# Checks are eval'd strings and helpers run through check: SC2016/SC2317/SC2034 don't apply.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

require "vfioctl binary exists" test -x "$VFIOCTL"
find_one "e1000e NIC" 8086 10d3; NIC=$REPLY
find_one "NVMe PF" 1b36 0010; PF=$REPLY
require "the NIC is not a 9p device" not_9p "$NIC"
require "the PF is not a 9p device" not_9p "$PF"
PFD=$SYS_PCI/devices/$PF
snapshot "$NIC" "$PF"
SRIOV_PFS=$PF
read -r numvfs <"$PFD/sriov_numvfs"
require "starting point: NIC on e1000e, PF on nvme with 0 VFs" eval \
    '[[ ${SNAP_DRIVER[$NIC]} == e1000e && ${SNAP_DRIVER[$PF]} == nvme && $numvfs == 0 ]]'
pci_find 1234 11e8; EDU=$REPLY   # a device no entry selects (no driver)

# --- state files (printf is a builtin: no forks) -----------------------------------------------
STATE=$WORK/state.toml
printf '%s\n' "# the e1000e and 2 VFs of the NVMe on VFIO" \
    '[[device]]' "address = \"$NIC\"" 'vendor = "8086"' 'device = "10d3"' 'state = "vfio"' '' \
    '[[device]]' "address = \"$PF\"" 'vendor = "1b36"' 'device = "0010"' 'state = "host"' 'vfs = 2' '' \
    '[[device]]' "vfs_of = \"$PF\"" 'state = "vfio"' >"$STATE"
WRONG=$WORK/wrong-vendor.toml
printf '%s\n' '[[device]]' "address = \"$NIC\"" 'vendor = "10ec"' 'device = "10d3"' 'state = "vfio"' >"$WRONG"
ORIGINAL=$WORK/original.toml   # how the machine was found
printf '%s\n' '[[device]]' "address = \"$NIC\"" 'vendor = "8086"' 'device = "10d3"' 'state = "host"' '' \
    '[[device]]' "address = \"$PF\"" 'vendor = "1b36"' 'device = "0010"' 'state = "host"' 'vfs = 0' >"$ORIGINAL"

# all_unchanged: every device of the report J is unchanged, with no sysfs write.
all_unchanged() {
    local i n=${J[devices.#]:-0}
    ((n > 0)) || { echo "the report lists no device"; return 1; }
    for ((i = 0; i < n; i++)); do
        [[ ${J[devices.$i.status]} == unchanged ]] || { echo "${J[devices.$i.address]} is ${J[devices.$i.status]}"; return 1; }
        [[ ${J[devices.$i.steps.#]:-0} == 0 ]] || { echo "${J[devices.$i.address]}: ${J[devices.$i.steps.#]} writes"; return 1; }
    done
}
# vfs_are N: sriov_numvfs is N; VF0/VF1 = the first two VFs ("" when absent).
vfs_are() {
    local n
    read -r n <"$PFD/sriov_numvfs"
    _link_name "$PFD/virtfn0"; VF0=$REPLY
    _link_name "$PFD/virtfn1"; VF1=$REPLY
    [[ $n == "$1" ]] || { echo "sriov_numvfs is $n, expected $1"; return 1; }
}
# desired: the state the file describes (NIC on $NIC_VFIO, both VFs on vfio-pci, with /dev/vfio
# nodes; PF on nvme).
desired() {
    vfs_are 2 && expect_vfio "$NIC" "$NIC_VFIO" && expect_vfio "$VF0" vfio-pci && expect_vfio "$VF1" vfio-pci \
        && expect_driver "$PF" nvme
}
# device_status ADDRESS STATUS: the report J has ADDRESS with STATUS (some entry: a PF may be listed twice).
device_status() {
    local i n=${J[devices.#]:-0}
    for ((i = 0; i < n; i++)); do
        [[ ${J[devices.$i.address]} == "$1" && ${J[devices.$i.status]} == "$2" ]] && return 0
    done
    echo "no device $1 with status $2 in the report"
    return 1
}

# --- diff, apply, apply again, diff ----------------------------------------------------------------
# `state = "vfio"` is the plan's choice: vfio-pci, or a variant driver that matches the device (the
# test variant does, while it is installed: 05-variant-driver.sh). diff names the module; a module
# not loaded yet may register its PCI driver under another name (test_vfio_pci -> test-vfio-pci),
# so the driver to expect is taken from apply's report.
NIC_VFIO=""
vfio "diff (changes pending)" 7 diff "$STATE" --json
if json_index devices address "$NIC" >/dev/null; then
    nic_module=${J[devices.$REPLY.attempts.0.module]-}
    echo "# the plan for the NIC: module $nic_module"
    check "diff lists the NIC moving from e1000e to a VFIO driver" eval \
        '[[ ${J[devices.$REPLY.status]} == planned && ${J[devices.$REPLY.from_driver]} == e1000e && $nic_module == *vfio* ]]'
else
    fail "diff lists the NIC" "$NIC is not in the report"
fi
check "diff lists the PF's VFs going 0 -> 2" json_any devices message "0 -> 2 VFs"
check "diff: changed true" json_expect changed true
check "diff changed nothing" eval 'expect_host "$NIC" e1000e && vfs_are 0'

vfio "apply" 0 apply "$STATE" --json
json_index devices address "$NIC" >/dev/null && NIC_VFIO=${J[devices.$REPLY.to_driver]}
_link_name "$SYS_PCI/drivers/$NIC_VFIO/module"
check "apply: the NIC's driver $NIC_VFIO is the planned module $nic_module" test "$REPLY" = "$nic_module"
check "apply: changed true" json_expect changed true
check "apply: the NIC changed" device_status "$NIC" changed
check "the devices are where the file says" desired
echo "# VFs: $VF0 $VF1"
check "apply: VF $VF0 changed" device_status "$VF0" changed

vfio "apply again" 0 apply "$STATE" --json
check "apply again: changed false" json_expect changed false
check "apply again: every device unchanged, no writes" all_unchanged
check "apply again: still the desired state" desired

vfio "diff after apply" 0 diff "$STATE"

# --- other hardware at the address --------------------------------------------------------------------
vfio "apply with the wrong vendor at the NIC's address" 3 apply "$WRONG" --json
check "refused: expected 10ec:10d3, found 8086:10d3" json_match error.message "*expected 10ec:10d3 at $NIC, found 8086:10d3*"
check "refused: no device in the report" json_expect devices.# 0
check "refused: nothing changed" desired

# --- back to host, VFs to 0 (the state the machine was found in) --------------------------------------
vfio "apply the NIC on host, VF count 0" 0 apply "$ORIGINAL" --json
check "the NIC is back on e1000e, override cleared" expect_host "$NIC" e1000e
check "VF count 0: the VFs are gone, the PF on nvme" eval 'vfs_are 0 && expect_host "$PF" nvme'

# --- persist: the unit and the udev rule ----------------------------------------------------------------
PROOT=$WORK/root
UNIT=$PROOT/etc/systemd/system/vfioctl.service
RULE=$PROOT/etc/udev/rules.d/70-vfioctl.rules
vfio "persist enable --root" 0 persist enable "$STATE" --root "$PROOT" --binary "$VFIOCTL"
check "persist enable: state file, unit, wants link and udev rule exist" eval \
    '[[ -f $PROOT/etc/vfioctl/state.toml && -f $UNIT && -L $PROOT/etc/systemd/system/sysinit.target.wants/vfioctl.service && -f $RULE ]]'
check "persist enable: the state file is the file given" eval '[[ $(<"$PROOT/etc/vfioctl/state.toml") == "$(<"$STATE")" ]]'
vfio "persist status --root" 0 persist status --root "$PROOT" --json
check "persist status: enabled" json_expect enabled true

# command_of TEXT: ARGV = TEXT split on blanks, with the installed state file's path moved under
# $PROOT (the unit and the rule name /etc/vfioctl/state.toml); fails unless exactly one argument
# is that path and ARGV[0] is the binary given to persist enable.
command_of() {
    local i moved=0
    read -r -a ARGV <<<"$1"
    for i in "${!ARGV[@]}"; do
        [[ ${ARGV[i]} == /etc/vfioctl/state.toml ]] && { ARGV[i]=$PROOT/etc/vfioctl/state.toml; moved=$((moved + 1)); }
    done
    [[ ${ARGV[0]-} == "$VFIOCTL" && $moved == 1 ]] || { echo "unexpected command line: $1"; return 1; }
}

exec_start="" rule_run="" rule_line=""
while IFS= read -r line; do [[ $line == ExecStart=* ]] && exec_start=${line#ExecStart=}; done <"$UNIT"
while IFS= read -r line; do [[ $line == *'RUN+="'* ]] && rule_line=$line; done <"$RULE"
rule_run=${rule_line#*RUN+=\"}
rule_run=${rule_run%\"*}
echo "# ExecStart: $exec_start"
echo "# udev RUN: $rule_run"
check "the udev rule matches added PCI devices while the state file exists" eval \
    '[[ $rule_line == *"ACTION==\"add\""* && $rule_line == *"SUBSYSTEM==\"pci\""* && $rule_line == *"TEST==\"/etc/vfioctl/state.toml\""* ]]'
check "the udev rule's RUN is: BINARY apply STATE --device \$kernel ..." eval \
    '[[ $rule_run == "$VFIOCTL apply /etc/vfioctl/state.toml --device \$kernel"* ]]'

# Hot-plug: VFs made by hand (autoprobe off, as vfioctl leaves it) come up without a driver;
# udev would run the rule for each. The rule for VF0 binds VF0 only.
check "make 2 VFs by hand" eval 'write_attr "$PFD/sriov_drivers_autoprobe" 0 && write_attr "$PFD/sriov_numvfs" 2 && vfs_are 2'
check "the hand-made VFs have no driver" eval 'expect_driver "$VF0" "" && expect_driver "$VF1" ""'
if command_of "${rule_run//\$kernel/$VF0}"; then
    VFIOCTL=${ARGV[0]} vfio "udev rule's RUN for $VF0" 0 "${ARGV[@]:1}"
    check "udev rule: $VF0 on vfio-pci" expect_vfio "$VF0" vfio-pci
    check "udev rule: $VF1 and the NIC untouched" eval 'expect_driver "$VF1" "" && expect_host "$NIC" e1000e'
else
    fail "udev rule's RUN for $VF0" "cannot use '$rule_run'"
fi
if [[ -n $EDU ]] && command_of "${rule_run//\$kernel/$EDU}"; then
    VFIOCTL=${ARGV[0]} vfio "udev rule's RUN for a device no entry selects ($EDU)" 0 "${ARGV[@]:1}"
    check "udev rule for $EDU: nothing changed" eval 'expect_driver "$EDU" "" && expect_driver "$VF1" "" && expect_host "$NIC" e1000e'
fi

# Boot: the unit's ExecStart brings everything to the file.
if command_of "$exec_start"; then
    VFIOCTL=${ARGV[0]} vfio "the unit's ExecStart" 0 "${ARGV[@]:1}"
    check "after ExecStart: the devices are where the file says" desired
else
    fail "the unit's ExecStart" "cannot use '$exec_start'"
fi

vfio "persist disable --root" 0 persist disable --root "$PROOT"
check "persist disable: all removed" eval \
    '[[ ! -e $PROOT/etc/vfioctl/state.toml && ! -e $UNIT && ! -L $PROOT/etc/systemd/system/sysinit.target.wants/vfioctl.service && ! -e $RULE ]]'

# --- the Ansible module -----------------------------------------------------------------------
# It puts the machine back as found (the e1000e on e1000e, no VFs), twice: one ansible-playbook
# run (python and ansible take seconds to start under TCG, each module run seconds more).
VENV=$VFIOCTL_REPO/.build-ansible/venv
if [[ -x $VENV/bin/ansible-playbook ]]; then
    t0=${EPOCHREALTIME/./}
    ANSIBLE_STDOUT_CALLBACK=json ANSIBLE_CALLBACK_PLUGINS=$VFIOCTL_REPO/integration/ansible/callback_plugins \
        ANSIBLE_LIBRARY=$VFIOCTL_REPO/contrib/ansible/library \
        ANSIBLE_LOCAL_TEMP=$WORK/ansible-local ANSIBLE_REMOTE_TEMP=$WORK/ansible-remote ANSIBLE_HOME=$WORK/ansible-home \
        ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
        PYTHONDONTWRITEBYTECODE=1 LC_ALL=C.UTF-8 HOME=$WORK \
        "$VENV/bin/ansible-playbook" -i localhost, -c local "$VFIOCTL_REPO/integration/ansible/playbooks/vm.yml" \
        -e "vfioctl=$VFIOCTL state_file=$ORIGINAL state_dir=$VFIOCTL_STATE_DIR" >"$WORK/ansible.json" 2>"$WORK/ansible.err"
    rc=$?
    echo "# ansible-playbook: exit $rc, $(((${EPOCHREALTIME/./} - t0) / 1000)) ms"
    if ((rc == 0)); then pass "ansible-playbook exits 0"; else
        IFS= read -r err <"$WORK/ansible.err"
        fail "ansible-playbook exits 0" "exit status $rc: ${err-}"
    fi
    # The expectations (the addresses are this VM's).
    printf '%s\n' '{' \
        ' "first run": [["failed", "==", false], ["changed", "==", true], ["rc", "==", 0], ["report.changed", "==", true],' \
        "   [\"diff.before\", \"~\", \"(?m)^$NIC: $NIC_VFIO\$\"], [\"diff.after\", \"~\", \"(?m)^$NIC: e1000e\$\"]," \
        "   [\"diff.before\", \"~\", \"(?m)^$PF: nvme, 2 VFs\$\"], [\"diff.after\", \"~\", \"(?m)^$PF: nvme, 0 VFs\$\"]]," \
        ' "second run": [["failed", "==", false], ["changed", "==", false], ["rc", "==", 0],' \
        '   ["devices.*.status", "==", "unchanged"], ["report.devices.*.steps", "len", 0]]' \
        '}' >"$WORK/ansible-expect.json"
    relay "$PY" "$VFIOCTL_REPO/integration/ansible/check_results.py" "$WORK/ansible.json" "$WORK/ansible-expect.json"
else
    echo "# SKIP the Ansible module: no $VENV (the host runs integration/ansible/run.sh --setup-only before booting)"
fi

# --- back as found -------------------------------------------------------------------------------
# The Ansible runs did it; vfioctl does it when they did not run or left something behind.
if ! { expect_host "$NIC" e1000e && expect_host "$PF" nvme && vfs_are 0; } >/dev/null; then
    vfio "apply the original state" 0 apply "$ORIGINAL" --json
fi
check "back as found: NIC on e1000e, PF on nvme, no VFs" eval 'expect_host "$NIC" e1000e && expect_host "$PF" nvme && vfs_are 0'
check "restore sriov_drivers_autoprobe=1" write_attr "$PFD/sriov_drivers_autoprobe" 1
echo "# $VFIO_CALLS vfioctl calls, $VFIO_MS_TOTAL ms"
finish

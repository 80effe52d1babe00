#!/bin/bash
# Real binds and unbinds: e1000e -> vfio-pci and back (driver link, /dev/vfio/GROUP, status,
# override cleared, idempotent re-bind); the e1000 + rtl8139 group behind the pcie-pci-bridge
# (refused without --group, one transaction with it); the bridge itself refused; plain `bind`
# picks the test variant driver; a failing variant probe falls back to vfio-pci; --method
# new_id on the driverless edu device adds and removes the dynamic id.
# Checks are eval'd strings and helpers run through check: SC2016/SC2317 don't apply.
# shellcheck disable=SC2016,SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

MOD=test_vfio_pci DRV=test-vfio-pci
require "vfioctl binary exists" test -x "$VFIOCTL"
require "install the test variant driver" "$VFIOCTL_REPO/scripts/vm/guest-install-variant.sh"
[[ -d /sys/module/$MOD ]] && rmmod "$MOD"
find_one e1000e 8086 10d3; E=$REPLY
find_one e1000 8086 100e; E1=$REPLY
find_one rtl8139 10ec 8139; R=$REPLY
find_one pcie-pci-bridge 1b36 000e; BR=$REPLY
find_one edu 1234 11e8; EDU=$REPLY
snapshot "$E" "$E1" "$R" "$BR" "$EDU"
R_DRV=${SNAP_DRIVER[$R]} BR_DRV=${SNAP_DRIVER[$BR]}
group_of "$E"; GE=$REPLY
group_of "$E1"; GB=$REPLY
group_of "$EDU"; GEDU=$REPLY
require "starting point: e1000e on e1000e, no override" expect_host "$E" e1000e
require "starting point: e1000 on e1000, rtl8139 on ${R_DRV:-?}" expect_driver "$E1" e1000

# --- e1000e -> vfio-pci -> e1000e ----------------------------------------------------------------
vfio "bind e1000e --driver vfio-pci" 0 bind "$E" --driver vfio-pci --json
check "e1000e driver link is vfio-pci" expect_driver "$E" vfio-pci
check "/dev/vfio/$GE exists" test -c "/dev/vfio/$GE"
check "driver_override is vfio-pci while bound" expect_override "$E" vfio-pci
check "JSON: changed" json_expect changed true
check "JSON: from e1000e" json_expect devices.0.from_driver e1000e
check "JSON: to vfio-pci" json_expect devices.0.to_driver vfio-pci
check "JSON: device_node /dev/vfio/$GE" json_expect devices.0.device_node "/dev/vfio/$GE"
check "JSON: the safe order (override, unbind, bind)" eval \
    '[[ ${J[devices.0.steps.0.path]} == */driver_override && ${J[devices.0.steps.1.path]} == */e1000e/unbind && ${J[devices.0.steps.2.path]} == */vfio-pci/bind ]]'

vfio "status --json" 0 status --json
check "status lists one device" json_expect devices.# 1
check "status: the e1000e" json_expect devices.0.address "$E"
check "status: original driver e1000e" json_expect devices.0.original_driver e1000e
check "status: bound to vfio-pci, state bound" eval '[[ ${J[devices.0.bound_driver]} == vfio-pci && ${J[devices.0.current_driver]} == vfio-pci && ${J[devices.0.state]} == bound ]]'

vfio "bind again (idempotent)" 0 bind "$E" --driver vfio-pci --json
check "idempotent: changed=false" json_expect changed false
check "idempotent: status unchanged" json_expect devices.0.status unchanged
check "idempotent: no writes" json_expect devices.0.steps.# 0
check "still on vfio-pci" expect_vfio "$E" vfio-pci

vfio "unbind e1000e" 0 unbind "$E" --json
check "e1000e back on e1000e" expect_driver "$E" e1000e
check "driver_override reads (null) again" expect_override "$E" ""
check "/dev/vfio/$GE is gone" test ! -e "/dev/vfio/$GE"
check "JSON: to e1000e" json_expect devices.0.to_driver e1000e
vfio "status --json after unbind" 0 status --json
check "status lists no device" json_expect devices.# 0

# --- a 3-member group behind the pcie-pci-bridge -------------------------------------------------
vfio "bind e1000 alone" 3 bind "$E1" --driver vfio-pci --json
check "refusal names the other member $R" json_match error.message "*$R*"
check "refusal suggests --group" json_match error.message "*--group*"
check "refused: nothing changed (e1000 on e1000, $R on $R_DRV)" eval \
    'expect_host "$E1" e1000 && expect_host "$R" "$R_DRV"'

vfio "bind e1000 --group" 0 bind "$E1" --group --driver vfio-pci --json
check "--group: e1000 on vfio-pci" expect_driver "$E1" vfio-pci
check "--group: rtl8139 on vfio-pci" expect_driver "$R" vfio-pci
check "--group: /dev/vfio/$GB exists" test -c "/dev/vfio/$GB"
check "--group: the bridge is untouched" expect_driver "$BR" "$BR_DRV"
check "--group: both devices in one report" json_expect devices.# 2
check "--group: the rtl8139 came from $R_DRV" eval \
    'json_index devices address "$R" >/dev/null && [[ ${J[devices.$REPLY.from_driver]} == "$R_DRV" ]]'

vfio "unbind e1000 rtl8139" 0 unbind "$E1" "$R" --json
check "e1000 back on e1000" expect_host "$E1" e1000
check "rtl8139 back on $R_DRV" expect_host "$R" "$R_DRV"
check "/dev/vfio/$GB is gone" test ! -e "/dev/vfio/$GB"

vfio "bind the bridge" 3 bind "$BR" --driver vfio-pci --json
check "refused with code bridge" json_match error.message "*--force bridge*"
check "the bridge is untouched" expect_host "$BR" "$BR_DRV"

# --- the test variant driver ---------------------------------------------------------------------
vfio "plain bind e1000e (plan: $MOD)" 0 bind "$E" --json
check "e1000e driver link is $DRV" expect_vfio "$E" "$DRV"
check "module $MOD was loaded" test -d "/sys/module/$MOD"
check "JSON: to $DRV" json_expect devices.0.to_driver "$DRV"
check "JSON: one attempt, module $MOD" eval '[[ ${J[devices.0.attempts.#]} == 1 && ${J[devices.0.attempts.0.module]} == "$MOD" ]]'
check "JSON: device_node /dev/vfio/$GE" json_expect devices.0.device_node "/dev/vfio/$GE"
vfio "unbind e1000e from $DRV" 0 unbind "$E" --json
check "e1000e back on e1000e" expect_host "$E" e1000e

check "rmmod $MOD" rmmod "$MOD"
check "modprobe $MOD fail_probe=1" modprobe "$MOD" fail_probe=1
read -r fp <"/sys/module/$MOD/parameters/fail_probe"
check "fail_probe reads Y" test "$fp" = Y
vfio "plain bind e1000e with a failing variant" 0 bind "$E" --json
check "fell back to vfio-pci" expect_vfio "$E" vfio-pci
check "JSON: two attempts" json_expect devices.0.attempts.# 2
check "JSON: attempt 1 is $DRV with an error" eval \
    '[[ ${J[devices.0.attempts.0.driver]} == "$DRV" && ${J[devices.0.attempts.0.error]} != null ]]'
echo "# attempt 1 error: ${J[devices.0.attempts.0.error]-}"
check "JSON: the error is the probe's ENODEV" json_match devices.0.attempts.0.error "*ENODEV*"
check "JSON: attempt 2 is vfio-pci without error" eval \
    '[[ ${J[devices.0.attempts.1.driver]} == vfio-pci && ${J[devices.0.attempts.1.error]} == null ]]'
vfio "unbind e1000e from vfio-pci" 0 unbind "$E" --json
check "e1000e back on e1000e" expect_host "$E" e1000e
check "rmmod $MOD" rmmod "$MOD"

# --- --method new_id on a device without a driver ----------------------------------------------
vfio "bind edu --method new_id" 0 bind "$EDU" --driver vfio-pci --method new_id --json
check "edu on vfio-pci" expect_vfio "$EDU" vfio-pci
check "new_id did not use driver_override" expect_override "$EDU" ""
check "JSON: wrote '1234 11e8' to vfio-pci/new_id" eval \
    'json_any devices.0.steps path "*/drivers/vfio-pci/new_id" && json_any devices.0.steps value "1234 11e8"'
check "JSON: removed the id again (remove_id)" json_any devices.0.steps path "*/drivers/vfio-pci/remove_id"
check "the dynamic id is gone (remove_id says ENODEV)" \
    expect_write_error "$SYS_PCI/drivers/vfio-pci/remove_id" "1234 11e8" "No such device"
vfio "unbind edu" 0 unbind "$EDU" --json
check "edu has no driver again" expect_host "$EDU" ""
check "/dev/vfio/$GEDU is gone" test ! -e "/dev/vfio/$GEDU"
echo "# $VFIO_CALLS vfioctl calls, $VFIO_MS_TOTAL ms"
finish

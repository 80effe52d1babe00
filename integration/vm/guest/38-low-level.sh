#!/bin/bash
# The low-level commands for scripts on the real kernel: `override` sets and clears
# driver_override (no unbind, no probe), `new-id` makes the kernel bind every unbound matching
# device at once, `remove-id` removes the id again without unbinding, and their errors map to
# the documented exit codes (EEXIST -> 1, absent id -> 4, unknown device or driver -> 4).
# shellcheck disable=SC2016,SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

require "vfioctl binary exists" test -x "$VFIOCTL"
find_one edu 1234 11e8; D=$REPLY
snapshot "$D"
require "starting point: edu unbound, no override" expect_host "$D" ""
require "vfio-pci is loaded" modprobe vfio-pci

# --- override -------------------------------------------------------------------------------------
vfio "override edu vfio-pci" 0 override "$D" vfio-pci
check "driver_override reads vfio-pci" expect_override "$D" vfio-pci
check "override alone binds nothing" expect_driver "$D" ""
vfio "override --clear" 0 override "$D" --clear
check "driver_override cleared" expect_override "$D" ""
vfio "override --dry-run writes nothing" 0 override "$D" vfio-pci --dry-run
check "dry run left the override unset" expect_override "$D" ""
vfio "override of a device that does not exist" 4 override 0000:7f:1f.7 vfio-pci
vfio "override with a bad driver name" 2 override "$D" "../x"

# --- new-id / remove-id ---------------------------------------------------------------------------
vfio "new-id vfio-pci 1234:11e8" 0 new-id vfio-pci 1234:11e8
check "the kernel bound edu to vfio-pci at once" expect_driver "$D" vfio-pci
vfio "new-id again (EEXIST)" 1 new-id vfio-pci 1234:11e8
check "EEXIST is explained" grep -q "already has the dynamic id" "$VERR"
vfio "remove-id vfio-pci 1234:11e8" 0 remove-id vfio-pci 1234:11e8
check "remove-id does not unbind" expect_driver "$D" vfio-pci
vfio "remove-id again (absent id)" 4 remove-id vfio-pci 1234:11e8
vfio "new-id for a driver that is not registered" 4 new-id no-such-driver 1234:11e8
vfio "new-id with a malformed id" 2 new-id vfio-pci 1234:xyz

# Back to unbound.
vfio "unbind edu (no record: the kernel's choice, which is no driver)" 0 unbind "$D" --json
check "edu unbound again" expect_driver "$D" ""
check "edu has no override" expect_override "$D" ""
finish

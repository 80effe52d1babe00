#!/bin/bash
# The documented examples that write to the kernel, run on a real one: the `bind`/`unbind` samples
# of README.md and the manual pages with their shown output compared, and README.md's provisioning
# commands (diff, apply, persist enable) as written, with README.md's desired state; then
# `persist disable --restore` puts the machine back. integration/vm/check_documented_examples.py does it
# (one python start); the read-only samples are compared on the simulator by DocumentedExamplesTests.
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"

OUT=/tmp/documented-examples
mkdir -p "$OUT"
require "vfioctl binary exists ($VFIOCTL)" test -x "$VFIOCTL"
require "starting point: 0000:01:00.0 on e1000e" expect_driver 0000:01:00.0 e1000e
# shellcheck disable=SC2016  # evaluated by require
require "starting point: the NVMe PF 0000:03:00.0 has no VFs" eval '[[ $(</sys/bus/pci/devices/0000:03:00.0/sriov_numvfs) == 0 ]]'
relay "$PY" "$VFIOCTL_REPO/integration/vm/check_documented_examples.py" "$VFIOCTL" "$VFIOCTL_REPO" "$OUT"
finish

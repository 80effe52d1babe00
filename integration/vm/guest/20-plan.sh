#!/bin/bash
# `vfioctl plan` on the real kernel: the driver choice for every device of the VM, with the
# test variant driver installed (its modules.alias line `vfio_pci:v00008086d000010D3...`):
# the e1000e gets test_vfio_pci (first the predicted driver name, then the real one once the
# module is loaded), every other endpoint vfio-pci, bridges nothing; nothing is ambiguous; a
# deny rule in --rules-dir sends the e1000e back to vfio-pci and names its file:line; --explain
# names the alias line; an unprivileged user gets the same plan. Writes nothing.
# Checks are eval'd strings and helpers run through check: SC2016/SC2317 don't apply.
# shellcheck disable=SC2016,SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

MOD=test_vfio_pci DRV=test-vfio-pci
PATTERN='vfio_pci:v00008086d000010D3sv*sd*bc*sc*i*'
ALIASES=/lib/modules/$KVER/modules.alias

require "vfioctl binary exists" test -x "$VFIOCTL"
require "install the test variant driver" "$VFIOCTL_REPO/scripts/vm/guest-install-variant.sh"
[[ -d /sys/module/$MOD ]] && rmmod "$MOD"
require "$MOD is not loaded" test ! -d "/sys/module/$MOD"
find_one e1000e 8086 10d3; E=$REPLY
snapshot "$E"

# The line number of the variant's alias in modules.alias (grep: one fork instead of ~27k reads).
ALIAS_LINE=$(grep -n -m1 -F "alias $PATTERN $MOD" "$ALIASES")
ALIAS_LINE=${ALIAS_LINE%%:*}
require "modules.alias has the variant's line" test -n "$ALIAS_LINE"

# --- every device, as root and as nobody ---------------------------------------------------------
vfio "plan --json (root)" 0 plan --json
cp "$VOUT" "$WORK/plan-root.json"

json_index devices address "$E" >/dev/null; i=$REPLY
check "e1000e: chosen module $MOD" json_expect "devices.$i.chosen.module" "$MOD"
check "e1000e: chosen driver is the predicted name $MOD (module not loaded)" \
    json_expect "devices.$i.chosen.driver" "$MOD"
check "e1000e: chain[0] comes from the kernel alias" json_expect "devices.$i.chain.0.source" kernel_alias
check "e1000e: chain[0] pattern" json_expect "devices.$i.chain.0.pattern" "$PATTERN"
check "e1000e: chain[0] location is modules.alias:$ALIAS_LINE" \
    json_expect "devices.$i.chain.0.location" "$ALIASES:$ALIAS_LINE"
check "e1000e: chain[0] driver name not confirmed yet" json_expect "devices.$i.chain.0.driver_name_confirmed" false
check "e1000e: chain[1] is the vfio-pci fallback" json_expect "devices.$i.chain.1.source" fallback
check "e1000e: chain has 2 candidates" json_expect "devices.$i.chain.#" 2
check "e1000e: host module e1000e" json_expect "devices.$i.host_modules.0" e1000e
check "e1000e: not ambiguous" json_expect "devices.$i.ambiguous" false

# Every other device: bridges (class 0604) are blocked with no choice, everything else gets
# vfio-pci; nothing is ambiguous; the plan lists every PCI device of the VM.
devices=("$SYS_PCI"/devices/*)
check "plan lists all ${#devices[@]} PCI devices" json_expect devices.# "${#devices[@]}"
bad_choice="" bad_bridge="" ambiguous="" missing="" others=0
for d in "${devices[@]}"; do
    bdf=${d##*/}
    [[ $bdf == "$E" ]] && continue
    json_index devices address "$bdf" >/dev/null || { missing+=" $bdf"; continue; }
    n=$REPLY
    read -r class <"$d/class"
    [[ ${J[devices.$n.ambiguous]} == false ]] || ambiguous+=" $bdf"
    if [[ $class == 0x0604* ]]; then
        [[ ${J[devices.$n.chosen]} == null && ${J[devices.$n.blocked]} == *bridge* ]] || bad_bridge+=" $bdf"
    else
        others=$((others + 1))
        [[ ${J[devices.$n.chosen.module]-} == vfio_pci && ${J[devices.$n.chosen.driver]-} == vfio-pci ]] ||
            bad_choice+=" $bdf(${J[devices.$n.chosen.module]-${J[devices.$n.chosen]-?}})"
    fi
done
check "every device is in the plan" test -z "$missing"
check "the $others other endpoints get vfio-pci (module vfio_pci)" test -z "$bad_choice"
check "bridges are blocked, with no choice" test -z "$bad_bridge"
check "no plan is ambiguous" test -z "$ambiguous"

setpriv --reuid=65534 --regid=65534 --clear-groups "$VFIOCTL" plan --json >"$WORK/plan-nobody.json" 2>"$VERR"
rc=$?
check "plan --json as nobody (uid 65534) exits 0" test "$rc" = 0
same_plan() {
    local a b
    a=$(<"$WORK/plan-root.json") b=$(<"$WORK/plan-nobody.json")
    [[ $a == "$b" ]] || { echo "the plans of root and nobody differ"; return 1; }
}
check "nobody's plan is byte-identical to root's" same_plan

# --- --explain names the alias line ----------------------------------------------------------------
vfio "plan --explain 8086:10d3" 0 plan --explain 8086:10d3
check "--explain names modules.alias:$ALIAS_LINE" text_has "$VOUT" "$ALIASES:$ALIAS_LINE"
check "--explain quotes the alias pattern" text_has "$VOUT" "$PATTERN"
check "--explain names the choice" text_has "$VOUT" "chosen: $MOD"

# --- module loaded: the real driver name; a deny rule --------------------------------------------
require "modprobe $MOD" modprobe "$MOD"
RULES=$WORK/rules
mkdir -p "$RULES"
cat >"$RULES/90-deny-test.toml" <<'TOML'
# vfioctl VM test: never pick the test variant for the e1000e
[[rule]]
name = "vm-deny"
vendor = "8086"
device = "10d3"
deny = ["test_vfio_pci"]
reason = "denied by the VM test"
TOML
vfio "plan --json 8086:10d3 (module loaded)" 0 plan --json 8086:10d3
check "loaded: chosen driver is the registered name $DRV" json_expect devices.0.chosen.driver "$DRV"
check "loaded: chosen module $MOD" json_expect devices.0.chosen.module "$MOD"
check "loaded: driver name confirmed" json_expect devices.0.chain.0.driver_name_confirmed true
check "loaded: candidate reason 'loaded'" json_expect devices.0.chain.0.reason loaded

vfio "plan --json --rules-dir (deny $MOD)" 0 plan --json --rules-dir "$RULES" 8086:10d3
check "deny: falls back to vfio-pci" json_expect devices.0.chosen.driver vfio-pci
check "deny: $MOD stays in the chain first" json_expect devices.0.chain.0.module "$MOD"
check "deny: $MOD unavailable" json_expect devices.0.chain.0.available false
check "deny: reason names the rule file:line and its reason" \
    json_expect devices.0.chain.0.reason "denied by $RULES/90-deny-test.toml:2: denied by the VM test"
check "deny: the summary says it was skipped" json_match devices.0.reason "*skipping $MOD (denied by $RULES/90-deny-test.toml:2*"
check "deny: not ambiguous" json_expect devices.0.ambiguous false

check "plan wrote nothing: e1000e still on e1000e, no override" expect_host "$E" e1000e
check "rmmod $MOD" rmmod "$MOD"
echo "# $VFIO_CALLS vfioctl calls, $VFIO_MS_TOTAL ms"
finish

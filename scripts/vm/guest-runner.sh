#!/bin/bash
# PID 1 of the test VM after switch_root (started by the initramfs /init; root = the host's /
# read-only under a tmpfs overlay). Runs ONE command that the host put on the I/O share and
# reports back through the same share:
#   io/argv    NUL-separated command line (written by run.sh)
#   io/started created just before the command runs (its host mtime gives the boot time)
#   io/stdout, io/stderr  the command's output (appended; run.sh tails them)
#   io/status  the exit status, written last
# then powers the VM off. Never exits: PID 1 exiting panics the kernel.
set -uo pipefail

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IO=/run/vmio

say() { echo "vm-runner: $*" >/dev/console; }
halt() { sync; /bin/busybox poweroff -f; sleep 60; }

mkdir -p /dev/pts /dev/shm "$IO"
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
# /tmp is NOT a fresh tmpfs: the repository (a CI clone may live under /tmp) and the binary under
# test must stay visible; the overlay root already makes /tmp writable, in guest memory.
# devtmpfs lacks these links; bash's <(...) and scripts writing to /dev/stderr need them.
ln -sfn /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr

# The I/O share: cache=none so every write reaches the host file immediately (streaming).
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none vmio "$IO"; then
    say "cannot mount the I/O share (9p tag vmio)"
    halt
fi

read -r up _ </proc/uptime
say "runner started at ${up}s"

# No udev here: "coldplug" the native drivers of every device once. Modules already loaded
# (virtio_pci, 9pnet_virtio: the root and I/O shares) are left as they are; -b honours
# blacklists like udev would.
# shellcheck disable=SC2046 # one word per modalias is the point
modprobe -a -q -b $(cat /sys/bus/pci/devices/*/modalias /sys/bus/virtio/devices/*/modalias)

# The PCI functions carrying the 9p shares: tests must never unbind them (the root
# filesystem would vanish). Resolved with builtins only (cd -P), forks are slow here.
nine_p=""
for v in /sys/bus/virtio/drivers/9pnet_virtio/virtio*; do
    [[ -e $v ]] && cd -P "$v/.." && nine_p+="${nine_p:+ }${PWD##*/}"
done
cd /

argv=()
[[ -f $IO/argv ]] && mapfile -d '' -t argv <"$IO/argv"
if ((${#argv[@]} == 0)); then
    say "no command in $IO/argv"
    halt
fi

cd "$REPO" || halt
: >"$IO/started"
VFIOCTL_IN_VM=1 VFIOCTL_REPO=$REPO VFIOCTL_VM_9P_DEVICES=$nine_p \
    "${argv[@]}" </dev/null >>"$IO/stdout" 2>>"$IO/stderr"
status=$?
echo "$status" >"$IO/status.tmp" && mv "$IO/status.tmp" "$IO/status"
say "command exited with status $status"
halt

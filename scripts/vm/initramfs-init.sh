#!/bin/sh
# /init of the test VM's initramfs (busybox sh, PID 1). Copied into the initramfs by setup.sh.
#
# Makes the HOST's root filesystem the guest's root: the host shares `/` read-only over 9p
# (tag "hostroot"); a tmpfs overlay on top lets the guest write (/etc, /lib/modules, ...)
# without touching the host. The host's own binaries (the Swift build, python3, lspci) then
# run unchanged in the guest. Finally switch_root runs the guest runner named on the kernel
# command line (vmtest.runner=PATH, a host path) with bash from the host.
#
# A kernel that is not installed on the host (fetched by scripts/vm/kernel.sh) has its modules in
# a host directory named by vmtest.modules=PATH; /init overlays it on /lib/modules/RELEASE (writable
# in guest memory, like the rest of the root) so the guest's modprobe finds them at the usual place.

die() {
    echo "vm-init: $*" >&2
    # No shell to fall back to: power off so the host notices at once (it reads the log).
    poweroff -f
    sleep 10
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The initramfs has no /dev/console node (building one needs mknod/root), so the kernel
# started us without stdio: take the console from devtmpfs.
exec </dev/console >/dev/console 2>&1

# Numbered by setup.sh in modules.dep load order (dependencies first).
for m in /modules/*.ko; do
    insmod "$m" || die "insmod $m failed"
done

mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /lower \
    || die "cannot mount the host root (9p tag hostroot)"
mount -t tmpfs -o mode=0755 tmpfs /upper || die "tmpfs"
mkdir -p /upper/data /upper/work
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot \
    || die "cannot mount the overlay root"

runner="" modules=""
# shellcheck disable=SC2013 # the command line is one line of words
for arg in $(cat /proc/cmdline); do
    case $arg in
        vmtest.runner=*) runner=${arg#vmtest.runner=} ;;
        vmtest.modules=*) modules=${arg#vmtest.modules=} ;;
    esac
done
[ -n "$runner" ] || die "no vmtest.runner= on the kernel command line"
[ -f "/newroot$runner" ] || die "runner $runner not found in the host root"

if [ -n "$modules" ]; then
    release=$(cat /proc/sys/kernel/osrelease)
    [ -d "/lower$modules/kernel" ] || die "no kernel modules in $modules (vmtest.modules)"
    mkdir -p /upper/modules/data /upper/modules/work "/newroot/lib/modules/$release"
    mount -t overlay -o "lowerdir=/lower$modules,upperdir=/upper/modules/data,workdir=/upper/modules/work" \
        overlay "/newroot/lib/modules/$release" || die "cannot mount the modules of $release"
fi

# The host's /proc, /sys, /dev, /run show through the 9p share: cover them with the guest's own.
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /newroot/run

exec switch_root /newroot /bin/bash "$runner"

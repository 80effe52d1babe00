#!/usr/bin/env bash
# Part of scripts/deb/check.sh, run inside a private mount namespace (`unshare --mount`):
# installs the package DEB into an overlay of this machine's root, uses it, removes and purges it,
# then lists what the whole round left in the overlay's upper layer (every file created, changed or
# deleted): only the package manager's own records may remain. The real / is never written: the
# overlay's changes live in a tmpfs, /sys is mounted read-only, /run and /tmp are empty tmpfs (so no
# running systemd or udev is seen, and nothing is reloaded).
set -euo pipefail
deb=$1
work=$(mktemp -d /tmp/vfioctl-deb-root.XXXXXX)
trap 'umount -R "$work" 2>/dev/null || true; rmdir "$work"' EXIT
mount -t tmpfs -o mode=0755 tmpfs "$work"
mkdir "$work/upper" "$work/work" "$work/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$work/upper,workdir=$work/work" "$work/root"
root=$work/root
mount -t proc proc "$root/proc"
mount -t sysfs -o ro sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/run"
mount -t tmpfs tmpfs "$root/tmp"
cp "$deb" "$root/tmp/"
package="/tmp/$(basename "$deb")"

failures=0
ok() { echo "  ok - $*"; }
fail() { echo "  not ok - $*"; failures=$((failures + 1)); }
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
# Runs a command in the root; records "ok"/"not ok" with its output when it fails.
check() {
    local name=$1; shift
    local output
    if output=$(in_root "$@" 2>&1); then ok "$name"; else fail "$name"; sed 's/^/    /' <<<"$output"; fi
}

if ! in_root apt-get install -y -qq --no-install-recommends "$package" >"$work/install.log" 2>&1; then
    cat "$work/install.log"
    echo "deb/check: apt-get install failed" >&2
    exit 1
fi
ok "apt-get install $(basename "$deb")"

# What the package owns: the program, the shipped rules, the administrator's empty rules directory,
# a man page for each generated page, the completions in Debian's directories.
owned=$(in_root dpkg -L vfioctl)
expected=(/usr/bin/vfioctl /etc/vfioctl/rules.d
    /usr/share/bash-completion/completions/vfioctl /usr/share/zsh/vendor-completions/_vfioctl
    /usr/share/fish/vendor_completions.d/vfioctl.fish)
for rule in "$(dirname "$0")"/../../rules.d/*.toml; do expected+=("/usr/lib/vfioctl/rules.d/$(basename "$rule")"); done
for page in "$(dirname "$0")"/../../man/*.[58]; do
    name=$(basename "$page"); expected+=("/usr/share/man/man${name##*.}/$name.gz")
done
for path in "${expected[@]}"; do
    if grep -qxF "$path" <<<"$owned" && [[ -e "$root$path" ]]; then ok "installs $path"; else fail "installs $path"; fi
done
# Nothing that `persist enable` writes is the package's (debian/README.Debian).
for path in /etc/vfioctl/state.toml /etc/systemd/system/vfioctl.service /etc/udev/rules.d/70-vfioctl.rules; do
    if grep -qxF "$path" <<<"$owned"; then fail "does not own $path"; else ok "does not own $path"; fi
done

check "vfioctl list" vfioctl list
check "vfioctl persist status" vfioctl persist status
check "man finds vfioctl(8), vfioctl-rules(5), vfioctl-state(5)" man -w vfioctl vfioctl-rules vfioctl-state

# persist enable on this (chroot) root, then remove: the unit and rule that run /usr/bin/vfioctl go
# with the binary; the administrator's state file stays.
printf '[[device]]\nids = "1234:11e8"\nstate = "vfio"\n' >"$root/tmp/state.toml"
check "vfioctl persist enable" vfioctl persist enable /tmp/state.toml
check "persist status: enabled" sh -c 'vfioctl persist status | grep -qx "persistence: enabled"'
if ! in_root apt-get remove -y -qq vfioctl >"$work/remove.log" 2>&1; then cat "$work/remove.log"; fail "apt-get remove"; else ok "apt-get remove"; fi
for path in /usr/bin/vfioctl /etc/systemd/system/vfioctl.service /etc/systemd/system/sysinit.target.wants/vfioctl.service \
    /etc/udev/rules.d/70-vfioctl.rules /etc/vfioctl/rules.d; do
    if [[ -e "$root$path" || -L "$root$path" ]]; then fail "remove: $path is gone"; else ok "remove: $path is gone"; fi
done
if [[ -f "$root/etc/vfioctl/state.toml" ]]; then ok "remove keeps /etc/vfioctl/state.toml"; else fail "remove keeps /etc/vfioctl/state.toml"; fi
rm "$root/etc/vfioctl/state.toml"   # the administrator's own file: theirs to delete

# Files that `persist enable --binary` wrote for another vfioctl are not the package's to remove.
in_root apt-get install -y -qq --no-install-recommends "$package" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
check "vfioctl persist enable --binary /usr/bin/true" vfioctl persist enable --binary /usr/bin/true /tmp/state.toml
in_root apt-get remove -y -qq vfioctl >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "apt-get remove"; }
for path in /etc/systemd/system/vfioctl.service /etc/udev/rules.d/70-vfioctl.rules; do
    if [[ -f "$root$path" ]]; then ok "remove keeps $path of another binary"; else fail "remove keeps $path of another binary"; fi
done
rm -f "$root"/etc/systemd/system/vfioctl.service "$root"/etc/systemd/system/sysinit.target.wants/vfioctl.service \
    "$root"/etc/udev/rules.d/70-vfioctl.rules "$root"/etc/vfioctl/state.toml

if ! in_root apt-get purge -y -qq vfioctl >"$work/purge.log" 2>&1; then cat "$work/purge.log"; fail "apt-get purge"; else ok "apt-get purge"; fi

# Everything the round left: a path of the upper layer that is not a directory the real root has
# too (a whiteout, a character device, is a deletion). The package manager's records may stay.
leftovers=()
while IFS= read -r -d '' path; do
    relative=${path#"$work/upper"}
    case "$relative" in
        /var/lib/dpkg | /var/lib/dpkg/* | /var/lib/apt/* | /var/cache/* | /var/log/* | /tmp | /run | /proc | /sys | /dev) continue ;;
    esac
    [[ -d "$path" && ! -L "$path" && -d "$relative" ]] && continue
    leftovers+=("$relative")
done < <(find "$work/upper" -mindepth 1 -print0)
if ((${#leftovers[@]} == 0)); then
    ok "purge leaves nothing behind"
else
    fail "purge leaves nothing behind: ${leftovers[*]}"
fi

((failures == 0)) || { echo "deb/check: $failures check(s) failed" >&2; exit 1; }

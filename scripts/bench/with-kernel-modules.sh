#!/usr/bin/env bash
# Runs a command where /lib/modules/$(uname -r) exists, so that lspci -k (libkmod) and vfioctl read a
# real modules.alias for "the running kernel". On a normal Debian host that is already so and the
# command runs as is. On a host whose kernel has no modules installed (a VM with a foreign kernel, as
# on this project's CI machines), a private mount namespace shows Debian's newest installed kernel
# modules under the running kernel's name; the host's /lib/modules is never changed.
set -euo pipefail
release=$(uname -r)
if [[ -d /lib/modules/$release ]]; then exec "$@"; fi
debian=$(ls -d /lib/modules/*-amd64 2>/dev/null | sort -V | tail -1)
[[ -n "$debian" ]] || { echo "no kernel modules installed (apt-get install linux-image-amd64)" >&2; exit 1; }
exec unshare -m bash -c '
    set -e
    mount --make-rprivate /
    keep=$(mktemp -d)
    mount --bind "$2" "$keep"             # before the tmpfs hides it
    mount -t tmpfs tmpfs /lib/modules
    for name in "$1" "$(basename "$2")"; do
        mkdir "/lib/modules/$name"
        mount --bind "$keep" "/lib/modules/$name"
    done
    shift 2
    exec "$@"' bash "$release" "$debian" "$@"

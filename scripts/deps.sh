#!/usr/bin/env bash
# Installs the Debian 12 packages vfioctl needs to build and to run its unit tests. Idempotent and
# quick when everything is present (dpkg is asked first, apt only when something is missing).
set -euo pipefail

packages=(libpci-dev libudev-dev pciutils pci.ids kmod)
if [[ "${1:-}" == "--test" ]]; then
    # The test suite also compares against lspci/modprobe and verifies generated files and units;
    # strace shows that dry runs and `persist --root` run no program; groff checks the manual pages.
    packages+=(time systemd udev python3-venv strace groff-base)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "deps: installing ${missing[*]}" >&2
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive INITRD=No $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

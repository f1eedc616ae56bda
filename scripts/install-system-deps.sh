#!/usr/bin/env bash
# Debian packages the tests need: podman (+ runc, rootless helpers) for Molecule,
# debootstrap to build the systemd test image without a registry, packer to validate images,
# prometheus (with promtool) for `teamstack trace collect`'s test against a real server.
# Idempotent: installs only what is missing, so `make test` stays fast on a warm machine.
set -euo pipefail
pkgs=(podman runc crun uidmap slirp4netns fuse-overlayfs debootstrap packer git make prometheus)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

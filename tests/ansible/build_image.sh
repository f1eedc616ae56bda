#!/usr/bin/env bash
# Build the Molecule base image without any container registry:
#   debootstrap (Debian 12 "bookworm", from the apt mirror this machine already uses)
#   -> a root file system tarball, cached under $TEAMSTACK_CACHE_DIR
#   -> `podman import` as localhost/teamstack-debian12-systemd:latest (systemd as PID 1).
#
# Cached twice: if the image exists and was built from this very recipe (the image carries a
# label with this script's sha256) nothing happens; if only the rootfs tarball is cached, the
# import takes seconds. Also writes the containers.conf podman needs on this kind of machine
# (runtime runc, ulimits) when the host has none.
#
# Usage: build_image.sh [--force]      (--force rebuilds the tarball and the image)
# Env:   TEAMSTACK_IMAGE        image name     (default localhost/teamstack-debian12-systemd:latest)
#        TEAMSTACK_CACHE_DIR    cache dir      (default /var/cache/teamstack as root, else ~/.cache/teamstack)
#        TEAMSTACK_DEBIAN_MIRROR, TEAMSTACK_SECURITY_MIRROR   override the mirrors read from /etc/apt
set -euo pipefail

IMAGE="${TEAMSTACK_IMAGE:-localhost/teamstack-debian12-systemd:latest}"
SUITE=bookworm
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

if [[ "$(id -u)" -eq 0 ]]; then
  CACHE_DIR="${TEAMSTACK_CACHE_DIR:-/var/cache/teamstack}"
else
  CACHE_DIR="${TEAMSTACK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/teamstack}"
fi
SELF="$(readlink -f "${BASH_SOURCE[0]}")"
RECIPE="$(sha256sum "$SELF" | cut -c1-16)"
TARBALL="$CACHE_DIR/rootfs-debian12-systemd-$RECIPE.tar"
log() { printf 'build_image: %s\n' "$*" >&2; }

# --- podman configuration --------------------------------------------------------------------
# crun from bookworm cannot start containers on this kind of host, and the default nofile limit
# is too low for systemd + apt; CI machines start with no configuration at all.
write_containers_conf() {
  local conf=/etc/containers/containers.conf
  if [[ "$(id -u)" -ne 0 ]]; then
    conf="${XDG_CONFIG_HOME:-$HOME/.config}/containers/containers.conf"
  fi
  if [[ -e "$conf" ]]; then
    grep -Eq '^[[:space:]]*runtime[[:space:]]*=[[:space:]]*"runc"' "$conf" \
      || log "warning: $conf exists but does not set runtime = \"runc\"; left as it is"
    return 0
  fi
  mkdir -p "$(dirname "$conf")"
  cat >"$conf" <<'EOF'
# Written by teamstack tests/ansible/build_image.sh (Molecule needs these on this host).
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=16384:16384"]

[engine]
runtime = "runc"
EOF
  log "wrote $conf"
}

# --- mirrors ---------------------------------------------------------------------------------
# First URI in /etc/apt whose path ends in /debian (or /debian-security), deb822 or one-line.
apt_uri() {
  local suffix="$1" files=()
  shopt -s nullglob
  files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list)
  shopt -u nullglob
  ((${#files[@]})) || return 0
  grep -hoE '(https?|file)://[^ ]+' "${files[@]}" 2>/dev/null \
    | sed 's:/*$::' | grep -E "/${suffix}\$" | head -n1 || true
}

write_containers_conf

if [[ "$FORCE" -eq 0 ]] && podman image exists "$IMAGE"; then
  have="$(podman image inspect --format '{{ index .Labels "org.teamstack.recipe" }}' "$IMAGE" 2>/dev/null || true)"
  if [[ "$have" == "$RECIPE" ]]; then
    log "$IMAGE is up to date (recipe $RECIPE); nothing to do"
    exit 0
  fi
  log "$IMAGE was built from another recipe (${have:-none}); rebuilding"
fi

mkdir -p "$CACHE_DIR"
start=$(date +%s)

if [[ "$FORCE" -eq 1 || ! -s "$TARBALL" ]]; then
  for tool in debootstrap chroot; do
    command -v "$tool" >/dev/null || { log "$tool is missing (scripts/install-system-deps.sh installs it)"; exit 2; }
  done
  [[ "$(id -u)" -eq 0 ]] || { log "debootstrap needs root"; exit 2; }
  MIRROR="${TEAMSTACK_DEBIAN_MIRROR:-$(apt_uri debian)}"
  MIRROR="${MIRROR:-http://deb.debian.org/debian}"
  SECURITY="${TEAMSTACK_SECURITY_MIRROR:-$(apt_uri debian-security)}"
  SECURITY="${SECURITY:-http://deb.debian.org/debian-security}"
  log "debootstrap $SUITE from $MIRROR (security: $SECURITY)"

  work="$(mktemp -d "$CACHE_DIR/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  root="$work/root"
  # What Ansible and a systemd host need; nothing a role under test is expected to install.
  include=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,ca-certificates,iproute2,procps,locales,gnupg
  debootstrap --variant=minbase --include="$include" "$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

  # Same suites as a real Debian 12 host: updates and security (unattended-upgrades needs them).
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

  # Trust what the host trusts: if this machine reaches PyPI through a TLS-inspecting proxy,
  # its CA is in the host bundle but not in Debian's; copy only those extra certificates.
  python3 - "$root" <<'PY'
import re, sys, pathlib
root = pathlib.Path(sys.argv[1])
pem = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
def certs(p):
    try:
        return pem.findall(pathlib.Path(p).read_text())
    except OSError:
        return []
have = {c.strip() for c in certs(root / "etc/ssl/certs/ca-certificates.crt")}
extra = [c for c in certs("/etc/ssl/certs/ca-certificates.crt") if c.strip() not in have]
dest = root / "usr/local/share/ca-certificates"
dest.mkdir(parents=True, exist_ok=True)
for i, c in enumerate(extra):
    (dest / f"teamstack-host-{i}.crt").write_text(c + "\n")
print(f"build_image: {len(extra)} host CA certificate(s) added", file=sys.stderr)
PY
  chroot "$root" update-ca-certificates >/dev/null 2>&1

  # Container hygiene for systemd as PID 1: a fresh machine-id per container, a UTF-8 locale,
  # no leftovers of the build.
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id"
  echo 'LANG=C.UTF-8' >"$root/etc/default/locale"
  # Units that make no sense in a container (no consoles, no kernel modules, no udev).
  for unit in getty@tty1.service console-getty.service systemd-modules-load.service \
    sys-kernel-config.mount sys-kernel-debug.mount systemd-firstboot.service; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
  done
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log \
    "$root"/tmp/* "$root"/var/cache/debconf/*-old
  # No package lists in the image: mark them stale so `apt: update_cache, cache_valid_time`
  # refreshes them (its age check reads this directory's mtime).
  touch -d @0 "$root/var/lib/apt/lists"
  tar --numeric-owner --xattrs -C "$root" -cf "$TARBALL.tmp" .
  mv "$TARBALL.tmp" "$TARBALL"
  # Older recipes' tarballs are dead weight.
  find "$CACHE_DIR" -maxdepth 1 -name 'rootfs-debian12-systemd-*.tar' ! -name "$(basename "$TARBALL")" -delete
  log "rootfs tarball cached at $TARBALL ($(du -h "$TARBALL" | cut -f1))"
else
  log "using cached rootfs tarball $TARBALL"
fi

podman import \
  --change 'CMD ["/lib/systemd/systemd"]' \
  --change 'ENV container=podman' \
  --change 'STOPSIGNAL SIGRTMIN+3' \
  --change "LABEL org.teamstack.recipe=$RECIPE" \
  --change 'LABEL org.opencontainers.image.description=teamstack Molecule base: Debian 12 with systemd, from debootstrap' \
  --quiet "$TARBALL" "$IMAGE" >/dev/null
log "imported $IMAGE in $(($(date +%s) - start))s"

# shellcheck shell=bash
# Sourced helpers for CloudPortal's scripts: install what is missing and start
# the local libvirt daemons (there is no systemd here, so nothing else does).
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/stack.sh"
#
# Every helper is idempotent: a second call finds everything in place and does
# nothing. Daemons that are already running are never stopped or restarted.

# Repository root, resolved from this file's location (scripts/lib/stack.sh).
CLOUDPORTAL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
export CLOUDPORTAL_ROOT

LIBVIRT_URI="qemu:///system"
LIBVIRTD_PIDFILE="/run/libvirtd.pid"
VIRTLOGD_PIDFILE="/run/virtlogd.pid"

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf '!!  %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Privilege prefix: root on the project's machines; sudo elsewhere if present.
_as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        die "need root to run: $*"
    fi
}

# True when the Debian package is fully installed.
_pkg_installed() {
    local status
    status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)"
    [[ $status == *" ok installed" ]]
}

# ensure_apt_packages PKG... : install only the packages that are missing.
ensure_apt_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        _pkg_installed "$pkg" || missing+=("$pkg")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        log "packages present: $*"
        return 0
    fi
    log "installing missing packages: ${missing[*]}"
    if [[ -z ${_CLOUDPORTAL_APT_UPDATED:-} ]]; then
        log "apt-get update"
        _as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
            || die "apt-get update failed"
        _CLOUDPORTAL_APT_UPDATED=1
    fi
    _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends "${missing[@]}" >&2 \
        || die "apt-get install failed for: ${missing[*]}"
    for pkg in "${missing[@]}"; do
        _pkg_installed "$pkg" || die "package $pkg still not installed after apt-get install"
    done
}

# True when the pid file names a live process.
_pidfile_alive() {
    local pidfile=$1 pid
    [[ -r $pidfile ]] || return 1
    pid="$(tr -dc '0-9' <"$pidfile")"
    [[ -n $pid ]] || return 1
    kill -0 "$pid" 2>/dev/null
}

_libvirt_answers() {
    timeout 10 virsh -c "$LIBVIRT_URI" version >/dev/null 2>&1
}

# Debian's udev rule gives /dev/kvm to group kvm (mode 0660); without udev it stays root-only. libvirt then
# finds KVM "supported" when it probes QEMU but "not usable" by the qemu user, treats its capabilities cache as
# stale on every call and re-probes QEMU (15-40 s) on each domain start. Restoring the udev rule's ownership
# keeps the cache valid; whether KVM guests really run is still decided by the portal's own probe.
_ensure_kvm_device_group() {
    [[ -c /dev/kvm ]] || return 0
    getent group kvm >/dev/null 2>&1 || return 0
    if [[ $(stat -c '%G %a' /dev/kvm) != "kvm 660" ]]; then
        log "giving /dev/kvm to group kvm (mode 0660), as Debian's udev rule would"
        _as_root chgrp kvm /dev/kvm && _as_root chmod 0660 /dev/kvm || warn "could not change /dev/kvm ownership"
    fi
}

# ensure_libvirt_stack : the bundled libvirt/QEMU stack, installed and running.
ensure_libvirt_stack() {
    # genisoimage: the portal writes cloud-init seeds (ISO 9660) for new machines.
    ensure_apt_packages libvirt-daemon-system libvirt-clients qemu-system-x86 \
        qemu-utils dnsmasq-base genisoimage

    _ensure_kvm_device_group

    if _pidfile_alive "$VIRTLOGD_PIDFILE"; then
        log "virtlogd already running (pid $(tr -dc '0-9' <"$VIRTLOGD_PIDFILE"))"
    else
        log "starting virtlogd"
        _as_root virtlogd -d || die "virtlogd failed to start"
    fi

    if _libvirt_answers; then
        log "libvirtd already answers on $LIBVIRT_URI"
        return 0
    fi
    if _pidfile_alive "$LIBVIRTD_PIDFILE"; then
        log "libvirtd is running (pid $(tr -dc '0-9' <"$LIBVIRTD_PIDFILE")) but $LIBVIRT_URI does not answer yet; waiting"
    else
        log "starting libvirtd"
        _as_root libvirtd -d || die "libvirtd failed to start"
    fi

    local i
    for ((i = 0; i < 40; i++)); do
        if _libvirt_answers; then
            log "libvirtd answers on $LIBVIRT_URI"
            return 0
        fi
        sleep 0.5
    done
    die "$LIBVIRT_URI did not answer within 20 s (see /var/log/libvirt/ and dmesg)"
}

# ensure_npm : Node.js and npm, which the web project's build uses to vendor browser libraries (noVNC) from the
# npm registry into wwwroot/lib. Debian's nodejs ships npm separately; some nodejs builds include it.
ensure_npm() {
    if command -v npm >/dev/null 2>&1; then
        log "npm $(npm --version 2>/dev/null) present"
        return 0
    fi
    ensure_apt_packages nodejs npm
}

# ensure_dotnet : the .NET SDK must be on PATH (it is preinstalled here).
ensure_dotnet() {
    if ! command -v dotnet >/dev/null 2>&1; then
        if [[ -x /usr/bin/dotnet ]]; then
            PATH="/usr/bin:$PATH"
        elif [[ -x ${DOTNET_ROOT:-$HOME/.dotnet}/dotnet ]]; then
            PATH="${DOTNET_ROOT:-$HOME/.dotnet}:$PATH"
        else
            die "the .NET SDK (dotnet, version 10) is not on PATH; install it (e.g. Microsoft's dotnet-sdk-10.0 package) and retry"
        fi
        export PATH
    fi
    export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
    local version
    version="$(dotnet --version 2>/dev/null)" || die "dotnet is on PATH but 'dotnet --version' fails"
    [[ $version == 10.* ]] || warn "expected .NET SDK 10.x, found $version"
    log "dotnet SDK $version"
}

#!/bin/sh
# One-time, idempotent machine set-up for building and testing coreprobe on Debian 12.
#
# - Adds the extra Debian suites coreprobe needs (bullseye, trixie and their -updates/-security,
#   trixie-backports, bookworm-backports, bookworm-updates/-security; deb-src for all), reusing
#   the archive URIs already configured on this machine: no registry host name is written in
#   this repository.
# - Pins the system to bookworm (APT::Default-Release) and the extra suites to priority 100, so
#   they are used only for what we ask by name (kernel images, sources) and never upgrade anything.
# - Installs every apt package the build, the tests and the benchmarks use.
#
# Re-running is cheap: apt files are rewritten only when their content changes, and the package
# install is skipped when a stamp with this script's checksum exists.
set -eu

CACHE=${COREPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coreprobe}
mkdir -p "$CACHE"

die() { echo "setup: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (it configures apt and installs packages); re-run with sudo"
[ -r /etc/debian_version ] || die "not a Debian system; coreprobe's build set-up targets Debian 12"

# suite_uri SUITE: the URI of the machine's "deb" entry for SUITE (from deb822 .sources or one-line
# .list files; coreprobe's own file excluded), or nothing.
suite_uri() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		[ "$f" != /etc/apt/sources.list.d/coreprobe.sources ] || continue
		awk -v s="$1" 'BEGIN{RS=""; FS="\n"}
		{ uri=""; suites=""; types="";
		  for (i = 1; i <= NF; i++) {
		    if ($i ~ /^URIs:/)   { sub(/^URIs:[ \t]*/, "", $i); uri = $i }
		    if ($i ~ /^Suites:/) { sub(/^Suites:[ \t]*/, "", $i); suites = " " $i " " }
		    if ($i ~ /^Types:/)  { types = $i }
		  }
		  if (types ~ /(^|[ \t])deb([ \t]|$)/ && index(suites, " " s " ")) { split(uri, u, " "); print u[1]; exit }
		}' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk -v s="$1" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) break;
		     if ($(i + 1) == s) { print $i; exit } }' "$f"
	done
}

URI=$(suite_uri bookworm | head -n 1)
[ -n "$URI" ] || die "no bookworm entry found in /etc/apt/sources.list{,.d}; add the Debian archive first"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$KEYRING" ] || die "$KEYRING missing: apt-get install debian-archive-keyring"
# The security archive is a separate tree: the machine's bookworm-security entry names it; without
# one, it is the main archive's path with "-security" appended (Debian's layout).
SECURITY_URI=$(suite_uri bookworm-security | head -n 1)
[ -n "$SECURITY_URI" ] || SECURITY_URI=${URI%/}-security

# Every suite whose OpenSSL (and GnuTLS) builds coreprobe embeds BTF for (btfs/app/served.sh asks
# apt which builds these serve). bullseye-backports is not listed: the main archive no longer
# carries it (its dists/ entry is gone), so it cannot be covered from here.
# deb lines for a suite the machine already has are not repeated (apt warns on duplicates);
# deb-src lines are always ours.
MAIN_SUITES="bullseye bullseye-updates trixie trixie-updates trixie-backports bookworm-backports bookworm-updates"
SECURITY_SUITES="bullseye-security trixie-security bookworm-security"
deb_types() { if [ -n "$(suite_uri "$1")" ]; then echo deb-src; else echo "deb deb-src"; fi; }
# sources_entry URI SUITE
sources_entry() {
	printf '\nTypes: %s\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$(deb_types "$2")" "$1" "$2" "$KEYRING"
}
sources_file() {
	echo "# Written by coreprobe scripts/setup.sh: extra suites for kernel images, libraries and sources."
	echo "# bookworm's own deb line is the machine's; deb-src here."
	sources_entry "$URI" bookworm | sed 's/^Types: .*/Types: deb-src/'
	for s in $MAIN_SUITES; do sources_entry "$URI" "$s"; done
	for s in $SECURITY_SUITES; do sources_entry "$SECURITY_URI" "$s"; done
}
# Everything but bookworm itself is pinned to 100: used only for what we ask by version or name.
pins_file() {
	echo "# Written by coreprobe scripts/setup.sh: extra suites only when asked for by name."
	for s in $MAIN_SUITES $SECURITY_SUITES; do
		case $s in bookworm-updates | bookworm-security) continue ;; esac
		printf '\nPackage: *\nPin: release n=%s\nPin-Priority: 100\n' "$s"
	done
}

# write_if_changed FILE: stdin becomes FILE's content; returns 0 when the file changed.
write_if_changed() {
	tmp=$(mktemp)
	cat >"$tmp"
	if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; return 1; fi
	install -m 0644 "$tmp" "$1"; rm -f "$tmp"; return 0
}

changed=0
sources_file | write_if_changed /etc/apt/sources.list.d/coreprobe.sources && changed=1 || true
write_if_changed /etc/apt/apt.conf.d/99coreprobe <<'EOF' && changed=1 || true
// Written by coreprobe scripts/setup.sh: the system stays on bookworm.
APT::Default-Release "bookworm";
EOF
pins_file | write_if_changed /etc/apt/preferences.d/coreprobe && changed=1 || true

# arm64 (coreprobe-aarch64, docs/arm64.md): Debian's multiarch musl-dev:arm64 is the aarch64
# musl (its aarch64-linux-musl-gcc wraps gcc-aarch64-linux-gnu). The foreign architecture only
# adds package indexes: nothing of the system is replaced (the pinning above holds for it too).
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64 && changed=1 || die "dpkg --add-architecture arm64 failed"
fi

# Packages, grouped by what needs them. The :arm64 -dev packages that only the arm64 BTF
# rebuilds need are installed by those recipes (btfs/app/arm64-deps.sh), not here: a multiarch
# -dev package must have its amd64 twin's exact version, and apt would rather remove the amd64
# toolchain than say so (seen here: libc6-dev, clang and build-essential went). libc6:arm64 (no
# -dev) is the loader under which tests/openssl/fetch.sh --arch arm64 checks the arm64 roots.
PKGS="
make gcc libc6-dev clang llvm musl-tools dpkg-dev file binutils xz-utils lz4 zstd
gcc-aarch64-linux-gnu libc6-dev-arm64-cross musl-dev:arm64 libc6:arm64 qemu-user-static qemu-system-arm
bpftool dwarves
cpio busybox-static qemu-system-x86
tshark openssl perl
iproute2 ipset libcap2-bin util-linux procps kmod
valgrind libclang-rt-14-dev
libssl-dev libgnutls28-dev jq strace
man-db groff-base
gnutls-bin curl wget git python3
libelf-dev libzstd-dev zlib1g-dev
debhelper dh-autoreconf autopoint gettext bison gperf chrpath nettle-dev libgmp-dev libp11-kit-dev
libtasn1-6-dev libidn2-dev libunistring-dev libunbound-dev libbrotli-dev
bpftrace libbpf-tools bpfcc-tools
libc6-dbg dwz debhelper
"
STAMP="$CACHE/setup.$(cat "$0" | cksum | cut -d' ' -f1)"
if [ "$changed" = 1 ] || [ ! -e "$STAMP" ]; then
	export DEBIAN_FRONTEND=noninteractive
	echo "setup: apt-get update" >&2
	apt-get update -qq || die "apt-get update failed; check the archive at $URI"
	# wireshark-common asks whether non-root users may capture; the answer does not matter here.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	echo "setup: installing packages" >&2
	# --no-remove: set-up never takes a package away from the machine; a conflict fails here.
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends --no-remove $PKGS >"$CACHE/setup.log" 2>&1 ||
		die "apt-get install failed (see $CACHE/setup.log)"
	touch "$STAMP"
fi
exit 0

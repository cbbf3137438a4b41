#!/bin/sh
# The :arm64 -dev packages the arm64 BTF rebuilds link against (btfs/app/openssl/build.sh
# --arch arm64: zlib, zstd for OpenSSL 3.5; btfs/app/gnutls/build.sh --arch arm64: the rest),
# and the aarch64 C++ compiler GnuTLS's configure asks for. Installed here, by the recipes,
# rather than by scripts/setup.sh, which every machine runs.
#
# A multiarch -dev package and its amd64 twin must have the same version, and when they would
# not, apt resolves it by removing the amd64 one and everything built on it (libc6-dev, clang,
# build-essential: it happened on this machine). So each :arm64 package is asked for at the
# version of its installed amd64 twin, and --no-remove turns any other conflict into an error.
# usage: btfs/app/arm64-deps.sh   (root; idempotent)
set -eu
PKGS="linux-libc-dev zlib1g-dev libzstd-dev nettle-dev libgmp-dev libp11-kit-dev libtasn1-6-dev
libidn2-dev libunistring-dev libunbound-dev libbrotli-dev"
want=
for p in $PKGS; do
	v=$(dpkg-query -W -f '${db:Status-Abbrev} ${Version}' "$p:amd64" 2>/dev/null | awk '$1 == "ii" { print $2 }')
	if [ -n "$v" ]; then
		want="$want $p:arm64=$v"
	else
		want="$want $p:arm64"
	fi
done
missing=
for p in $PKGS; do
	dpkg-query -W -f '${db:Status-Abbrev}' "$p:arm64" 2>/dev/null | grep -q '^ii' || missing=1
done
dpkg-query -W -f '${db:Status-Abbrev}' g++-aarch64-linux-gnu 2>/dev/null | grep -q '^ii' || missing=1
[ -z "$missing" ] && exit 0
echo "arm64-deps: installing$want g++-aarch64-linux-gnu" >&2
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-remove $want g++-aarch64-linux-gnu ||
	{ echo "arm64-deps: apt-get install failed (a version conflict with the amd64 packages?): see above" >&2; exit 1; }

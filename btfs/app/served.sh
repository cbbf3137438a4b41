#!/bin/sh
# Which builds of a library package the configured Debian suites serve, as apt sees them.
#
# usage: btfs/app/served.sh [--arch DEBARCH] PACKAGE...   e.g. libssl1.1 libssl3 libssl3t64
#                                         (OpenSSL), libgnutls30 libgnutls30t64 (GnuTLS)
#        btfs/app/served.sh --sources SOURCE  (source versions apt lists: SOURCE VERSION SUITES)
# --arch: the Debian architecture of the builds (amd64, the default, or arm64: a foreign
# architecture needs "dpkg --add-architecture", which scripts/setup.sh does).
# prints one line per (package, version) of that architecture:
#   PACKAGE VERSION SUITE[,SUITE...] SOURCE SOURCE-VERSION
# SUITE is every suite serving that exact version (a version in both bookworm and
# bookworm-security is one build, one line). SOURCE/SOURCE-VERSION: the source package the
# binary says it was built from (apt-cache show's Source: field).
#
# The suites are whatever apt has lists for: scripts/setup.sh configures them (bullseye,
# bookworm, trixie with -updates, -security, -backports where the archive still has them) and
# runs apt-get update. This script never asks the network: no lists, no answer.
# Exit: 0 listed; 2 usage; 3 a package has no build of that architecture in apt's lists (lists
# missing or not updated: run scripts/setup.sh).
set -eu

ARCH=amd64
if [ "${1:-}" = --arch ]; then
	[ $# -ge 2 ] || { echo "usage: served.sh [--arch DEBARCH] PACKAGE..." >&2; exit 2; }
	case $2 in amd64|arm64) ARCH=$2 ;; *) echo "served.sh: --arch $2: amd64 or arm64" >&2; exit 2 ;; esac
	shift 2
fi
[ $# -gt 0 ] || { echo "usage: served.sh [--arch DEBARCH] PACKAGE..." >&2; exit 2; }
command -v apt-cache >/dev/null || { echo "served.sh: apt-cache missing: not a Debian system" >&2; exit 3; }

# sources SOURCE: the source versions apt lists (a listed source may still not be downloadable).
if [ "$1" = --sources ]; then
	[ $# = 2 ] || { echo "usage: served.sh --sources SOURCE" >&2; exit 2; }
	out=$(apt-cache madison "$2" 2>/dev/null | awk -F'|' -v p="$2" '
		{ gsub(/^ +| +$/, "", $1); gsub(/^ +| +$/, "", $2) }
		$1 == p && $3 ~ / Sources *$/ {
			n = split($3, f, " "); split(f[2], s, "/")
			if (!($2 in seen)) { order[++k] = $2; seen[$2] = s[1] } else seen[$2] = seen[$2] "," s[1]
		}
		END { for (i = 1; i <= k; i++) print p, order[i], seen[order[i]] }')
	[ -n "$out" ] || { echo "served.sh: apt lists no source of $2: deb-src lines or lists missing (run scripts/setup.sh)" >&2; exit 3; }
	echo "$out"
	exit 0
fi

# One apt-cache run for all packages (each run re-reads every list: seconds on a busy host).
# PACKAGE:ARCH names a foreign architecture (apt prints the name so: the suffix is dropped).
native=$(dpkg --print-architecture 2>/dev/null || echo amd64)
sfx=""; [ "$ARCH" = "$native" ] || sfx=":$ARCH"
# shellcheck disable=SC2046
rows=$(apt-cache madison $(for p in "$@"; do echo "$p$sfx"; done) 2>/dev/null | awk -F'|' -v want=" $* " -v arch="$ARCH" '
	{ gsub(/^ +| +$/, "", $1); gsub(/^ +| +$/, "", $2); sub(":" arch "$", "", $1) }
	index(want, " " $1 " ") && $3 ~ (" (" arch "|all) Packages *$") {
		n = split($3, f, " "); split(f[2], s, "/"); key = $1 " " $2
		if (!(key in seen)) { order[++k] = key; seen[key] = s[1] } else seen[key] = seen[key] "," s[1]
	}
	END { for (i = 1; i <= k; i++) print order[i], seen[order[i]] }')
for pkg in "$@"; do
	if ! echo "$rows" | grep -q "^$pkg "; then
		echo "served.sh: apt lists no $ARCH build of $pkg: the lists are missing or stale (run scripts/setup.sh, which configures the suites and runs apt-get update)" >&2
		exit 3
	fi
done
# The source each binary names: one apt-cache show for all (Source: NAME [(VERSION)]).
# shellcheck disable=SC2046
apt-cache show $(echo "$rows" | awk -v a="$sfx" '{ print $1 a "=" $2 }') 2>/dev/null | awk '
	/^Package:/ { p = $2 } /^Version:/ { v = $2 } /^Source:/ { sn = $2; sv = $3 }
	/^$/ { if (p != "" && !((p " " v) in src)) { gsub(/[()]/, "", sv); src[p " " v] = (sn == "" ? p : sn) " " (sv == "" ? v : sv) } p = v = sn = sv = "" }
	END { if (p != "" && !((p " " v) in src)) { gsub(/[()]/, "", sv); src[p " " v] = (sn == "" ? p : sn) " " (sv == "" ? v : sv) }
	      for (k in src) print k, src[k] }' >"${TMPDIR:-/tmp}/served.$$"
echo "$rows" | while read -r pkg ver suites; do
	src=$(awk -v k="$pkg $ver" '$1 " " $2 == k { print $3, $4; exit }' "${TMPDIR:-/tmp}/served.$$")
	[ -n "$src" ] || src="$pkg $ver"
	echo "$pkg $ver $suites $src"
done
rm -f "${TMPDIR:-/tmp}/served.$$"

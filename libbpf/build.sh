#!/bin/sh
# Builds the static musl libraries coreprobe links: libbpf, libelf, libdw, zlib, libdeflate, (for the TLS key
# derivation) a minimal Mbed TLS libmbedcrypto and (musl only) the mimalloc allocator — all from pinned Debian source packages fetched
# with `apt-get source`. No third-party code lives in this repository: this script is the recipe.
#
# usage: libbpf/build.sh OUTDIR [MODE] [TARGET]
#   MODE musl (default): what the shipped static coreprobe links.
#   MODE glibc:          the same sources built with clang for glibc, uninstrumented (valgrind).
#   MODE glibc-san:      the same, with ASan and libFuzzer coverage hooks (make fuzz and
#                        tests/sanitize.sh): bugs our hostile inputs trigger inside libbpf or
#                        libelf are then caught too, and the fuzzer sees their branches.
#   Debian's own libbpf-dev is another libbpf version: testing against it would test other code.
#   TARGET x86_64 (default, native) or arm64 (musl only: cross-built with Debian's musl-dev:arm64
#          wrapper aarch64-linux-musl-gcc around gcc-aarch64-linux-gnu; give it its own OUTDIR).
#   OUTDIR/include  musl-visible headers: kernel UAPI (linux/ asm/ asm-generic/), zlib, libelf,
#                   libdw (elfutils/), libbpf (bpf/), mbedtls/
#   OUTDIR/lib      libbpf.a libelf.a libdw.a libz.a libdeflate.a libmbedcrypto.a, and in musl mode
#                   libmimalloc.a
# Sources are cached in $COREPROBE_CACHE/src (default ~/.cache/coreprobe/src) and fetched once.
set -eu

# Pinned source packages (name=version as in the archive).
LIBBPF=libbpf=1.5.0-3              # trixie
ELFUTILS=elfutils=0.188-2.1        # bookworm
ZLIB=zlib=1:1.2.13.dfsg-1          # bookworm
MBEDTLS=mbedtls=2.28.3-1           # bookworm
LIBDEFLATE=libdeflate=1.14-1       # bookworm
MIMALLOC=mimalloc=2.0.9+ds-2       # bookworm

OUT=${1:?usage: $0 OUTDIR [musl|glibc|glibc-san] [x86_64|arm64]}
MODE=${2:-musl}
TARGET=${3:-x86_64}
CACHE=${COREPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coreprobe}
SRC=$CACHE/src
JOBS=$(nproc 2>/dev/null || echo 2)
case $MODE in
musl) CC=musl-gcc; SAN= ;;
glibc) CC=clang; SAN=-gdwarf-4 ;;
# UBSan is left to our own code: libelf's deliberate unaligned reads would drown it.
# DWARF 4: valgrind 3.19 cannot read clang 14's DWARF 5.
glibc-san) CC=clang; SAN="-gdwarf-4 -fsanitize=address -fsanitize=fuzzer-no-link" ;;
*) echo "libbpf/build.sh: unknown mode $MODE (musl, glibc, glibc-san)" >&2; exit 2 ;;
esac
# Cross builds: the compiler, binutils, configure's --host and the kernel UAPI headers of the
# target (Debian's linux-libc-dev-<arch>-cross tree), never the build host's.
HOSTOPT= AR=ar RANLIB=ranlib UAPI=/usr/include UAPI_ASM=/usr/include/$(gcc -print-multiarch)/asm
case $MODE/$TARGET in
*/x86_64) ;;
musl/arm64)
	CC=aarch64-linux-musl-gcc AR=aarch64-linux-gnu-ar RANLIB=aarch64-linux-gnu-ranlib
	HOSTOPT=--host=aarch64-linux-gnu UAPI=/usr/aarch64-linux-gnu/include UAPI_ASM=$UAPI/asm ;;
*) echo "libbpf/build.sh: target $TARGET with mode $MODE is not supported (arm64: musl only)" >&2; exit 2 ;;
esac
command -v $CC >/dev/null || { echo "libbpf/build.sh: $CC missing: run scripts/setup.sh" >&2; exit 1; }

# Built in a private directory and renamed into place when complete: a concurrent build (another
# worktree) never sees, or removes, a half-built OUTDIR.
FINAL=$OUT
mkdir -p "$SRC" "$(dirname "$FINAL")"
FINAL=$(cd "$(dirname "$FINAL")" && pwd)/$(basename "$FINAL")
[ -e "$FINAL/.done" ] && exit 0
OUT=$(mktemp -d "$FINAL.tmp.XXXXXX")
chmod 755 "$OUT"
trap 'rm -rf "$OUT"' EXIT
BUILD=$OUT/build
mkdir -p "$BUILD" "$OUT/include" "$OUT/lib"

# fetch NAME=VERSION: download the source package once; print its .dsc path.
fetch() {
	name=${1%%=*}; ver=${1#*=}; uver=${ver#*:}
	dsc=$SRC/${name}_${uver}.dsc
	if [ ! -f "$dsc" ]; then
		(cd "$SRC" && apt-get source -qq --download-only "$1" >/dev/null 2>&1) ||
			{ echo "libbpf/build.sh: apt-get source $1 failed: run scripts/setup.sh (deb-src entries)" >&2; exit 1; }
	fi
	echo "$dsc"
}
# unpack NAME=VERSION DIR: extract with Debian's patches applied.
# (apt already verified the files against the archive's signed index; dpkg-source's own
# signature check would need debian-keyring and only adds noise.)
unpack() {
	dpkg-source -x "$(fetch "$1")" "$2" >"$2.log" 2>&1 ||
		{ echo "libbpf/build.sh: unpacking $1 failed (see $2.log)" >&2; exit 1; }
}

# musl-gcc runs with -nostdinc and sees no kernel headers: give it only the UAPI trees it needs,
# never glibc's include directories.
for d in linux asm-generic; do cp -r "$UAPI/$d" "$OUT/include/"; done
cp -r "$UAPI_ASM" "$OUT/include/"

INC=-I$OUT/include
CFLAGS_DEP="-O2 -fPIC -ffunction-sections -fdata-sections $SAN"

# zlib
unpack "$ZLIB" "$BUILD/zlib"
(cd "$BUILD/zlib" && CC=$CC AR=$AR RANLIB=$RANLIB CFLAGS="$CFLAGS_DEP" ./configure --static --prefix="$OUT" >/dev/null &&
	make -s -j"$JOBS" libz.a >/dev/null && make -s install >/dev/null)

# libdeflate: the DWARF encoder inflates a debug file's compressed .debug_info/.debug_abbrev/
# .debug_str with it (src/btf/dwimage.c): about 2.5x faster than zlib's inflate on Debian's
# debug files, and that inflate is most of the start-up encode. Only the library is built.
unpack "$LIBDEFLATE" "$BUILD/libdeflate"
make -s -C "$BUILD/libdeflate" -j"$JOBS" CC=$CC AR=$AR CFLAGS="$CFLAGS_DEP" libdeflate.a >"$BUILD/libdeflate.log" 2>&1 ||
	{ tail -n 20 "$BUILD/libdeflate.log" >&2; exit 1; }
cp "$BUILD/libdeflate/libdeflate.a" "$OUT/lib/"
cp "$BUILD/libdeflate/libdeflate.h" "$OUT/include/"

# libelf: elfutils' configure probes for argp/fts/obstack, which musl lacks; libelf itself uses
# none of them, so tell configure they are present and build only libelf.a. Its __thread probe
# links a -z defs shared object, which an ASan build cannot (the runtime comes with the program);
# every compiler used here has __thread, so say so.
unpack "$ELFUTILS" "$BUILD/elfutils"
(cd "$BUILD/elfutils" &&
	CC=$CC CFLAGS="$CFLAGS_DEP $INC -Wno-error" LDFLAGS="-L$OUT/lib $SAN" \
	ac_cv_search_argp_parse="none required" ac_cv_search_fts_close="none required" \
	ac_cv_search__obstack_free="none required" \
	ac_cv_tls=yes \
	./configure $HOSTOPT --disable-debuginfod --disable-libdebuginfod --disable-nls \
		--disable-symbol-versioning --without-bzlib --without-lzma --without-zstd \
		--prefix="$OUT" >"$BUILD/elfutils.configure.log" 2>&1 &&
	make -s -C libelf -j"$JOBS" libelf.a >/dev/null)
cp "$BUILD/elfutils/libelf/libelf.a" "$OUT/lib/"
cp "$BUILD/elfutils/libelf/libelf.h" "$BUILD/elfutils/libelf/gelf.h" "$BUILD/elfutils/libelf/nlist.h" "$OUT/include/"

# libdw (the DWARF reader of the in-process DWARF -> BTF encoder), from the same configured tree:
# libdw proper only. Its Makefile's libdw.a also folds in libdwfl/libebl/backends/libcpu (module
# tracking, unwinding, disassembly), which need argp/fts and which coreprobe does not use, so the
# archive is made here from libdw's own objects, the libdwelf readers of .gnu_debuglink and
# .gnu_debugaltlink, and from lib/ error() (musl has err.h but no error.h, for which elfutils'
# own error.c provides it) and next_prime() (libdw's hash tables). Automake's rules build each.
LIBDW_OBJS=$(sed -n '/^libdw_a_SOURCES/,/^$/p' "$BUILD/elfutils/libdw/Makefile.am" |
	tr -s ' \\\t' '\n' | grep '\.c$' | sed 's/\.c$/.o/')
(cd "$BUILD/elfutils" &&
	make -s -C libdw -j"$JOBS" $LIBDW_OBJS &&
	make -s -C libdwelf dwelf_dwarf_gnu_debugaltlink.o dwelf_elf_gnu_debuglink.o &&
	make -s -C lib error.o next_prime.o) >"$BUILD/libdw.log" 2>&1 ||
	{ tail -n 20 "$BUILD/libdw.log" >&2; exit 1; }
# dwarf_end() frees a CFI cache through frame-cache.c, which names ebl_closebackend(). A backend
# exists only after dwarf_getcfi_elf() (cfi.c calls ebl_openbackend, which is not in this archive,
# so a program using it would not link): here the cache's backend is always NULL.
printf '%s\n' '/* coreprobe: libdw without libebl (libbpf/build.sh) */' '#include <stdlib.h>' \
	'struct ebl;' 'void ebl_closebackend(struct ebl *ebl) { if (ebl) abort(); }' >"$BUILD/ebl_close_stub.c"
$CC $CFLAGS_DEP -c "$BUILD/ebl_close_stub.c" -o "$BUILD/ebl_close_stub.o"
(cd "$BUILD/elfutils" && ar rcs "$OUT/lib/libdw.a" $(for o in $LIBDW_OBJS; do echo libdw/$o; done) \
	libdwelf/dwelf_dwarf_gnu_debugaltlink.o libdwelf/dwelf_elf_gnu_debuglink.o lib/error.o \
	lib/next_prime.o "$BUILD/ebl_close_stub.o")
mkdir -p "$OUT/include/elfutils"
cp "$BUILD/elfutils/libdw/libdw.h" "$BUILD/elfutils/libdw/dwarf.h" "$BUILD/elfutils/libdwelf/libdwelf.h" \
	"$BUILD/elfutils/version.h" "$OUT/include/elfutils/"

# libbpf: static only, no pkg-config; its headers go to include/bpf/. CFLAGS without -Werror:
# musl's limits.h and linux/limits.h both define NGROUPS_MAX.
unpack "$LIBBPF" "$BUILD/libbpf"
make -s -C "$BUILD/libbpf/src" -j"$JOBS" CC=$CC AR=$AR BUILD_STATIC_ONLY=1 NO_PKG_CONFIG=1 \
	CFLAGS="$CFLAGS_DEP $INC" OBJDIR="$BUILD/libbpf/obj" DESTDIR="$OUT" PREFIX= LIBDIR=/lib \
	install >"$BUILD/libbpf.log" 2>&1 || { tail -n 20 "$BUILD/libbpf.log" >&2; exit 1; }

# Mbed TLS: only the message digests and HKDF that the TLS 1.3 key-log derivation needs.
unpack "$MBEDTLS" "$BUILD/mbedtls"
cat >"$BUILD/mbedtls/coreprobe_config.h" <<'EOF'
/* coreprobe: SHA-256/384 (SHA-512 module), HMAC via the MD layer, HKDF. Nothing else. */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C
#include "mbedtls/check_config.h"
EOF
MBED_OBJS=
for f in md sha256 sha512 hkdf platform_util; do
	$CC $CFLAGS_DEP $INC -I"$BUILD/mbedtls/include" -DMBEDTLS_CONFIG_FILE='"coreprobe_config.h"' \
		-I"$BUILD/mbedtls" -c "$BUILD/mbedtls/library/$f.c" -o "$BUILD/mbedtls/$f.o"
	MBED_OBJS="$MBED_OBJS $BUILD/mbedtls/$f.o"
done
$AR rcs "$OUT/lib/libmbedcrypto.a" $MBED_OBJS
cp -r "$BUILD/mbedtls/include/mbedtls" "$OUT/include/"
cp "$BUILD/mbedtls/coreprobe_config.h" "$OUT/include/mbedtls/"

# mimalloc: the allocator of the DWARF encoder's threads in the shipped binary (src/alloc.c says
# why and how it takes over from musl's). musl only: the glibc builds keep the allocator that
# valgrind and ASan intercept. Built without its malloc override (src/alloc.c decides which
# allocator serves a call), as one translation unit (static.c, mimalloc's own way to build it
# whole); initial-exec TLS since the program is static.
if [ "$MODE" = musl ]; then
	unpack "$MIMALLOC" "$BUILD/mimalloc"
	$CC -O2 -ffunction-sections -fdata-sections -DNDEBUG -ftls-model=initial-exec \
		-I"$BUILD/mimalloc/include" -c "$BUILD/mimalloc/src/static.c" -o "$BUILD/mimalloc/static.o"
	$AR rcs "$OUT/lib/libmimalloc.a" "$BUILD/mimalloc/static.o"
	cp "$BUILD/mimalloc/include/mimalloc.h" "$OUT/include/"
fi

rm -rf "$BUILD"
touch "$OUT/.done"
if mv -T "$OUT" "$FINAL" 2>/dev/null; then
	trap - EXIT
else
	echo "libbpf/build.sh: $FINAL appeared meanwhile (another build): keeping it" >&2
fi
echo "libbpf/build.sh: static libraries in $FINAL/lib: $(cd "$FINAL/lib" && ls *.a | tr '\n' ' ')" >&2

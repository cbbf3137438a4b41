#!/bin/bash
# sslsniff and processes that appear after it started (src/runtime/procwatch.c): a container
# (own mount and pid namespaces, pivot_root into a root holding bullseye's OpenSSL 1.1.1w), a
# second container holding bookworm's GnuTLS (gnutls-cli and its libraries), a plain chroot into such a root, and a host process with a libssl file nobody mapped before,
# each started ONE SECOND after sslsniff printed "Tracing". Each root holds its own copies of
# the libraries (new files, never attached before, with Debian's build-ids, so the embedded
# blobs apply). Checked against the library's own truth: the client's plaintext in both
# directions with its pid and socket fd, and the key log equal to the client's `-keylogfile`
# (OpenSSL) or SSLKEYLOGFILE (GnuTLS). The server
# runs OpenSSL 3.0.22-foreign (Debian's 3.0.22 with another build-id), for which coreprobe has no blob: it yields no keys, so every key line
# checked comes from the late client. Bad inputs: a library deleted while mapped (traced
# through the mapping), processes exiting during the attach (skipped, no error), --no-watch.
# Needs root and the fixtures of tests/openssl/fetch.sh.
. "$(dirname "$0")/../lib.sh"

CACHE=${COREPROBE_CACHE:-$HOME/.cache/coreprobe}
O=$CACHE/openssl
CERT=$O/cert
MA=x86_64-linux-gnu
sh "$ROOT/tests/openssl/fetch.sh" --no-tls >"$TMP/fetch.log" 2>&1 || { notok "openssl fixtures: $(tail -3 "$TMP/fetch.log")"; exit 0; }
PORT=$((20000 + RANDOM % 20000))

# make_root DIR VERSION: a minimal root: that version's openssl binary and libraries (copied:
# new files), the host's libc and loader (what the loader lists), a static busybox for the
# container's shell, openssl.cnf, /dev/null.
make_root() {
	local r=$1 v=$2 lib
	mkdir -p "$r/usr/bin" "$r/usr/lib/$MA" "$r/lib64" "$r/usr/lib/ssl" "$r/bin" "$r/dev" "$r/tmp" "$r/old" "$r/proc"
	cp "$O/$v/root/usr/bin/openssl" "$r/usr/bin/"
	cp "$O/$v/root/usr/lib/$MA"/lib{ssl,crypto}.so.* "$r/usr/lib/$MA/"
	cp "$O/$v/root/usr/lib/ssl/openssl.cnf" "$r/usr/lib/ssl/" 2>/dev/null || :
	/lib64/ld-linux-x86-64.so.2 --library-path "$r/usr/lib/$MA" --list "$r/usr/bin/openssl" |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
			case $lib in "$r"/*) ;; *) cp -L "$lib" "$r/usr/lib/$MA/" ;; esac
		done
	cp -L /lib64/ld-linux-x86-64.so.2 "$r/lib64/"
	cp /usr/bin/busybox "$r/bin/busybox"
	mknod -m 666 "$r/dev/null" c 1 3
	cp "$CERT/cert.pem" "$r/tmp/"
}

# server PORT TAG [DELAY]: OpenSSL 3.0.22-foreign (no blob: no keys) answers "server TAG" DELAY s
# (default 1.6) after its start; returns when it listens (at most 10 s).
server() {
	(sleep "${3:-1.6}"; printf 'server %s\n' "$2"; sleep 2) |
		"$O/3.0.22-foreign/run" openssl s_server -accept "127.0.0.1:$1" -cert "$CERT/cert.pem" -key "$CERT/key.pem" \
			-tls1_3 -naccept 1 >"$TMP/server-$2.out" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 1 100); do ss -ltn "sport = :$1" | grep -q LISTEN && return 0; sleep 0.1; done
}
# wait_server: the server ends after its one session; if the client never came, after 15 s
wait_server() {
	for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
}

# The client, run by each case's launcher: writes "client TAG" 0.8 s after its start (the
# handshake has happened by then), keeps the connection 2 s, logs its own keys to KEYLOG.
client_cmd() {	# PORT TAG KEYLOG
	echo "(busybox sleep 0.8 2>/dev/null || sleep 0.8; printf 'client $2\n'; busybox sleep 2 2>/dev/null || sleep 2) | /usr/bin/openssl s_client -connect 127.0.0.1:$1 -tls1_3 -quiet -no_ign_eof -keylogfile $3"
}

# event FILE PID DIR TEXT: the JSON data event of PID in direction DIR whose data is TEXT\n
event() {
	grep "\"pid\":$2,.*\"dir\":\"$3\"" "$1" | grep -F "\"data\":\"$4\\n\"" | head -n 1
}

# check TAG OUT KEYLOG TRUTH PID FDS LIBRE: plaintext both ways, the fd, the lib named, the keys.
check() {
	local tag=$1 out=$2 kl=$3 truth=$4 pid=$5 fds=$6 libre=$7 cw cr fd
	cw=$(event "$out" "$pid" write "client $tag")
	cr=$(event "$out" "$pid" read "server $tag")
	if [ -n "$cw" ] && [ -n "$cr" ]; then
		ok "$tag: started 1 s after sslsniff: its plaintext, both directions, pid $pid"
	else
		notok "$tag: plaintext of pid $pid missing (write=${cw:+y} read=${cr:+y}): $(grep -v '"lib":"/lib/' "$out" | head -c 600)"
	fi
	fd=$(echo "$cw" | sed -n 's/.*"fd":\([0-9-]*\).*/\1/p')
	if [ -n "$fd" ] && [[ " $fds " == *" $fd "* ]]; then
		ok "$tag: fd $fd is its socket (its socket fds: $fds)"
	else
		notok "$tag: fd '$fd' vs its socket fds '$fds'"
	fi
	if echo "$cw" | grep -Eq "$libre"; then
		ok "$tag: the library is the one it mapped: $(echo "$cw" | grep -Eo "$libre")"
	else
		notok "$tag: library/layout: want lib ~ $libre: ${cw:0:400}"
	fi
	# the key log, restricted to this session's client random, equals the client's own
	local r
	r=$(awk '$1 == "CLIENT_HANDSHAKE_TRAFFIC_SECRET" { print $2; exit }' "$truth" 2>/dev/null)
	if [ -n "$r" ] && [ -s "$kl" ] &&
		diff <(grep -v '^#' "$truth" | sort) <(grep -F " $r " "$kl" | sort) >"$TMP/diff-$tag"; then
		ok "$tag: key log equals the client's own (-keylogfile or SSLKEYLOGFILE: $(grep -cF " $r " "$kl") lines; the 3.0.22 server gives none)"
	else
		notok "$tag: key log vs the client's (random ${r:-none}): $(head -c 400 "$TMP/diff-$tag" 2>/dev/null) [coreprobe: $(head -c 200 "$kl" 2>/dev/null)]"
	fi
}

# socket_fds PID: the socket fds of a process
socket_fds() { ls -l "/proc/$1/fd" 2>/dev/null | awk '/socket:/ { print $(NF-2) }' | tr '\n' ' '; }

# late_case TAG LAUNCH...: sslsniff, then 1 s after "Tracing" the server and LAUNCH (which starts
# the client in the background and sets CLIENT_PID), then checks.
late_case() {
	local tag=$1 port=$((PORT++))
	shift
	rm -f "$TMP/kl-$tag.txt"
	if ! tracer_start "$TMP/ss-$tag.out" "$TMP/ss-$tag.err" "$CP" -v -j sslsniff --keylog "$TMP/kl-$tag.txt" -d 9; then
		notok "$tag: sslsniff did not start: $(grep -v ^libbpf "$TMP/ss-$tag.err" | head -c 300)"
		return
	fi
	sleep 1
	server "$port" "$tag"
	"$@" "$port" "$tag"
	sleep 1.3
	local fds
	fds=$(socket_fds "$CLIENT_PID")
	wait_server
	sleep 2
	kill -KILL "$LAUNCH_PID" 2>/dev/null	# a pid-namespace init ignores SIGTERM
	wait "$LAUNCH_PID" 2>/dev/null
	kill -INT "$TRACER_PID"
	tracer_wait 15	# detaching ~30 uprobes can take seconds on a loaded host
	check "$tag" "$TMP/ss-$tag.out" "$TMP/kl-$tag.txt" "$TRUTH" "$CLIENT_PID" "$fds" "$LIBRE"
	grep "pid $CLIENT_PID: now tracing" "$TMP/ss-$tag.err" | sed "s/^/# $tag: /"
}

# find_client PORT MAPPED [COMMAND]: the client's host pid, the process (default: openssl
# s_client to PORT) that maps MAPPED
find_client() {
	local i
	for i in $(seq 1 40); do
		CLIENT_PID=$(pgrep -f "${3:-openssl s_client -connect 127.0.0.1:$1 }" | while read -r p; do
			[ "$(readlink "/proc/$p/exe" 2>/dev/null)" != "" ] && grep -q "$2" "/proc/$p/maps" 2>/dev/null && echo "$p"; done | head -n 1)
		[ -n "$CLIENT_PID" ] && return 0
		sleep 0.05
	done
	CLIENT_PID=none
}

# -- 1. a container: own mount and pid namespaces, pivot_root into the bullseye root
CROOT=$TMP/container
make_root "$CROOT" 1.1.1w
launch_container() {
	local port=$1 tag=$2
	unshare -m -p -f sh -c '
		mount --make-rprivate / && mount --bind "$1" "$1" && cd "$1" && pivot_root . old || exit 1
		exec /bin/busybox sh -c "busybox umount -l /old && busybox mount -t proc proc /proc; $2"' \
		sh "$CROOT" "$(client_cmd "$port" "$tag" /tmp/truth.txt)" >"$TMP/client-$tag.out" 2>&1 &
	LAUNCH_PID=$!
	find_client "$port" /usr/lib/$MA/libssl.so.1.1
}
TRUTH=$CROOT/tmp/truth.txt LIBRE="\"layout\":\"1.1.1\",\"lib\":\"/proc/[0-9]+/root/usr/lib/$MA/libssl.so.1.1\""
late_case container launch_container

# -- 1b. a container holding bookworm's GnuTLS: this host's gnutls-cli and the libraries the
# loader lists for it, copied (new files of Debian's builds: libgnutls30 3.7.9-2+deb12u7 has a
# blob), the same namespaces and pivot_root; its truth is GnuTLS's own SSLKEYLOGFILE
make_gnutls_root() {
	local r=$1 lib
	mkdir -p "$r/usr/bin" "$r/usr/lib/$MA" "$r/lib64" "$r/bin" "$r/dev" "$r/tmp" "$r/old" "$r/proc"
	cp /usr/bin/gnutls-cli "$r/usr/bin/"
	/lib64/ld-linux-x86-64.so.2 --list /usr/bin/gnutls-cli | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
		while read -r lib; do cp -L "$lib" "$r/usr/lib/$MA/"; done
	cp -L /lib64/ld-linux-x86-64.so.2 "$r/lib64/"
	cp /usr/bin/busybox "$r/bin/busybox"
	mknod -m 666 "$r/dev/null" c 1 3
}
GROOT=$TMP/gcontainer
make_gnutls_root "$GROOT"
launch_gnutls_container() {
	local port=$1 tag=$2
	unshare -m -p -f sh -c '
		mount --make-rprivate / && mount --bind "$1" "$1" && cd "$1" && pivot_root . old || exit 1
		exec /bin/busybox sh -c "busybox umount -l /old && busybox mount -t proc proc /proc; $2"' \
		sh "$GROOT" "(busybox sleep 0.8; printf 'client $tag\n'; busybox sleep 2) | SSLKEYLOGFILE=/tmp/truth.txt /usr/bin/gnutls-cli --insecure --port $port 127.0.0.1" \
		>"$TMP/client-$tag.out" 2>&1 &
	LAUNCH_PID=$!
	find_client "$port" /usr/lib/$MA/libgnutls.so.30 "gnutls-cli --insecure --port $port "
}
TRUTH=$GROOT/tmp/truth.txt LIBRE='"library":"gnutls","layout":null'
late_case gnutls-container launch_gnutls_container

# -- 2. a plain chroot into another such root (its maps show host paths)
HROOT=$TMP/chroot
make_root "$HROOT" 1.1.1w
launch_chroot() {
	local port=$1 tag=$2
	chroot "$HROOT" /bin/busybox sh -c "$(client_cmd "$port" "$tag" /tmp/truth.txt)" >"$TMP/client-$tag.out" 2>&1 &
	LAUNCH_PID=$!
	find_client "$port" "$HROOT/usr/lib/$MA/libssl.so.1.1"
}
TRUTH=$HROOT/tmp/truth.txt LIBRE="\"layout\":\"1.1.1\",\"lib\":\"$HROOT/usr/lib/$MA/libssl.so.1.1\""
late_case chroot launch_chroot

# -- 3. a host process, with a libssl file no process had mapped (the host's own loader)
HOSTLIB=$TMP/hostlib
mkdir -p "$HOSTLIB"
cp "$O/1.1.1w/root/usr/lib/$MA"/lib{ssl,crypto}.so.1.1 "$HOSTLIB/"
launch_host() {
	local port=$1 tag=$2
	(sleep 0.8; printf 'client %s\n' "$tag"; sleep 2) |
		/lib64/ld-linux-x86-64.so.2 --library-path "$HOSTLIB" "$O/1.1.1w/root/usr/bin/openssl" s_client \
			-connect "127.0.0.1:$port" -tls1_3 -quiet -no_ign_eof -keylogfile "$TMP/truth-host.txt" >"$TMP/client-$tag.out" 2>&1 &
	LAUNCH_PID=$!
	find_client "$port" "$HOSTLIB/libssl.so.1.1"
}
TRUTH=$TMP/truth-host.txt LIBRE="\"layout\":\"1.1.1\",\"lib\":\"$HOSTLIB/libssl.so.1.1\""
late_case host launch_host

# fresh_lib DIR: a new copy of 1.1.1w's libssl and libcrypto (new inodes, Debian's build-ids)
fresh_lib() { mkdir -p "$1" && cp "$O/1.1.1w/root/usr/lib/$MA"/lib{ssl,crypto}.so.1.1 "$1/"; }
# host_client DIR PORT TAG DELAY: openssl 1.1.1w s_client on the host with the libraries of DIR,
# writing "client TAG" after DELAY seconds.
host_client() {
	(sleep "$4"; printf 'client %s\n' "$3"; sleep 2) |
		/lib64/ld-linux-x86-64.so.2 --library-path "$1" "$O/1.1.1w/root/usr/bin/openssl" s_client \
			-connect "127.0.0.1:$2" -tls1_3 -quiet -no_ign_eof -keylogfile "$TMP/truth-$3.txt" >"$TMP/client-$3.out" 2>&1 &
	LAUNCH_PID=$!
	find_client "$2" "$1/libssl.so.1.1"
}

# -- 4. --no-watch (the negative control): the same late host process is not traced
port=$((PORT++))
fresh_lib "$TMP/nowatch"
if tracer_start "$TMP/nw.out" "$TMP/nw.err" "$CP" -j sslsniff --no-watch -d 6; then
	sleep 1
	server "$port" nowatch
	host_client "$TMP/nowatch" "$port" nowatch 0.8
	wait_server
	kill -INT "$TRACER_PID"; tracer_wait 15
	sleep 1
	if ! grep -q "new ones as processes map them" "$TMP/nw.err" && [ "$CLIENT_PID" != none ] &&
		[ -z "$(event "$TMP/nw.out" "$CLIENT_PID" write "client nowatch")" ] &&
		grep -q "server nowatch" "$TMP/client-nowatch.out"; then
		ok "--no-watch: a process started later with a new libssl is not traced (though its session took place)"
	else
		notok "--no-watch: $(head -c 300 "$TMP/nw.err") $(grep -F 'nowatch' "$TMP/nw.out" | head -c 300)"
	fi
else
	notok "--no-watch: sslsniff did not start: $(head -c 300 "$TMP/nw.err")"
fi

# -- 5. a library deleted while mapped: traced through the mapping (the file the process runs).
# sslsniff starts after the client's handshake: its keys come with its first data call.
port=$((PORT++))
fresh_lib "$TMP/dellib"
server "$port" deleted 4
host_client "$TMP/dellib" "$port" deleted 3.2
sleep 0.3
rm -f "$TMP/dellib"/*
if grep -q "$TMP/dellib/libssl.so.1.1 (deleted)" "/proc/$CLIENT_PID/maps" &&
	tracer_start "$TMP/del.out" "$TMP/del.err" "$CP" -v -j sslsniff --keylog "$TMP/kl-deleted.txt" -d 7; then
	wait_server
	kill -INT "$TRACER_PID"; tracer_wait 15
	d=$(event "$TMP/del.out" "$CLIENT_PID" write "client deleted")
	if [ -n "$d" ] && echo "$d" | grep -qF "\"lib\":\"$TMP/dellib/libssl.so.1.1 (deleted, mapped by pid $CLIENT_PID)\"" &&
		grep -q "deleted while mapped: traced through the mapping" "$TMP/del.err"; then
		ok "a libssl deleted while mapped: traced through the mapping, named as deleted (one -v line)"
	else
		notok "deleted library: ${d:0:300} $(grep -v ^libbpf "$TMP/del.err" | head -c 300)"
	fi
	r=$(awk '$1 == "CLIENT_HANDSHAKE_TRAFFIC_SECRET" { print $2; exit }' "$TMP/truth-deleted.txt" 2>/dev/null)
	if [ -n "$r" ] && diff <(grep -v '^#' "$TMP/truth-deleted.txt" | sort) <(grep -F " $r " "$TMP/kl-deleted.txt" 2>/dev/null | sort) >/dev/null; then
		ok "handshake done before sslsniff started: the key log still equals the client's (sent with its first data call)"
	else
		notok "handshake before sslsniff: key log differs from the client's (random ${r:-none})"
	fi
else
	notok "deleted library: the client does not map it as deleted, or sslsniff did not start: $(head -c 300 "$TMP/del.err")"
	wait_server
fi
kill -KILL "$LAUNCH_PID" 2>/dev/null

# -- 6. processes exiting during the attach: 15 short-lived programs, each with a new libssl
# file, gone in a few ms; then a long-lived one. No error, nothing wrong, the last one traced.
# (Few: each file attached costs 10 uprobes, and detaching each takes the kernel ~0.1 s.)
port=$((PORT++))
if tracer_start "$TMP/ex.out" "$TMP/ex.err" "$CP" -v -j sslsniff -d 12; then
	shorts=()
	for i in $(seq 1 15); do
		fresh_lib "$TMP/short/$i"
		/lib64/ld-linux-x86-64.so.2 --library-path "$TMP/short/$i" "$O/1.1.1w/root/usr/bin/openssl" version >/dev/null &
		shorts+=($!)
	done
	wait "${shorts[@]}"
	fresh_lib "$TMP/exlong"
	server "$port" exiting
	host_client "$TMP/exlong" "$port" exiting 0.8
	wait_server
	sleep 0.5
	alive=$(kill -0 "$TRACER_PID" 2>/dev/null && echo yes)
	kill -INT "$TRACER_PID"; tracer_wait 40
	rc=$?
	bad=$(grep -v '^libbpf' "$TMP/ex.err" | grep -Ev '^coreprobe: (kernel|merged BTF|pid [0-9]+: now tracing|/)|^Tracing' | head -c 300)
	covered=$(grep -c "now tracing $TMP/short/" "$TMP/ex.err")
	if [ "$alive" = yes ] && [ "$rc" = 0 ] && [ -z "$bad" ] && ! grep '"error"\|"warning"' "$TMP/ex.out" | grep -v 3.0.22 | grep -v 'GnuTLS build' | grep -q . &&
		[ -n "$(event "$TMP/ex.out" "$CLIENT_PID" write "client exiting")" ]; then
		ok "15 processes exiting during the attach: no error or warning ($covered of their files were still attached), a later one traced"
	else
		notok "exiting processes: alive=$alive rc=$rc unexpected: $bad $(grep '"error"\|"warning"' "$TMP/ex.out" | grep -v 3.0.22 | head -c 300)"
	fi
else
	notok "exiting processes: sslsniff did not start: $(head -c 300 "$TMP/ex.err")"
fi

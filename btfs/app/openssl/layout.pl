#!/usr/bin/perl
# layout.pl LABEL LIBSSL.btf LIBCRYPTO.btf SRCDIR
#
# Prints, for one OpenSSL build, the byte offsets and sizes of the fields coreprobe reads,
# resolved in the raw BTF that build.sh produced (through `bpftool btf dump file`), plus the
# handshake-digest constants from that version's sources. Used by build.sh to write LAYOUT.
#
# Paths: "a.b" steps into a member (anonymous structs/unions are searched as C does), "a->b"
# steps through a pointer; after "->" offsets restart at 0 within the pointee, whose struct is
# named in the output. Paths that do not exist in this version are listed as absent.
use strict;
use warnings;

my ($label, $ssl_btf, $crypto_btf, $src) = @ARGV;
die "usage: $0 LABEL LIBSSL.btf LIBCRYPTO.btf SRCDIR\n" unless defined $src;

sub load_btf {
	my ($file) = @_;
	my (%types, $cur);
	open(my $fh, '-|', 'bpftool', 'btf', 'dump', 'file', $file) or die "bpftool: $!\n";
	while (my $line = <$fh>) {
		chomp $line;
		if ($line =~ /^\[(\d+)\] (\S+) '([^']*)'(.*)$/) {
			$cur = { id => $1, kind => $2, name => $3, members => [] };
			my $rest = $4;
			$cur->{$1} = $2 while $rest =~ /(\w+)=(\S+)/g;
			$types{$cur->{id}} = $cur;
		} elsif ($line =~ /^\t'([^']*)' (.*)$/ && $cur) {
			my %m = (name => $1);
			my $rest = $2;
			$m{$1} = $2 while $rest =~ /(\w+)=(\S+)/g;
			push @{ $cur->{members} }, \%m;
		}
	}
	close $fh or die "bpftool btf dump file $file failed\n";
	return \%types;
}

my %MODS = map { $_ => 1 } qw(TYPEDEF CONST VOLATILE RESTRICT TYPE_TAG);

sub strip_mods {
	my ($T, $id) = @_;
	$id = $T->{$id}{type_id} while $id && $MODS{ $T->{$id}{kind} };
	return $id;
}

sub type_size {
	my ($T, $id) = @_;
	return 0 unless $id;
	my $t = $T->{$id};
	return 8 if $t->{kind} eq 'PTR';
	return $t->{nr_elems} * type_size($T, $t->{type_id}) if $t->{kind} eq 'ARRAY';
	return type_size($T, $t->{type_id}) if $MODS{ $t->{kind} };
	return $t->{size} // 0;
}

sub type_name {
	my ($T, $id) = @_;
	return 'void' unless $id;
	my $t = $T->{$id};
	my $k = $t->{kind};
	return type_name($T, $t->{type_id}) . ' *' if $k eq 'PTR';
	return type_name($T, $t->{type_id}) . "[$t->{nr_elems}]" if $k eq 'ARRAY';
	return 'const ' . type_name($T, $t->{type_id}) if $k eq 'CONST';
	return 'volatile ' . type_name($T, $t->{type_id}) if $k eq 'VOLATILE';
	return $t->{name} if $k eq 'TYPEDEF' || $k eq 'INT' || $k eq 'FLOAT';
	return 'struct ' . $t->{name} if $k eq 'STRUCT' || ($k eq 'FWD' && ($t->{fwd_kind} // '') eq 'struct');
	return 'union ' . $t->{name} if $k eq 'UNION';
	return 'enum ' . $t->{name} if $k =~ /^ENUM/;
	return 'fn' if $k eq 'FUNC_PROTO';
	return lc($k) . " $t->{name}";
}

# find_member(T, struct id, name) -> (bit offset, member) searching anonymous members too.
sub find_member {
	my ($T, $sid, $name) = @_;
	for my $m (@{ $T->{$sid}{members} }) {
		return ($m->{bits_offset}, $m) if $m->{name} eq $name;
	}
	for my $m (@{ $T->{$sid}{members} }) {
		next unless $m->{name} eq '(anon)';
		my $inner = strip_mods($T, $m->{type_id});
		next unless $inner && $T->{$inner}{kind} =~ /^(STRUCT|UNION)$/;
		my ($off, $found) = find_member($T, $inner, $name);
		return ($m->{bits_offset} + $off, $found) if $found;
	}
	return (undef, undef);
}

sub struct_id {
	my ($T, $name) = @_;
	my @ids = grep { $T->{$_}{kind} eq 'STRUCT' && $T->{$_}{name} eq $name } sort { $a <=> $b } keys %$T;
	return $ids[0];
}

# resolve(T, "root.path->x.y") -> (base struct name, byte offset, size, type name) or undef.
sub resolve {
	my ($T, $path) = @_;
	my ($root, @rest) = split /(\.|->)/, $path;
	my $id = struct_id($T, $root) or return;
	my ($base, $bits) = ($root, 0);
	my $cur = $id;
	while (@rest) {
		my ($sep, $name) = splice(@rest, 0, 2);
		if ($sep eq '->') {
			my $p = strip_mods($T, $cur);
			return unless $T->{$p}{kind} eq 'PTR';
			$cur = strip_mods($T, $T->{$p}{type_id});
			return unless $cur && $T->{$cur}{kind} =~ /^(STRUCT|UNION)$/;
			$base = $T->{$cur}{name};
			$bits = 0;
		} else {
			$cur = strip_mods($T, $cur);
		}
		return unless $cur && $T->{$cur}{kind} =~ /^(STRUCT|UNION)$/;
		my ($off, $m) = find_member($T, $cur, $name);
		return unless $m;
		$bits += $off;
		$cur = $m->{type_id};
	}
	return ($base, $bits / 8, type_size($T, $cur), type_name($T, $cur));
}

sub report {
	my ($T, @paths) = @_;
	for my $p (@paths) {
		my ($base, $off, $size, $tname) = resolve($T, $p);
		if (!defined $base) {
			printf "  %-52s absent\n", $p;
			next;
		}
		my $where = $p =~ /->/ ? "  (offset within struct $base)" : '';
		printf "  %-52s 0x%04x %5d  size %4d  %s%s\n", $p, $off, $off, $size, $tname, $where;
	}
}

my $S = load_btf($ssl_btf);
my $C = load_btf($crypto_btf);

my @secrets = qw(early_secret handshake_secret master_secret resumption_master_secret
	client_finished_secret server_finished_secret server_finished_hash handshake_traffic_hash
	client_hand_traffic_secret server_hand_traffic_secret client_app_traffic_secret
	server_app_traffic_secret exporter_master_secret early_exporter_master_secret);
my @s3 = qw(flags client_random server_random handshake_dgst handshake_buffer tmp.new_cipher
	tmp.new_hash tmp.new_sym_enc tmp.new_mac_secret_size tmp.finish_md tmp.peer_finish_md);

print "[$label]\n";
my $conn;
if (struct_id($S, 'ssl_connection_st')) {
	$conn = 'ssl_connection_st';
	print " libssl: SSL * points at struct ssl_st, the first member (ssl) of struct ssl_connection_st\n";
	print "  (for TLS over TCP; QUIC objects have other types, see ssl_st.type)\n";
	report($S, map { "ssl_st.$_" } qw(type ctx method));
	report($S, map { "ssl_connection_st.$_" } qw(ssl ssl.type version rbio wbio session s3),
		(map { "s3.$_" } @s3), @secrets);
} else {
	$conn = 'ssl_st';
	my ($base, $off, $size, $tname) = resolve($S, 'ssl_st.s3');
	my $arrow = ($tname // '') =~ /\*$/ ? '->' : '.';
	print " libssl: SSL * points at struct ssl_st; s3 is ", ($arrow eq '->' ? "a pointer ($tname)" : 'embedded'), "\n";
	report($S, map { "ssl_st.$_" } qw(version method rbio wbio session s3),
		(map { "s3$arrow$_" } @s3), @secrets);
}
print " libssl: SSL_SESSION = struct ssl_session_st\n";
report($S, map { "ssl_session_st.$_" } qw(ssl_version master_key_length master_key
	session_id_length session_id cipher cipher_id));
print " libssl: SSL_CIPHER = struct ssl_cipher_st\n";
report($S, map { "ssl_cipher_st.$_" } qw(name stdname id algorithm_mkey algorithm_auth algorithm_enc
	algorithm_mac min_tls max_tls algorithm2 strength_bits));
print " libcrypto: BIO = struct bio_st, BIO_METHOD = struct bio_method_st\n";
report($C, map { "bio_st.$_" } qw(libctx method callback callback_ex cb_arg init shutdown flags
	retry_reason num ptr next_bio prev_bio references num_read num_write));
report($C, map { "bio_method_st.$_" } qw(type name));

# Handshake digest constants, from this version's ssl/ssl_local.h (ssl_locl.h before 1.1.1e).
my ($hdr) = grep { -f } map { "$src/ssl/$_" } qw(ssl_local.h ssl_locl.h);
my %def;
for my $f ($hdr, "$src/include/openssl/tls1.h") {
	open(my $fh, '<', $f) or die "$f: $!\n";
	while (<$fh>) {
		$def{$1} = $2 if /^\s*#\s*define\s+(SSL_MD_\w+_IDX|SSL_HANDSHAKE_MAC_\w+|TLS1_PRF\w*|TLS1_3_CK_\w+|SSL_TYPE_(?:SSL|QUIC)_\w+)\s+(.+?)\s*(\/\*.*)?$/;
	}
}
sub value {
	my ($name, $depth) = @_;
	return undef if $depth > 8 || !defined $def{$name};
	my $e = $def{$name};
	$e =~ s/\b([A-Z][A-Z0-9_]+)\b/my $v = value($1, $depth + 1); defined $v ? $v : die "unresolved $1\n"/ge;
	$e =~ s/\b(0x[0-9A-Fa-f]+)L?\b/hex($1)/ge;
	my $v = eval $e;
	return $v;
}
if (defined $def{SSL_TYPE_SSL_CONNECTION}) {
	print " ssl_st.type values (an SSL * is a struct ssl_connection_st only when type ==\n";
	print "  SSL_TYPE_SSL_CONNECTION; for the QUIC types the TLS state is another SSL, the QUIC handshake layer):\n";
	printf "  %-28s = 0x%x\n", $_, value($_, 0) for sort { value($a, 0) <=> value($b, 0) } grep { /^SSL_TYPE_/ } keys %def;
}
print " handshake digest (ssl_get_algorithm2(s) = s3.tmp.new_cipher->algorithm2; handshake MD index =\n";
print "  algorithm2 & SSL_HANDSHAKE_MAC_MASK; TLS 1.2 PRF digest = algorithm2 & TLS1_PRF_* bits):\n";
for my $n (qw(SSL_HANDSHAKE_MAC_MASK SSL_HANDSHAKE_MAC_MD5_SHA1 SSL_HANDSHAKE_MAC_SHA256
	SSL_HANDSHAKE_MAC_SHA384 SSL_HANDSHAKE_MAC_DEFAULT TLS1_PRF_DGST_SHIFT TLS1_PRF_SHA256
	TLS1_PRF_SHA384 TLS1_PRF)) {
	my $v = value($n, 0);
	printf "  %-28s = 0x%x\n", $n, $v if defined $v;
}
open(my $lib, '<', "$src/ssl/s3_lib.c") or die "$src/ssl/s3_lib.c: $!\n";
my $text = do { local $/; <$lib> };
if ($text =~ /tls13_ciphers\[\]\s*=\s*\{(.*?)\n\};/s) {
	print "  TLS 1.3 suites (ssl_cipher_st.id -> algorithm2 handshake MAC):\n";
	my $body = $1;
	while ($body =~ /\{([^{}]*)\}/g) {
		my $entry = $1;
		my ($ck) = $entry =~ /\b(TLS1_3_CK_\w+)/;
		my ($mac) = $entry =~ /\b(SSL_HANDSHAKE_MAC_\w+)/;
		next unless $ck && $mac;
		printf "   %-34s id 0x%08x  %s (%d)\n", $ck, value($ck, 0), $mac, value($mac, 0);
	}
}
print "\n";

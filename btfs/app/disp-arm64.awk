# Memory-operand displacements of an arm64 function (aarch64-linux-gnu-objdump -d
# --no-show-raw-insn output on stdin), one per line: the #imm of every [xN, #imm] / [xN]
# operand (0 for [xN]), for the accessor layout checks of btfs/app/openssl/build.sh and
# btfs/app/gnutls/build.sh. An operand whose base register holds a page address from adrp is a
# global's GOT slot or data (ldr x0, [x0, #:lo12:sym]), whose low 12 bits move with the link
# layout, not a struct field: left out, as the x86-64 check leaves %rip-relative operands out.
# A register stays a page address until an instruction writes it or a call clobbers it: a
# call clobbers x0-x18 and x30 only, since x19-x29 are callee-saved (AAPCS64), so an adrp into
# x19-x28 before a call still names the page after it (gcc 10 hoists GOT page loads so).
# objdump prints no operand syntax awk can use directly, so this is the small parser needed.
{
	sub(/^[ \t]*[0-9a-f]+:[ \t]*/, "")
	sub(/[ \t]*\/\/.*$/, "")
	mn = $1
	ops = $0
	sub(/^[^ \t]+[ \t]*/, "", ops)
	rest = ops
	while (match(rest, /\[x[0-9]+(, #-?[0-9]+)?\]/)) {
		m = substr(rest, RSTART + 2, RLENGTH - 3)
		rest = substr(rest, RSTART + RLENGTH)
		split(m, p, ", #")
		if (!(("x" p[1]) in page)) print (p[2] == "" ? 0 : p[2])
	}
	if (mn == "bl" || mn == "blr") {
		for (r in page) if (substr(r, 2) + 0 <= 18 || r == "x30") delete page[r]
		next
	}
	dst = ops
	sub(/,.*/, "", dst)
	if (dst ~ /^[xw][0-9]+$/ && mn !~ /^(st|cmp|cmn|tst|cb|tb|b\.|b$|br$|ret|prfm)/) {
		r = "x" substr(dst, 2)
		if (mn == "adrp") page[r] = 1; else delete page[r]
	}
}

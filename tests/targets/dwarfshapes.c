// SPDX-License-Identifier: BSD-2-Clause
/* Type shapes the DWARF -> BTF encoder must carry exactly (tests/integration/dwarf.sh compares
 * its BTF with pahole's reading of the DWARF): bitfields, anonymous members, flexible and
 * multi-dimensional arrays, 32/64-bit and signed enums, typedef chains, qualifiers, _Atomic,
 * function pointers, and a declaration whose definition is in another unit (dwarfshapes2.c).
 * Built with several compilers and DWARF versions; -DWITH_COMPLEX adds a type that has no BTF
 * form (refused). */
#include <stdint.h>

enum small { S_A = 1, S_B = 200 };
enum neg { N_A = -5, N_B = 7 };
enum big { B_A = 1, B_B = 0x123456789aLL };
typedef unsigned int u32_t;
typedef u32_t my_u32;
typedef my_u32 my_u32_again;
struct elsewhere;	/* defined in dwarfshapes2.c only */

struct shapes {
	char tag;
	unsigned int f1 : 3, f2 : 7;
	int sf : 5;
	unsigned long long wide : 41;
	union {
		int as_int;
		float as_float;
	};
	struct {
		short x, y;
	} point;
	struct {
		uint8_t anon_a;
		uint16_t anon_b;
	};
	int grid[3][4][2];
	const volatile int cv;
	char *restrict rp;
	_Atomic int counter;
	_Atomic(struct elsewhere *) ap;
	enum small es;
	enum neg en;
	enum big eb;
	my_u32_again chained;
	int (*callback)(const char *fmt, ...);
	void (*noargs)(void);
	struct elsewhere *other;
	struct shapes *next;
	unsigned char tail_bits : 2;
	long flex[];
};

#ifdef WITH_COMPLEX
struct with_complex {
	int a;
	_Complex double z;
};
struct with_complex wc;
/* types that reach it: through a pointer, a typedef, a member; each is left out with it by an
 * all-types encode (a strict one refuses them) */
struct points_to_complex {
	struct with_complex *p;
	int b;
};
typedef struct with_complex with_complex_t;
struct holds_complex {
	with_complex_t w;
};
struct points_to_complex ptc;
with_complex_t wct;
struct holds_complex hc;
#endif

struct shapes *use_shapes(struct shapes *s);
struct shapes *use_shapes(struct shapes *s) { return s->next; }

/* One struct defined in several units, alike or not: the DWARF encoder writes each distinct
 * definition once (src/btf/dwsame.c). tests/integration/dwarfsame.sh links three units of it
 * (-DUNIT=1, 2, 3), the middle one with one of these changes:
 *   -DTWIN_B=int       the type of a member (so the offsets of the members after it)
 *   -DTWIN_ALIGN=16    the alignment of one member only
 *   -DINNER_Y=short    only a struct reached through a pointer (a FWD in object mode)
 * struct data is the structs tool's type, so `btf dwarf --tools` (object mode) encodes it too. */
#ifndef TWIN_B
#define TWIN_B long
#endif
#ifndef TWIN_ALIGN
#define TWIN_ALIGN 4
#endif
#ifndef INNER_Y
#define INNER_Y long
#endif
#ifndef UNIT
#define UNIT 1
#endif

struct inner {
	int x;
	INNER_Y y;
};

struct data {
	int a;
	TWIN_B b;
	int c __attribute__((aligned(TWIN_ALIGN)));
	struct inner *p;
	int d;
};

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
int CAT(use, UNIT)(struct data *d)
{
	return d->a + d->c + (d->p ? d->p->x : 0);
}

#if UNIT == 1
int main(void)
{
	return 0;
}
#endif

// SPDX-License-Identifier: BSD-2-Clause
/* The other unit of dwarfshapes.c: the only definition of struct elsewhere. */
struct elsewhere {
	long id;
	char name[16];
	struct elsewhere *parent;
};

long use_elsewhere(struct elsewhere *e);
long use_elsewhere(struct elsewhere *e) { return e->id; }

int main(void) { return 0; }

// SPDX-License-Identifier: BSD-2-Clause
/* Only its BTF is used: a `struct data` with another layout, merged into a copy of the
 * kernel's BTF, so that the kernel and the application both define the name the BPF
 * program relocates against. coreprobe must still pick the application's. */
struct data { long x; int c; int a; };
struct data collide_sample;

/* The blob store (src/btf/blobstore.h) as a section of the executable. Not allocated (coreprobe
 * reads it from its own file, only what it needs); "R" (SHF_GNU_RETAIN) keeps --gc-sections
 * from dropping an unreferenced section. STORE_BIN is set by the Makefile. */
	.section .coreprobe.btf, "R", @progbits
	.incbin STORE_BIN
	.section .note.GNU-stack, "", @progbits

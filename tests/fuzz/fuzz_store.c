// SPDX-License-Identifier: BSD-2-Clause
/* The blob store reader: store_parse on any bytes, then everything that reads a parsed store
 * (blob decompression, lookups, the kernel/app BTF choice and its "closest releases" message),
 * and the writer's round trip: a store that parses and whose blobs all decompress must be
 * rebuilt by `btf add`'s code into a store that parses again.
 * Input: one mode byte, then the store. Mode bit 0 set: the header's crc is recomputed first,
 * as an attacker who writes a store would; without it nearly every mutation would stop at the
 * checksum and the checks behind it would never be reached. */
#include <string.h>
#include <zlib.h>

#include "fuzz.h"
#include "src/btf/blobstore.h"
#include "src/btf/btfpick.h"

static void host_like(struct host_info *h, const struct cp_store *st, const struct cp_store_entry *e)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->release, sizeof(h->release), "%s", e ? store_str(st, e->key_off) : "6.2.0-1-amd64");
	snprintf(h->arch, sizeof(h->arch), "x86_64");
	snprintf(h->os_id, sizeof(h->os_id), "%s", e ? store_str(st, e->distro_off) : "debian");
	snprintf(h->os_version, sizeof(h->os_version), "%s", e ? store_str(st, e->version_off) : "12");
	if (e && e->build_id_len) {
		memcpy(h->build_id, e->build_id, e->build_id_len);
		h->build_id_len = e->build_id_len;
	}
	hex_encode(h->build_id, h->build_id_len, h->build_id_hex);
}

static void fix_crc(unsigned char *buf, size_t size)
{
	struct cp_store_hdr h;
	uint64_t end;

	if (size < sizeof(h))
		return;
	memcpy(&h, buf, sizeof(h));
	end = (uint64_t)h.data_off + h.data_size;
	if (h.hdr_size != sizeof(h) || end > size || end < sizeof(h))
		return;
	h.crc = crc32(0, buf + sizeof(h), end - sizeof(h));
	memcpy(buf, &h, sizeof(h));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf, *out = NULL;
	struct store_builder *sb;
	struct kbtf_choice kc;
	struct abtf_choice ac;
	struct host_info h;
	struct elf_info ei = { 0 };
	struct cp_store st, st2;
	bool all_ok = true;
	size_t out_size;

	if (size < 1)
		return 0;
	fuzz_quiet();
	cp_error_clear();
	buf = malloc(size - 1 ? size - 1 : 1);	/* exact size: reads past the end are caught */
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 1)
		fix_crc(buf, size - 1);
	size--;
	if (store_parse(&st, buf, size, "fuzz"))
		return 0;	/* buf was freed */
	for (uint32_t i = 0; i < st.hdr->n_blobs; i++) {
		void *raw;
		size_t n;

		cp_error_clear();
		if (store_blob_get(&st, i, &raw, &n)) {
			all_ok = false;
			continue;
		}
		btf__free(cp_btf_new(raw, n, NULL));	/* what blob_btf() does with it */
		free(raw);
	}
	for (uint32_t i = 0; i < store_count(&st); i++) {
		const struct cp_store_entry *e = &st.entries[i];
		char d[256];

		store_entry_describe(&st, e, d, sizeof(d));
		store_blob_users(&st, e->blob);
		store_find_app(&st, e->build_id, e->build_id_len);
		host_like(&h, &st, e);
		cp_error_clear();
		kbtf_choose(&st, &h, NULL, true, false, &kc);
		memcpy(ei.build_id, e->build_id, e->build_id_len);
		ei.build_id_len = e->build_id_len;
		hex_encode(ei.build_id, ei.build_id_len, ei.build_id_hex);
		cp_error_clear();
		abtf_choose(&st, "target", &ei, NULL, &ac);
	}
	host_like(&h, &st, NULL);	/* a kernel with no blob: the closest-releases message */
	cp_error_clear();
	kbtf_choose(&st, &h, NULL, true, false, &kc);

	if (all_ok && (sb = sb_new())) {
		cp_error_clear();
		if (sb_add_store(sb, &st) == 0 && sb_serialize(sb, &out, &out_size) == 0) {
			if (store_parse(&st2, out, out_size, "rebuilt"))
				abort();	/* our writer produced what our reader rejects */
			store_free(&st2);
		}
		sb_free(sb);
	}
	store_free(&st);
	return 0;
}

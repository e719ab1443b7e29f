/* audit.c — the hash-chained audit log (see audit.h). */
#include "audit.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "log.h"
#include "staff.h"
#include "timeutil.h"
#include "accounts.h"

/* SHA-256 over the row's fields, each length-prefixed so that no two rows
 * serialise alike, and the previous hash. */
static void audit_hash(int64_t id, const char *at, const char *actor, const char *action,
		       const char *otype, const char *oid, const char *detail,
		       const unsigned char prev[32], unsigned char out[32])
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	unsigned char idb[8];
	for (int i = 0; i < 8; i++)
		idb[i] = (unsigned char)((uint64_t)id >> (56 - 8 * i));
	crypto_hash_sha256_update(&st, idb, 8);
	const char *fields[] = {at, actor, action, otype, oid, detail};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		unsigned char lenb[5];
		uint32_t len = fields[i] ? (uint32_t)strlen(fields[i]) : 0;
		lenb[0] = fields[i] ? 1 : 0; /* NULL and "" differ */
		for (int k = 0; k < 4; k++)
			lenb[1 + k] = (unsigned char)(len >> (24 - 8 * k));
		crypto_hash_sha256_update(&st, lenb, 5);
		if (len)
			crypto_hash_sha256_update(&st, (const unsigned char *)fields[i], len);
	}
	crypto_hash_sha256_update(&st, prev, 32);
	crypto_hash_sha256_final(&st, out);
}

int audit_append_db(struct db *db, const char *actor, const char *action,
		    const char *object_type, const char *object_id, const char *detail)
{
	int64_t last;
	unsigned char prev[32], hash[32];
	if (store_audit_last(db, &last, prev))
		return HL_EIO;
	char at[21];
	time_now_iso(at);
	struct store_audit_row row = {
		.id = last + 1, .at = at, .actor = actor, .action = action,
		.object_type = object_type, .object_id = object_id, .detail = detail,
		.prev_hash = prev, .hash = hash,
	};
	audit_hash(row.id, at, actor, action, object_type, object_id, detail, prev, hash);
	return store_audit_append(db, &row);
}

int audit_append(struct hotline *hl, const char *actor, const char *action,
		 const char *object_type, const char *object_id, const char *detail)
{
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = db_begin(db);
	if (!rc) {
		rc = audit_append_db(db, actor, action, object_type, object_id, detail);
		rc = rc ? (db_rollback(db), rc) : db_commit(db);
	}
	hotline_db_put(hl, db);
	if (rc)
		log_error("audit: could not append %s by %s", action, actor);
	return rc ? HL_EIO : 0;
}

struct verify_state {
	int64_t expect_id, rows, bad;
	unsigned char prev[32];
};

static int verify_row(void *arg, const struct store_audit_row *r)
{
	struct verify_state *v = arg;
	unsigned char want[32];
	if (r->id != v->expect_id || r->prev_len != 32 || r->hash_len != 32 ||
	    sodium_memcmp(r->prev_hash, v->prev, 32) != 0) {
		v->bad = r->id;
		return 1;
	}
	audit_hash(r->id, r->at, r->actor, r->action, r->object_type, r->object_id, r->detail,
		   v->prev, want);
	if (sodium_memcmp(want, r->hash, 32) != 0) {
		v->bad = r->id;
		return 1;
	}
	memcpy(v->prev, r->hash, 32);
	v->expect_id++;
	v->rows++;
	return 0;
}

int audit_verify(struct hotline *hl, int64_t *rows, int64_t *bad_id)
{
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	struct verify_state v = {.expect_id = 1};
	memset(v.prev, 0, sizeof v.prev);
	int rc = 0;
	/* in slices, so the arena stays small whatever the log's length */
	for (;;) {
		struct arena a;
		arena_init(&a, 64u << 20);
		int64_t before = v.rows;
		rc = store_audit_each(db, v.expect_id - 1, 10000, NULL, NULL, NULL, verify_row, &v, &a);
		arena_free(&a);
		if (rc || v.bad || v.rows == before)
			break;
	}
	hotline_db_put(hl, db);
	if (rc)
		return HL_EIO;
	*rows = v.rows;
	if (v.bad) {
		*bad_id = v.bad;
		return HL_EINVAL;
	}
	return 0;
}

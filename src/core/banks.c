/* banks.c — managing hash lists (see banks.h). */
#include "banks.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "err.h"
#include "exacthash.h"
#include "reports.h"
#include "timeutil.h"

#define IMPORT_BATCH 100000 /* lines sorted and committed together */

/* One parsed line waiting for its batch. */
struct pending {
	struct hashlist_entry e;
	uint64_t line;
};

static int pending_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;
	int c = strcmp(x->e.algo, y->e.algo);
	if (c)
		return c;
	size_t n = x->e.len < y->e.len ? x->e.len : y->e.len;
	c = memcmp(x->e.hash, y->e.hash, n);
	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Writes a batch sorted by hash, so the unique index is walked in order
 * (a random order would touch a random page of it for every line), then
 * records the change for running servers. Frees the metadata. */
static int flush_batch(struct db *db, struct banks_import_result *res, struct pending *b,
		       size_t n, const char *now)
{
	qsort(b, n, sizeof *b, pending_cmp);
	int rc = 0;
	uint64_t before = res->added;
	for (size_t i = 0; i < n; i++) {
		int added = 0;
		if (!rc)
			rc = store_hashlist_entry_add(db, res->list_id, b[i].e.algo, b[i].e.hash,
						      b[i].e.len, b[i].e.meta, now, &added);
		free(b[i].e.meta);
		if (rc)
			continue;
		if (added)
			res->added++;
		else
			res->present++;
	}
	if (!rc && res->added > before)
		rc = store_hashlist_change(db, "entries_added", res->list_id, 0, now);
	return rc;
}

static const char *const actions[] = {"raise_priority", "suggest_classification",
				      "previously_assessed", NULL};

int banks_check(const char *name, const struct banks_settings *s, const char **code)
{
	if (name) {
		size_t n = strlen(name);
		if (!n || n > BANKS_NAME_MAX) {
			*code = "hashlist.name";
			return HL_EINVAL;
		}
		for (size_t i = 0; i < n; i++) {
			char c = name[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
				*code = "hashlist.name";
				return HL_EINVAL;
			}
		}
	}
	if (s && s->action) {
		bool ok = false;
		for (int i = 0; actions[i]; i++)
			ok |= strcmp(s->action, actions[i]) == 0;
		if (!ok) {
			*code = "hashlist.action";
			return HL_EINVAL;
		}
	}
	if (s && (s->pdq_threshold < -1 || s->pdq_threshold > 256)) {
		*code = "hashlist.threshold";
		return HL_EINVAL;
	}
	if (s && s->source && strlen(s->source) > 1000) {
		*code = "hashlist.source";
		return HL_EINVAL;
	}
	if (s && s->classification && strlen(s->classification) > 100) {
		*code = "hashlist.classification";
		return HL_EINVAL;
	}
	return 0;
}

/* Applies s over l; true when anything differs. */
static bool apply(struct store_hashlist *l, const struct banks_settings *s)
{
	bool changed = false;
#define SETS(field)                                                                            \
	if (s->field && (!l->field || strcmp(l->field, s->field) != 0)) {                      \
		l->field = *s->field ? s->field : NULL;                                        \
		changed = true;                                                                \
	}
	SETS(source)
	SETS(action)
	SETS(classification)
#undef SETS
	if (s->pdq_threshold >= 0 && s->pdq_threshold != l->pdq_threshold) {
		l->pdq_threshold = s->pdq_threshold;
		changed = true;
	}
	return changed;
}

/* The list, created or updated with s. */
static int ensure_list(struct db *db, const char *actor, const char *name,
		       const struct banks_settings *s, bool local, const char *now, int64_t *id,
		       bool *created, struct arena *a)
{
	struct store_hashlist l;
	int rc = store_hashlist_get(db, name, 0, &l, a);
	char idbuf[24];
	if (rc == HL_ENOTFOUND) {
		memset(&l, 0, sizeof l);
		l.name = name;
		l.action = local ? "previously_assessed" : "raise_priority";
		l.pdq_threshold = 31;
		l.local = local;
		if (s)
			apply(&l, s);
		if ((rc = store_hashlist_create(db, &l, now, id)))
			return rc;
		*created = true;
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)*id);
		return audit_append_db(db, actor, "hashlist.create", "hashlist", idbuf, name);
	}
	if (rc)
		return rc;
	*id = l.id;
	*created = false;
	if (s && apply(&l, s)) {
		if ((rc = store_hashlist_update(db, &l, now)))
			return rc;
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)l.id);
		return audit_append_db(db, actor, "hashlist.settings", "hashlist", idbuf, name);
	}
	return 0;
}

int banks_import(struct db *db, const char *actor, const char *name,
		 const struct banks_settings *s, FILE *in, enum hashlist_format format,
		 const char *default_algo, banks_bad_line_fn bad, void *arg,
		 struct banks_import_result *res, const char **code)
{
	memset(res, 0, sizeof *res);
	*code = NULL;
	if (banks_check(name, s, code))
		return HL_EINVAL;
	store_hashlist_bulk(db);
	char now[21];
	time_now_iso(now);
	struct arena a;
	arena_init(&a, 1u << 20);
	int rc = db_begin(db);
	if (!rc)
		rc = ensure_list(db, actor, name, s, false, now, &res->list_id, &res->created, &a);
	arena_free(&a);
	if (rc) {
		db_rollback(db);
		return rc;
	}
	struct hashlist_reader rd;
	hashlist_reader_init(&rd, format, default_algo);
	/* lines are read in pieces of a bounded buffer: a line longer than it
	 * is reported and skipped, never held whole */
	size_t cap = HASHLIST_MAX_LINE + 2;
	char *line = malloc(cap);
	struct pending *batch = malloc(IMPORT_BATCH * sizeof *batch);
	if (!line || !batch) {
		free(line);
		free(batch);
		db_rollback(db);
		return HL_ENOMEM;
	}
	size_t nb = 0;
	while (!rc && fgets(line, (int)cap, in)) {
		size_t len = strlen(line);
		res->lines++;
		if (len == cap - 1 && line[len - 1] != '\n') {
			int c;
			while ((c = fgetc(in)) != EOF && c != '\n')
				;
			res->bad++;
			if (bad)
				bad(arg, res->lines, "line.too_long");
			continue;
		}
		struct hashlist_entry e;
		const char *lc = NULL;
		int r = hashlist_read_line(&rd, line, len, &e, &lc);
		if (r == HL_ENOMEM) {
			rc = r;
			break;
		}
		if (r < 0) {
			res->bad++;
			if (bad)
				bad(arg, res->lines, lc ? lc : "line.invalid");
			continue;
		}
		if (r == 0)
			continue;
		batch[nb++] = (struct pending){e, res->lines};
		if (nb == IMPORT_BATCH) {
			rc = flush_batch(db, res, batch, nb, now);
			nb = 0;
			if (!rc)
				rc = db_commit(db);
			if (!rc)
				rc = db_begin(db);
		}
	}
	if (!rc && nb)
		rc = flush_batch(db, res, batch, nb, now);
	else
		for (size_t i = 0; i < nb; i++)
			free(batch[i].e.meta);
	free(batch);
	if (!rc && ferror(in))
		rc = HL_EIO;
	free(line);
	hashlist_reader_free(&rd);
	if (!rc && res->added) {
		char idbuf[24], detail[160];
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)res->list_id);
		snprintf(detail, sizeof detail, "%s: %llu added, %llu present, %llu bad lines", name,
			 (unsigned long long)res->added, (unsigned long long)res->present,
			 (unsigned long long)res->bad);
		rc = audit_append_db(db, actor, "hashlist.import", "hashlist", idbuf, detail);
	}
	if (!rc)
		rc = db_commit(db);
	if (rc)
		db_rollback(db);
	return rc;
}

struct export_state {
	FILE *out;
	const char *algo; /* NULL: csv */
	uint64_t count;
};

static void csv_field(FILE *out, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static int export_entry(void *arg, const struct store_hash_entry *e)
{
	struct export_state *x = arg;
	char hex[65];
	exacthash_to_hex(e->hash, e->len, hex);
	if (x->algo) {
		if (strcmp(e->algo, x->algo) != 0 || e->disabled)
			return 0;
		fprintf(x->out, "%s\n", hex);
	} else {
		fprintf(x->out, "%s,%s,%d,", e->algo, hex, e->disabled ? 1 : 0);
		csv_field(x->out, e->added_at);
		fputc(',', x->out);
		csv_field(x->out, e->meta);
		fputc('\n', x->out);
	}
	x->count++;
	return ferror(x->out) ? HL_EIO : 0;
}

int banks_export(struct db *db, const char *actor, const char *name, enum hashlist_format format,
		 FILE *out, uint64_t *count)
{
	static const char *const algos[] = {"pdq", "md5", "sha1", "sha256", NULL};
	struct store_hashlist l;
	int rc = store_hashlist_get(db, name, 0, &l, NULL);
	if (rc)
		return rc;
	struct export_state x = {.out = out, .algo = algos[format]};
	if (!x.algo)
		fputs("algo,hash,disabled,added_at,meta\n", out);
	int64_t after = 0, last = 0;
	for (;;) {
		rc = store_hashlist_entries(db, l.id, false, true, after, 50000, export_entry, &x,
					    &last);
		if (rc || last == after)
			break;
		after = last;
	}
	if (!rc && fflush(out))
		rc = HL_EIO;
	*count = x.count;
	if (!rc) {
		char idbuf[24], detail[160];
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)l.id);
		snprintf(detail, sizeof detail, "%s: %llu rows", name, (unsigned long long)x.count);
		rc = audit_append_db(db, actor, "hashlist.export", "hashlist", idbuf, detail);
	}
	return rc;
}

int banks_set(struct db *db, const char *actor, const char *name, const struct banks_settings *s,
	      const char **code)
{
	if (banks_check(NULL, s, code))
		return HL_EINVAL;
	struct arena a;
	arena_init(&a, 1u << 20);
	struct store_hashlist l;
	int rc = db_begin(db);
	if (!rc)
		rc = store_hashlist_get(db, name, 0, &l, &a);
	if (!rc && apply(&l, s)) {
		char now[21], idbuf[24];
		time_now_iso(now);
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)l.id);
		rc = store_hashlist_update(db, &l, now);
		if (!rc)
			rc = audit_append_db(db, actor, "hashlist.settings", "hashlist", idbuf, name);
	}
	if (!rc)
		rc = db_commit(db);
	if (rc)
		db_rollback(db);
	arena_free(&a);
	return rc;
}

int banks_remove(struct db *db, const char *actor, const char *name, int64_t *removed)
{
	struct store_hashlist l;
	int rc = db_begin(db);
	if (!rc)
		rc = store_hashlist_get(db, name, 0, &l, NULL);
	char now[21], idbuf[24], detail[160];
	time_now_iso(now);
	if (!rc)
		rc = store_hashlist_remove(db, l.id, now, removed);
	if (!rc) {
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)l.id);
		snprintf(detail, sizeof detail, "%s: %lld entries", name, (long long)*removed);
		rc = audit_append_db(db, actor, "hashlist.remove", "hashlist", idbuf, detail);
	}
	if (!rc)
		rc = db_commit(db);
	if (rc)
		db_rollback(db);
	return rc;
}

int banks_disable_id(struct db *db, const char *actor, int64_t entry_id, bool disabled,
		     const char *reason)
{
	char now[21], idbuf[24];
	time_now_iso(now);
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)entry_id);
	int rc = db_begin(db);
	if (!rc)
		rc = store_hashlist_entry_set_disabled(db, entry_id, disabled, reason, now);
	if (!rc)
		rc = audit_append_db(db, actor, disabled ? "hashlist.entry_disable" : "hashlist.entry_enable",
				     "hashlist_entry", idbuf, reason);
	if (!rc)
		rc = db_commit(db);
	if (rc)
		db_rollback(db);
	return rc;
}

int banks_disable(struct db *db, const char *actor, const char *name, const char *algo,
		  const char *hex, bool disabled, const char *reason, const char **code)
{
	const char *an = hashlist_algo_name(algo);
	size_t len = hashlist_algo_len(an);
	uint8_t h[32];
	if (!len || !hex || hashlist_hex_decode(hex, strlen(hex), h, len)) {
		*code = an ? "hash.invalid" : "algo.invalid";
		return HL_EINVAL;
	}
	struct store_hashlist l;
	int rc = store_hashlist_get(db, name, 0, &l, NULL);
	if (rc)
		return rc;
	struct store_hash_entry e;
	if ((rc = store_hashlist_entry_find(db, l.id, an, h, len, &e, NULL)))
		return rc;
	return banks_disable_id(db, actor, e.id, disabled, reason);
}

int banks_add_report(struct db *db, const char *actor, int64_t report_id, uint64_t *added)
{
	struct arena a;
	arena_init(&a, 16u << 20);
	struct store_attachment_row *att;
	struct store_hash_row *hs;
	size_t na = 0, nh = 0;
	char now[21];
	time_now_iso(now);
	*added = 0;
	int rc = db_begin(db);
	if (!rc)
		rc = store_report_attachments(db, report_id, &att, &na, &a);
	if (!rc)
		rc = store_report_hashes(db, report_id, &hs, &nh, &a);
	if (!rc && !na && !nh)
		rc = HL_ENOTFOUND;
	int64_t list_id = 0;
	bool created = false;
	if (!rc)
		rc = ensure_list(db, actor, BANKS_LOCAL_NAME, NULL, true, now, &list_id, &created,
				 &a);
	char meta[64];
	snprintf(meta, sizeof meta, "{\"report_id\":%lld}", (long long)report_id);
	for (size_t i = 0; !rc && i < na; i++) {
		int ad = 0;
		rc = store_hashlist_entry_add(db, list_id, "sha256", att[i].sha256, 32, meta, now, &ad);
		*added += ad;
		if (!rc)
			rc = store_hashlist_entry_add(db, list_id, "sha1", att[i].sha1, 20, meta, now,
						      &ad);
		*added += ad;
		if (!rc)
			rc = store_hashlist_entry_add(db, list_id, "md5", att[i].md5, 16, meta, now, &ad);
		*added += ad;
		if (!rc && att[i].has_pdq) {
			rc = store_hashlist_entry_add(db, list_id, "pdq", att[i].pdq, 32, meta, now,
						      &ad);
			*added += ad;
		}
	}
	for (size_t i = 0; !rc && i < nh; i++) {
		int ad = 0;
		rc = store_hashlist_entry_add(db, list_id, hs[i].algo, hs[i].hash, hs[i].len, meta, now,
					      &ad);
		*added += ad;
	}
	if (!rc && *added)
		rc = store_hashlist_change(db, "entries_added", list_id, 0, now);
	if (!rc) {
		char idbuf[24], detail[80];
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)report_id);
		snprintf(detail, sizeof detail, "%llu hashes added to list %s",
			 (unsigned long long)*added, BANKS_LOCAL_NAME);
		rc = audit_append_db(db, actor, "report.add_to_hashlist", "report", idbuf, detail);
	}
	if (!rc)
		rc = db_commit(db);
	if (rc)
		db_rollback(db);
	arena_free(&a);
	return rc;
}

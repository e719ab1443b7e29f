/* stats.c — the figures of how fast material comes down (see stats.h). */
#include "stats.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/items.h"
#include "db.h"
#include "err.h"
#include "store/items.h"

const char *const stats_dims[STATS_DIMS] = {"channel", "classification", "country", "network"};
const char *const stats_spans[STATS_SPANS] = {"report_to_assessment", "assessment_to_notice",
					      "notice_to_removal", "report_to_removal"};

/* What the figures need of one item, kept small (24 bytes) because each
 * dimension's groups read the records in no useful order. Spans are in
 * seconds (clamped to about 68 years); the first-report time and the
 * group ids live in arrays of their own (collect.first, collect.key). */
struct rec {
	int32_t span[STATS_SPANS]; /* < 0: not reached */
	int32_t reports;
	uint8_t illegal, removed;
};

/* The distinct keys of one dimension: an open-addressing table of ids. */
struct keyset {
	char **names; /* by id */
	uint32_t n, cap;
	uint32_t *slots; /* id + 1, 0 empty; tcap a power of two */
	uint32_t tcap;
};

/* Networks seen, by AS number, so the "AS64500 Name" key is made once per
 * network rather than once per item. */
#define ASN_SLOTS 4096
struct asn_slot {
	int64_t asn; /* 0: empty */
	uint32_t key;
};

struct collect {
	struct rec *v;
	int64_t *first;           /* first-report time, by record */
	uint32_t *key[STATS_DIMS]; /* group ids, by dimension and record */
	size_t n, cap;
	struct keyset ks[STATS_DIMS];
	struct asn_slot asn[ASN_SLOTS];
	int err;
};

static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static uint32_t intern(struct collect *c, int dim, const char *s)
{
	struct keyset *k = &c->ks[dim];
	if (!s || !*s)
		s = "unknown";
	if ((k->n + 1) * 2 > k->tcap) {
		uint32_t ncap = k->tcap ? k->tcap * 2 : 64;
		uint32_t *ns = calloc(ncap, sizeof *ns);
		if (!ns) {
			c->err = HL_ENOMEM;
			return 0;
		}
		for (uint32_t i = 0; i < k->n; i++) {
			uint32_t j = (uint32_t)key_hash(k->names[i]) & (ncap - 1);
			while (ns[j])
				j = (j + 1) & (ncap - 1);
			ns[j] = i + 1;
		}
		free(k->slots);
		k->slots = ns;
		k->tcap = ncap;
	}
	uint32_t j = (uint32_t)key_hash(s) & (k->tcap - 1);
	while (k->slots[j]) {
		if (strcmp(k->names[k->slots[j] - 1], s) == 0)
			return k->slots[j] - 1;
		j = (j + 1) & (k->tcap - 1);
	}
	if (k->n == k->cap) {
		uint32_t ncap = k->cap ? k->cap * 2 : 64;
		char **nn = realloc(k->names, ncap * sizeof *nn);
		if (!nn) {
			c->err = HL_ENOMEM;
			return 0;
		}
		k->names = nn;
		k->cap = ncap;
	}
	k->names[k->n] = strdup(s);
	if (!k->names[k->n]) {
		c->err = HL_ENOMEM;
		return 0;
	}
	k->slots[j] = k->n + 1;
	return k->n++;
}

/* Room for one more record; false (c->err set) when out of memory. */
static bool collect_room(struct collect *c)
{
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 4096;
		struct rec *nv = realloc(c->v, ncap * sizeof *nv);
		if (nv)
			c->v = nv;
		int64_t *nf = nv ? realloc(c->first, ncap * sizeof *nf) : NULL;
		if (nf)
			c->first = nf;
		bool ok = nv && nf;
		for (int d = 0; ok && d < STATS_DIMS; d++) {
			uint32_t *nk = realloc(c->key[d], ncap * sizeof *nk);
			if (nk)
				c->key[d] = nk;
			ok = nk != NULL;
		}
		if (!ok) {
			c->err = HL_ENOMEM;
			return false;
		}
		c->cap = ncap;
	}
	return true;
}

static void collect_one(void *arg, const struct store_stat_item *s)
{
	struct collect *c = arg;
	if (c->err || !collect_room(c))
		return;
	size_t at = c->n++;
	struct rec *r = &c->v[at];
	c->first[at] = s->first_reported_at;
	r->illegal = s->state && (strcmp(s->state, "illegal") == 0 ||
				  strcmp(s->state, "notified") == 0 || strcmp(s->state, "removed") == 0);
	r->removed = s->removed_at > 0;
	int64_t span[STATS_SPANS] = {
		s->assessed_at ? s->assessed_at - s->first_reported_at : -1,
		s->notified_at && s->assessed_at ? s->notified_at - s->assessed_at : -1,
		s->removed_at && s->notified_at ? s->removed_at - s->notified_at : -1,
		s->removed_at ? s->removed_at - s->first_reported_at : -1};
	for (int k = 0; k < STATS_SPANS; k++) {
		if (span[k] < -1)
			span[k] = 0; /* a clock set back: count it as instant */
		r->span[k] = span[k] > INT32_MAX ? INT32_MAX : (int32_t)span[k];
	}
	r->reports = s->report_count > INT32_MAX ? INT32_MAX : (int32_t)s->report_count;
	c->key[0][at] = intern(c, 0, s->channel);
	c->key[1][at] = intern(c, 1, s->class_key);
	c->key[2][at] = intern(c, 2, s->country);
	struct asn_slot *slot = NULL;
	if (s->asn) {
		/* one slot per AS number; a collision falls back to the string */
		slot = &c->asn[((uint64_t)s->asn * 0x9E3779B97F4A7C15ULL) >> 52];
		if (slot->asn == s->asn) {
			c->key[3][at] = slot->key;
			return;
		}
	}
	char net[300];
	if (s->asn)
		snprintf(net, sizeof net, "AS%" PRId64 "%s%s", s->asn, s->as_name ? " " : "",
			 s->as_name ? s->as_name : "");
	c->key[3][at] = intern(c, 3, s->asn ? net : NULL);
	if (slot && !slot->asn) {
		slot->asn = s->asn;
		slot->key = c->key[3][at];
	}
}

/* The k-th smallest (0-based) of v[0..n), moving elements (quickselect):
 * afterwards every element after v[k] is at least v[k]. */
static int32_t select_kth(int32_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		int32_t pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				int32_t t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

/* Nearest rank: the ceil(pct/100 * n)-th smallest is at index k - 1. */
static size_t rank_index(size_t n, int pct)
{
	size_t k = ((size_t)pct * n + 99) / 100;
	return k ? k - 1 : 0;
}

/* The second percentile is looked for only above the first, where the
 * first selection left every larger value. */
void stats_median_p90(int32_t *v, size_t n, int64_t *p50, int64_t *p90)
{
	*p50 = *p90 = 0;
	if (!n)
		return;
	size_t k50 = rank_index(n, 50), k90 = rank_index(n, 90);
	*p50 = select_kth(v, n, k50);
	*p90 = select_kth(v + k50, n - k50, k90 - k50);
}

/* Fills row from the records idx[0..n), in one pass over them (the
 * records are read through idx in no useful order: each is touched once);
 * scratch holds STATS_SPANS * n values. */
static int fill_row(struct stats_row *row, struct rec *v, const size_t *idx, size_t n,
		    int32_t *scratch)
{
	size_t m[STATS_SPANS] = {0};
	int32_t *col[STATS_SPANS];
	for (int k = 0; k < STATS_SPANS; k++)
		col[k] = scratch + (size_t)k * n;
	for (size_t i = 0; i < n; i++) {
		const struct rec *r = &v[idx ? idx[i] : i];
		row->items++;
		row->reports += r->reports;
		row->illegal += r->illegal;
		row->removed += r->removed;
		if (r->illegal && r->span[3] >= 0) {
			row->within[0] += r->span[3] <= 86400;
			row->within[1] += r->span[3] <= 3 * 86400;
			row->within[2] += r->span[3] <= 7 * 86400;
		}
		for (int k = 0; k < STATS_SPANS; k++)
			if (r->span[k] >= 0)
				col[k][m[k]++] = r->span[k];
	}
	for (int k = 0; k < STATS_SPANS; k++) {
		row->n[k] = (int64_t)m[k];
		stats_median_p90(col[k], m[k], &row->p50[k], &row->p90[k]);
	}
	return 0;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
	char **names = arg;
	return strcmp(names[*(const uint32_t *)a], names[*(const uint32_t *)b]);
}

/* The period an item falls in, by arithmetic rather than search. */
static struct stats_period *period_at(struct stats *s, int64_t t)
{
	if (t < s->from || t >= s->to || !s->nperiods)
		return NULL;
	size_t k;
	if (!s->monthly) {
		k = (size_t)((t - s->from) / 86400);
	} else {
		/* the last period whose first day is not after t */
		size_t lo = 0, hi = s->nperiods;
		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;
			if (s->periods[mid].start <= t)
				lo = mid;
			else
				hi = mid;
		}
		k = lo;
	}
	return k < s->nperiods ? &s->periods[k] : NULL;
}

struct daily_ctx {
	struct stats *s;
	struct stats_row *ch;
	size_t nch;
	int err;
};

static struct stats_period *period_of(struct stats *s, const char *day)
{
	char label[11];
	snprintf(label, sizeof label, "%.*s", s->monthly ? 7 : 10, day);
	for (size_t i = 0; i < s->nperiods; i++)
		if (strcmp(s->periods[i].label, label) == 0)
			return &s->periods[i];
	return NULL;
}

static void daily_one(void *arg, const char *day, const char *channel, int64_t n)
{
	struct daily_ctx *d = arg;
	struct stats_period *p = period_of(d->s, day);
	if (p)
		p->reports += n;
	d->s->reports_total += n;
	for (size_t i = 0; i < d->nch; i++)
		if (strcmp(d->ch[i].key, channel) == 0) {
			d->ch[i].reports += n;
			return;
		}
	if (d->nch < 8) {
		d->ch[d->nch].key = strdup(channel);
		d->ch[d->nch++].reports = n;
	}
}

static void collect_free(struct collect *c)
{
	free(c->v);
	free(c->first);
	for (int d = 0; d < STATS_DIMS; d++) {
		free(c->key[d]);
		for (uint32_t i = 0; i < c->ks[d].n; i++)
			free(c->ks[d].names[i]);
		free(c->ks[d].names);
		free(c->ks[d].slots);
	}
}

struct half {
	struct hotline *hl;
	int64_t from, to;
	struct collect *c;
	int rc;
};

static void *collect_half(void *arg)
{
	struct half *h = arg;
	struct db *db = hotline_db(h->hl);
	h->rc = db ? store_stat_items(db, h->from, h->to, collect_one, h->c) : HL_EIO;
	if (!h->rc)
		h->rc = h->c->err;
	hotline_db_put(h->hl, db);
	return NULL;
}

/* Appends b's records to a, mapping b's group ids to a's. */
static int collect_merge(struct collect *a, const struct collect *b)
{
	uint32_t *map[STATS_DIMS] = {0};
	int rc = 0;
	for (int d = 0; d < STATS_DIMS && !rc; d++) {
		map[d] = malloc((b->ks[d].n ? b->ks[d].n : 1) * sizeof *map[d]);
		if (!map[d])
			rc = HL_ENOMEM;
		for (uint32_t k = 0; !rc && k < b->ks[d].n; k++) {
			map[d][k] = intern(a, d, b->ks[d].names[k]);
			if (a->err)
				rc = a->err;
		}
	}
	for (size_t i = 0; !rc && i < b->n; i++) {
		if (!collect_room(a)) {
			rc = a->err;
			break;
		}
		size_t at = a->n++;
		a->v[at] = b->v[i];
		a->first[at] = b->first[i];
		for (int d = 0; d < STATS_DIMS; d++)
			a->key[d][at] = map[d][b->key[d][i]];
	}
	for (int d = 0; d < STATS_DIMS; d++)
		free(map[d]);
	return rc;
}

/* The overall row (when asked) and the rows of dimensions [d0, d1). */
static int fill_dims(struct stats *s, struct collect *c, int d0, int d1, bool overall)
{
	int32_t *scratch = malloc((c->n ? c->n : 1) * STATS_SPANS * sizeof *scratch);
	size_t *idx = malloc((c->n ? c->n : 1) * sizeof *idx);
	int rc = scratch && idx ? 0 : HL_ENOMEM;
	if (!rc && overall)
		fill_row(&s->overall, c->v, NULL, c->n, scratch);
	for (int d = d0; d < d1 && !rc; d++) {
		/* records grouped by key id (a counting sort), groups in key order */
		uint32_t ng = c->ks[d].n;
		size_t *start = calloc((size_t)ng + 1, sizeof *start);
		uint32_t *order = malloc((ng ? ng : 1) * sizeof *order);
		s->by[d] = calloc(ng ? ng : 1, sizeof *s->by[d]);
		if (!start || !order || !s->by[d]) {
			free(start);
			free(order);
			rc = HL_ENOMEM;
			break;
		}
		for (size_t i = 0; i < c->n; i++)
			start[c->key[d][i] + 1]++;
		for (uint32_t g = 0; g < ng; g++)
			start[g + 1] += start[g];
		for (size_t i = 0; i < c->n; i++)
			idx[start[c->key[d][i]]++] = i;
		for (uint32_t g = ng; g > 0; g--)
			start[g] = start[g - 1];
		start[0] = 0;
		for (uint32_t g = 0; g < ng; g++)
			order[g] = g;
		qsort_r(order, ng, sizeof *order, cmp_name, c->ks[d].names);
		for (uint32_t o = 0; o < ng; o++) {
			uint32_t g = order[o];
			struct stats_row *row = &s->by[d][s->nby[d]++];
			row->key = strdup(c->ks[d].names[g]);
			fill_row(row, c->v, idx + start[g], start[g + 1] - start[g], scratch);
		}
		free(start);
		free(order);
	}
	free(scratch);
	free(idx);
	return rc;
}

struct fill_job {
	struct stats *s;
	struct collect *c;
	int d0, d1;
	bool overall;
	int rc;
};

static void *fill_main(void *arg)
{
	struct fill_job *j = arg;
	j->rc = fill_dims(j->s, j->c, j->d0, j->d1, j->overall);
	return NULL;
}

int stats_compute(struct hotline *hl, int64_t from, int64_t to, struct stats *s)
{
	memset(s, 0, sizeof *s);
	s->from = from;
	s->to = to;
	s->overall.key = "all";
	struct collect c = {0};
	/* a long range is read in two halves at once, on two connections (the
	 * reading is most of the time), then the second half is added to the
	 * first with its group ids mapped */
	struct half h = {.hl = hl, .from = from, .to = to};
	pthread_t th;
	bool split = to - from > 62 * 86400 &&
		     (h.c = calloc(1, sizeof *h.c)) != NULL;
	if (split) {
		h.from = from + (to - from) / 2;
		if (pthread_create(&th, NULL, collect_half, &h)) {
			free(h.c);
			split = false;
			h.from = from;
		}
	}
	struct db *db = hotline_db(hl);
	int rc = db ? store_stat_items(db, from, split ? h.from : to, collect_one, &c) : HL_EIO;
	if (!rc)
		rc = c.err;
	if (split) {
		pthread_join(th, NULL);
		if (!rc)
			rc = h.rc ? h.rc : collect_merge(&c, h.c);
		collect_free(h.c);
		free(h.c);
	}
	if (!db)
		return rc ? rc : HL_EIO;
	/* periods: days for up to 62 days, else months */
	s->monthly = to - from > 62 * 86400;
	size_t maxp = s->monthly ? (size_t)((to - from) / (28 * 86400) + 2)
				 : (size_t)((to - from) / 86400 + 2);
	if (!rc && maxp > 100000)
		rc = HL_ETOOBIG;
	if (!rc) {
		s->periods = calloc(maxp, sizeof *s->periods);
		if (!s->periods)
			rc = HL_ENOMEM;
	}
	for (int64_t t = from; !rc && t < to; t += 86400) {
		char iso[21];
		items_format_time(t, iso);
		iso[s->monthly ? 7 : 10] = '\0';
		if ((s->nperiods == 0 || strcmp(s->periods[s->nperiods - 1].label, iso) != 0) &&
		    s->nperiods < maxp) {
			memcpy(s->periods[s->nperiods].label, iso, 11);
			s->periods[s->nperiods++].start = t;
		}
	}
	s->report_channels = calloc(8, sizeof *s->report_channels);
	if (!rc && !s->report_channels)
		rc = HL_ENOMEM;
	if (!rc) {
		char fd[21], td[21];
		items_format_time(from, fd);
		items_format_time(to - 1, td);
		fd[10] = td[10] = '\0';
		struct daily_ctx d = {s, s->report_channels, 0, 0};
		rc = store_stat_daily(db, fd, td, daily_one, &d);
		s->nreport_channels = d.nch;
	}
	hotline_db_put(hl, db);
	if (!rc)
		for (size_t i = 0; i < c.n; i++) {
			struct stats_period *p = period_at(s, c.first[i]);
			if (p)
				p->items++;
		}
	if (!rc) {
		/* the overall row and two dimensions here, the other two on a
		 * second thread (each pass reads every record) */
		struct fill_job b = {s, &c, 2, STATS_DIMS, false, 0};
		pthread_t tb;
		bool two = c.n >= 10000 && pthread_create(&tb, NULL, fill_main, &b) == 0;
		rc = fill_dims(s, &c, 0, two ? 2 : STATS_DIMS, true);
		if (two) {
			pthread_join(tb, NULL);
			if (!rc)
				rc = b.rc;
		}
	}
	collect_free(&c);
	if (rc)
		stats_free(s);
	return rc;
}

void stats_free(struct stats *s)
{
	for (int d = 0; d < STATS_DIMS; d++) {
		for (size_t i = 0; i < s->nby[d]; i++)
			free((char *)s->by[d][i].key);
		free(s->by[d]);
		s->by[d] = NULL;
		s->nby[d] = 0;
	}
	for (size_t i = 0; i < s->nreport_channels; i++)
		free((char *)s->report_channels[i].key);
	free(s->report_channels);
	s->report_channels = NULL;
	s->nreport_channels = 0;
	free(s->periods);
	s->periods = NULL;
	s->nperiods = 0;
}

/* CSV: a key may hold a comma or a quote (network names): quote it. */
static int csv_key(struct buf *b, const char *k)
{
	if (!strpbrk(k, ",\"\n\r"))
		return buf_puts(b, k);
	int rc = buf_putc(b, '"');
	for (; *k && !rc; k++)
		rc = *k == '"' ? buf_puts(b, "\"\"") : buf_putc(b, *k);
	return rc || buf_putc(b, '"');
}

static int csv_row(struct buf *b, const char *dim, const struct stats_row *r)
{
	int rc = buf_puts(b, dim) || buf_putc(b, ',') || csv_key(b, r->key);
	rc = rc || buf_printf(b, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64, r->items,
			      r->reports, r->illegal, r->removed) < 0;
	for (int k = 0; k < 3 && !rc; k++)
		rc = buf_printf(b, ",%" PRId64, r->within[k]) < 0;
	for (int k = 0; k < STATS_SPANS && !rc; k++)
		rc = buf_printf(b, ",%" PRId64 ",%" PRId64 ",%" PRId64, r->n[k], r->p50[k],
				r->p90[k]) < 0;
	return rc || buf_putc(b, '\n');
}

int stats_csv(const struct stats *s, struct buf *b)
{
	int rc = buf_puts(b, "dimension,key,items,reports,illegal,removed,"
			     "removed_within_1d,removed_within_3d,removed_within_7d");
	for (int k = 0; k < STATS_SPANS && !rc; k++)
		rc = buf_printf(b, ",%s_n,%s_p50_s,%s_p90_s", stats_spans[k], stats_spans[k],
				stats_spans[k]) < 0;
	rc = rc || buf_putc(b, '\n') || csv_row(b, "all", &s->overall);
	for (int d = 0; d < STATS_DIMS && !rc; d++)
		for (size_t i = 0; i < s->nby[d] && !rc; i++)
			rc = csv_row(b, stats_dims[d], &s->by[d][i]);
	for (size_t i = 0; i < s->nperiods && !rc; i++)
		rc = buf_printf(b, "%s,%s,%" PRId64 ",%" PRId64 ",,,,,%s\n",
				s->monthly ? "month" : "day", s->periods[i].label, s->periods[i].items,
				s->periods[i].reports, ",,,,,,,,,,,") < 0;
	for (size_t i = 0; i < s->nreport_channels && !rc; i++)
		rc = buf_printf(b, "reports_by_channel,%s,,%" PRId64 ",,,,,%s\n",
				s->report_channels[i].key, s->report_channels[i].reports,
				",,,,,,,,,,,") < 0;
	return rc ? HL_ETOOBIG : 0;
}

static json_t *row_json(const struct stats_row *r)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I}", "key", r->key, "items",
			      (json_int_t)r->items, "reports", (json_int_t)r->reports, "illegal",
			      (json_int_t)r->illegal, "removed", (json_int_t)r->removed);
	json_t *w = json_object();
	static const char *const wn[3] = {"1d", "3d", "7d"};
	for (int k = 0; k < 3; k++) {
		json_object_set_new(w, wn[k], json_integer(r->within[k]));
		json_object_set_new(w, k == 0 ? "share_1d" : k == 1 ? "share_3d" : "share_7d",
				    json_real(r->illegal ? (double)r->within[k] / (double)r->illegal
							 : 0.0));
	}
	json_object_set_new(o, "removed_within", w);
	json_t *sp = json_object();
	for (int k = 0; k < STATS_SPANS; k++)
		json_object_set_new(sp, stats_spans[k],
				    json_pack("{s:I, s:I, s:I}", "n", (json_int_t)r->n[k], "median_s",
					      (json_int_t)r->p50[k], "p90_s", (json_int_t)r->p90[k]));
	json_object_set_new(o, "times", sp);
	return o;
}

json_t *stats_json(const struct stats *s)
{
	char f[21], t[21];
	items_format_time(s->from, f);
	items_format_time(s->to, t);
	json_t *o = json_pack("{s:s, s:s, s:o}", "from", f, "to", t, "overall", row_json(&s->overall));
	for (int d = 0; d < STATS_DIMS; d++) {
		json_t *arr = json_array();
		for (size_t i = 0; i < s->nby[d]; i++)
			json_array_append_new(arr, row_json(&s->by[d][i]));
		json_object_set_new(o, stats_dims[d], arr);
	}
	json_t *per = json_array();
	for (size_t i = 0; i < s->nperiods; i++)
		json_array_append_new(per, json_pack("{s:s, s:I, s:I}", "period", s->periods[i].label,
						     "items", (json_int_t)s->periods[i].items,
						     "reports", (json_int_t)s->periods[i].reports));
	json_object_set_new(o, s->monthly ? "months" : "days", per);
	json_t *rc = json_object();
	for (size_t i = 0; i < s->nreport_channels; i++)
		json_object_set_new(rc, s->report_channels[i].key,
				    json_integer(s->report_channels[i].reports));
	json_object_set_new(o, "reports_by_channel", rc);
	json_object_set_new(o, "reports_total", json_integer(s->reports_total));
	return o;
}

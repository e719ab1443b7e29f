/* hosting.c — host look-ups off the request path and MMDB country and
 * network (see hosting.h). */
#include "hosting.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <maxminddb.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "core/items.h"
#include "db.h"
#include "err.h"
#include "intake.h"
#include "log.h"
#include "store/items.h"

#define HOSTING_MAX_ADDRS 8
#define HOSTING_BATCH 512 /* items resolved, then written */
#define HOSTING_WRITE 64  /* results per transaction */

struct host_entry {
	char *name, *addr;
};

struct hosting {
	struct hotline *hl;
	MMDB_s country, asn;
	bool has_country, has_asn;
	struct host_entry *hosts; /* the override file, when set */
	size_t nhosts;
	bool hosts_only;
	int timeout_ms;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool running, stopping, woken;
};

static int load_hosts(struct hosting *h, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return HL_EIO;
	char line[1024];
	size_t cap = 0;
	while (fgets(line, sizeof line, f)) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *save = NULL, *addr = strtok_r(line, " \t\r\n", &save);
		if (!addr)
			continue;
		for (char *name; (name = strtok_r(NULL, " \t\r\n", &save));) {
			if (h->nhosts == cap) {
				cap = cap ? cap * 2 : 16;
				void *n = realloc(h->hosts, cap * sizeof *h->hosts);
				if (!n) {
					fclose(f);
					return HL_ENOMEM;
				}
				h->hosts = n;
			}
			h->hosts[h->nhosts].name = strdup(name);
			h->hosts[h->nhosts].addr = strdup(addr);
			for (char *p = h->hosts[h->nhosts].name; p && *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p + 32);
			h->nhosts++;
		}
	}
	fclose(f);
	return 0;
}

static bool open_mmdb(const char *path, MMDB_s *db)
{
	if (!path || !*path)
		return false;
	int rc = MMDB_open(path, MMDB_MODE_MMAP, db);
	if (rc != MMDB_SUCCESS) {
		log_info("hosting: %s not used: %s", path, MMDB_strerror(rc));
		return false;
	}
	return true;
}

int hosting_open(struct hotline *hl, struct hosting **out)
{
	struct hosting *h = calloc(1, sizeof *h);
	if (!h)
		return HL_ENOMEM;
	h->hl = hl;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->wake, NULL);
	char path[PATH_MAX + 32];
	const char *c = profile_get(hl->profile, "geo_country_mmdb", NULL);
	if (!*c) {
		snprintf(path, sizeof path, "%s/geo/country.mmdb", hl->data_dir);
		c = path;
	}
	h->has_country = open_mmdb(c, &h->country);
	const char *asn = profile_get(hl->profile, "geo_asn_mmdb", NULL);
	if (!*asn) {
		snprintf(path, sizeof path, "%s/geo/asn.mmdb", hl->data_dir);
		asn = path;
	}
	h->has_asn = open_mmdb(asn, &h->asn);
	const char *hosts = profile_get(hl->profile, "resolver_hosts", NULL);
	if (*hosts) {
		h->hosts_only = true;
		if (load_hosts(h, hosts)) {
			log_error("hosting: cannot read resolver_hosts %s", hosts);
			hosting_close(h);
			return HL_EIO;
		}
	}
	const char *t = profile_get(hl->profile, "resolver_timeout_ms", NULL);
	h->timeout_ms = *t ? atoi(t) : 3000;
	if (h->timeout_ms < 100 || h->timeout_ms > 60000)
		h->timeout_ms = 3000;
	*out = h;
	return 0;
}

void hosting_close(struct hosting *h)
{
	if (!h)
		return;
	hosting_stop(h);
	if (h->has_country)
		MMDB_close(&h->country);
	if (h->has_asn)
		MMDB_close(&h->asn);
	for (size_t i = 0; i < h->nhosts; i++) {
		free(h->hosts[i].name);
		free(h->hosts[i].addr);
	}
	free(h->hosts);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->wake);
	free(h);
}

/* Resolves name into up to HOSTING_MAX_ADDRS textual addresses. */
static int resolve(struct hosting *h, const char *name, char addrs[][INET6_ADDRSTRLEN],
		   int *n)
{
	*n = 0;
	unsigned char tmp[16];
	if (inet_pton(AF_INET, name, tmp) == 1 || inet_pton(AF_INET6, name, tmp) == 1) {
		snprintf(addrs[0], INET6_ADDRSTRLEN, "%s", name);
		*n = 1;
		return 0;
	}
	if (h->hosts_only) {
		for (size_t i = 0; i < h->nhosts && *n < HOSTING_MAX_ADDRS; i++)
			if (strcasecmp(h->hosts[i].name, name) == 0)
				snprintf(addrs[(*n)++], INET6_ADDRSTRLEN, "%s", h->hosts[i].addr);
		return *n ? 0 : HL_ENOTFOUND;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct gaicb cb = {.ar_name = name, .ar_request = &hints};
	struct gaicb *list[1] = {&cb};
	if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0)
		return HL_EIO;
	struct timespec ts = {h->timeout_ms / 1000, (long)(h->timeout_ms % 1000) * 1000000L};
	int rc = gai_suspend((const struct gaicb *const *)list, 1, &ts);
	if (rc == EAI_AGAIN && gai_error(&cb) == EAI_INPROGRESS) {
		if (gai_cancel(&cb) == EAI_NOTCANCELED) {
			/* still running: wait it out so cb can go out of scope */
			while (gai_error(&cb) == EAI_INPROGRESS)
				gai_suspend((const struct gaicb *const *)list, 1, NULL);
		}
		if (cb.ar_result)
			freeaddrinfo(cb.ar_result);
		return HL_EBUSY;
	}
	if (gai_error(&cb) != 0) {
		if (cb.ar_result)
			freeaddrinfo(cb.ar_result);
		return HL_ENOTFOUND;
	}
	for (struct addrinfo *ai = cb.ar_result; ai && *n < HOSTING_MAX_ADDRS; ai = ai->ai_next) {
		char s[INET6_ADDRSTRLEN];
		const void *src = ai->ai_family == AF_INET
					  ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
					  : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		if (!inet_ntop(ai->ai_family, src, s, sizeof s))
			continue;
		bool seen = false;
		for (int i = 0; i < *n; i++)
			seen = seen || strcmp(addrs[i], s) == 0;
		if (!seen)
			snprintf(addrs[(*n)++], INET6_ADDRSTRLEN, "%s", s);
	}
	freeaddrinfo(cb.ar_result);
	return *n ? 0 : HL_ENOTFOUND;
}

static const char *mmdb_string(MMDB_entry_s *e, struct arena *a, ...)
{
	MMDB_entry_data_s d;
	va_list ap;
	va_start(ap, a);
	int rc = MMDB_vget_value(e, &d, ap);
	va_end(ap);
	if (rc != MMDB_SUCCESS || !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return NULL;
	return arena_strndup(a, d.utf8_string, d.data_size);
}

static int64_t mmdb_uint(MMDB_entry_s *e, ...)
{
	MMDB_entry_data_s d;
	va_list ap;
	va_start(ap, e);
	int rc = MMDB_vget_value(e, &d, ap);
	va_end(ap);
	if (rc != MMDB_SUCCESS || !d.has_data)
		return 0;
	switch (d.type) {
	case MMDB_DATA_TYPE_UINT16: return d.uint16;
	case MMDB_DATA_TYPE_UINT32: return d.uint32;
	case MMDB_DATA_TYPE_INT32: return d.int32 > 0 ? d.int32 : 0;
	case MMDB_DATA_TYPE_UINT64: return (int64_t)d.uint64;
	default: return 0;
	}
}

static void geo(struct hosting *h, const char *addr, struct hosting_result *out, struct arena *a)
{
	int gai, mrc;
	if (h->has_country) {
		MMDB_lookup_result_s r = MMDB_lookup_string(&h->country, addr, &gai, &mrc);
		if (gai == 0 && mrc == MMDB_SUCCESS && r.found_entry) {
			/* MaxMind's layout, then ip-location-db's */
			out->country = mmdb_string(&r.entry, a, "country", "iso_code", NULL);
			if (!out->country)
				out->country = mmdb_string(&r.entry, a, "country_code", NULL);
		}
	}
	if (h->has_asn) {
		MMDB_lookup_result_s r = MMDB_lookup_string(&h->asn, addr, &gai, &mrc);
		if (gai == 0 && mrc == MMDB_SUCCESS && r.found_entry) {
			out->asn = mmdb_uint(&r.entry, "autonomous_system_number", NULL);
			out->as_name = mmdb_string(&r.entry, a, "autonomous_system_organization", NULL);
		}
	}
}

int hosting_lookup(struct hosting *h, const char *host, struct hosting_result *out,
		   struct arena *a)
{
	memset(out, 0, sizeof *out);
	char addrs[HOSTING_MAX_ADDRS][INET6_ADDRSTRLEN];
	int n = 0;
	int rc = resolve(h, host, addrs, &n);
	if (rc)
		return rc;
	struct buf b;
	buf_init(&b, 1024);
	for (int i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, ' ');
		buf_puts(&b, addrs[i]);
	}
	out->addresses = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	/* the first address that one database knows says where it is */
	for (int i = 0; i < n && !out->country && !out->asn; i++)
		geo(h, addrs[i], out, a);
	return 0;
}

struct pending {
	int64_t id[HOSTING_BATCH];
	char *host[HOSTING_BATCH];
	int n;
};

static void pending_one(void *arg, int64_t id, const char *host)
{
	struct pending *p = arg;
	if (p->n < HOSTING_BATCH) {
		p->id[p->n] = id;
		p->host[p->n++] = strdup(host ? host : "");
	}
}

struct hosting_write {
	const struct pending *p;
	const struct hosting_result *res;
	const int *lrc;
	int from, to;
};

static int write_results(struct db *db, void *arg)
{
	const struct hosting_write *w = arg;
	int wrc = 0;
	for (int i = w->from; i < w->to && (!wrc || wrc == HL_ENOTFOUND); i++) {
		const struct hosting_result *r = &w->res[i];
		bool ok = w->lrc[i] == 0;
		wrc = store_item_set_hosting(db, w->p->id[i], ok ? "done" : "failed",
					     ok ? r->addresses : NULL, ok ? r->country : NULL,
					     ok ? r->asn : 0, ok ? r->as_name : NULL, NULL, false,
					     items_now());
	}
	return wrc == HL_ENOTFOUND ? 0 : wrc;
}

int hosting_run_once(struct hosting *h)
{
	struct pending *p = calloc(1, sizeof *p);
	if (!p)
		return HL_ENOMEM;
	struct db *db = hotline_db(h->hl);
	if (!db) {
		free(p);
		return HL_EIO;
	}
	int rc = store_item_pending(db, HOSTING_BATCH, pending_one, p);
	hotline_db_put(h->hl, db);
	if (rc) {
		free(p);
		return rc;
	}
	/* look every host up once (many items share a host), then write the
	 * results a few dozen per transaction */
	struct arena a;
	arena_init(&a, 16u << 20);
	struct hosting_result *res = arena_alloc(&a, (p->n ? p->n : 1) * sizeof *res);
	int *lrc = arena_alloc(&a, (p->n ? p->n : 1) * sizeof *lrc);
	for (int i = 0; res && lrc && i < p->n; i++) {
		int same = -1;
		for (int k = i - 1; k >= 0 && k >= i - 64 && same < 0; k--)
			if (p->host[k] && p->host[i] && strcmp(p->host[k], p->host[i]) == 0)
				same = k;
		if (same >= 0) {
			res[i] = res[same];
			lrc[i] = lrc[same];
		} else {
			lrc[i] = p->host[i] ? hosting_lookup(h, p->host[i], &res[i], &a) : HL_ENOMEM;
		}
	}
	/* HOSTING_WRITE results at a time, through the intake committer
	 * (joining its next group commit) when there is one: a writer of its
	 * own would take the write lock from it again and again */
	for (int from = 0; res && lrc && from < p->n; from += HOSTING_WRITE) {
		struct hosting_write w = {p, res, lrc, from,
					  from + HOSTING_WRITE < p->n ? from + HOSTING_WRITE : p->n};
		if (h->hl->intake) {
			struct intake_waiter *wt = intake_waiter_new(&a);
			if (!wt || intake_submit_call(h->hl, write_results, &w, &a,
						      intake_waiter_done, wt))
				break;
			if (intake_waiter_wait(wt))
				break;
			continue;
		}
		db = hotline_db(h->hl);
		if (!db)
			break;
		int wrc = db_begin(db);
		if (!wrc)
			wrc = write_results(db, &w);
		if (wrc || db_commit(db))
			db_rollback(db);
		hotline_db_put(h->hl, db);
		if (wrc)
			break;
	}
	arena_free(&a);
	int n = p->n;
	for (int i = 0; i < p->n; i++)
		free(p->host[i]);
	free(p);
	return n;
}

static void *hosting_main(void *arg)
{
	struct hosting *h = arg;
	pthread_setname_np(pthread_self(), "hl-hosting");
	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		h->woken = false;
		pthread_mutex_unlock(&h->lock);
		int n = hosting_run_once(h);
		pthread_mutex_lock(&h->lock);
		if (n == HOSTING_BATCH || h->woken || h->stopping)
			continue;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&h->wake, &h->lock, &until);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

int hosting_start(struct hosting *h)
{
	if (pthread_create(&h->thread, NULL, hosting_main, h) != 0)
		return HL_ENOMEM;
	h->running = true;
	return 0;
}

void hosting_stop(struct hosting *h)
{
	if (!h || !h->running)
		return;
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	h->running = false;
}

void hosting_wake(struct hosting *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->woken = true;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
}

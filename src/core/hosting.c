/* hosting.c — host look-ups off the request path and MMDB country and
 * network (see hosting.h). */
#include "hosting.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <maxminddb.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "buf.h"
#include "core/items.h"
#include "db.h"
#include "err.h"
#include "intake.h"
#include "log.h"
#include "store/items.h"
#include "timeutil.h"

#define HOSTING_MAX_ADDRS 8
#define HOSTING_BATCH 512 /* items resolved, then written */
#define HOSTING_WRITE 64  /* results per transaction */

/* What a look-up found; strings in the round's arena. */
struct hosting_result {
	const char *addresses; /* space-separated, at most 8 */
	const char *country;   /* ISO code or NULL */
	int64_t asn;           /* 0 when unknown */
	const char *as_name;   /* or NULL */
};

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
	char *servers; /* resolver_servers, or NULL: the system's */
	int timeout_ms;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool running, stopping, woken;
};

static int channel_new(const struct hosting *h, ares_channel *ch);

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
	const char *servers = profile_get(hl->profile, "resolver_servers", NULL);
	if (*servers && !h->hosts_only) {
		h->servers = strdup(servers);
		ares_channel ch;
		int crc = h->servers ? channel_new(h, &ch) : HL_ENOMEM;
		if (crc) {
			log_error("hosting: resolver_servers \"%s\" is not a list of "
				  "ADDRESS or ADDRESS:PORT",
				  servers);
			hosting_close(h);
			return crc;
		}
		ares_destroy(ch);
	}
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
	free(h->servers);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->wake);
	free(h);
}

/* One name to look up: what resolve_all() fills. */
struct dnsq {
	const char *name;
	char addrs[HOSTING_MAX_ADDRS][INET6_ADDRSTRLEN];
	int n;
	int rc; /* 0, HL_ENOTFOUND, HL_EBUSY (timed out), HL_EIO, HL_ECANCELED_LOOKUP */
	bool done;
	int64_t deadline_ms;
};

#define HL_ECANCELED_LOOKUP 1 /* stopped before an answer: write nothing */
#define DNS_IN_FLIGHT 64      /* names asked at once */

static void dnsq_add(struct dnsq *q, const char *s)
{
	for (int i = 0; i < q->n; i++)
		if (strcmp(q->addrs[i], s) == 0)
			return;
	if (q->n < HOSTING_MAX_ADDRS)
		snprintf(q->addrs[q->n++], INET6_ADDRSTRLEN, "%s", s);
}

/* A literal address, or (with resolver_hosts) the hosts file: answered at
 * once. False when the name needs the DNS. */
static bool resolve_local(struct hosting *h, struct dnsq *q)
{
	unsigned char tmp[16];
	if (inet_pton(AF_INET, q->name, tmp) == 1 || inet_pton(AF_INET6, q->name, tmp) == 1)
		dnsq_add(q, q->name);
	else if (h->hosts_only)
		for (size_t i = 0; i < h->nhosts; i++)
			if (strcasecmp(h->hosts[i].name, q->name) == 0)
				dnsq_add(q, h->hosts[i].addr);
	if (q->n == 0 && !h->hosts_only)
		return false;
	q->rc = q->n ? 0 : HL_ENOTFOUND;
	q->done = true;
	return true;
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	(void)timeouts;
	struct dnsq *q = arg;
	if (!q->done) {
		/* late answers (after the deadline, or at ares_destroy) are dropped */
		for (struct ares_addrinfo_node *ai = res ? res->nodes : NULL; ai; ai = ai->ai_next) {
			char s[INET6_ADDRSTRLEN];
			const void *src = NULL;
			if (ai->ai_family == AF_INET)
				src = &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
			else if (ai->ai_family == AF_INET6)
				src = &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr;
			if (src && inet_ntop(ai->ai_family, src, s, sizeof s))
				dnsq_add(q, s);
		}
		q->rc = status == ARES_SUCCESS && q->n	? 0
			: status == ARES_ETIMEOUT	? HL_EBUSY
			: status == ARES_ENOMEM		? HL_ENOMEM
						: HL_ENOTFOUND;
		q->done = true;
	}
	if (res)
		ares_freeaddrinfo(res);
}

static void ares_once(void)
{
	ares_library_init(ARES_LIB_INIT_ALL);
}

/* A c-ares channel with the profile's servers and a per-try time-out that
 * leaves room for a retry within timeout_ms. */
static int channel_new(const struct hosting *h, ares_channel *ch)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, ares_once);
	struct ares_options o = {.timeout = h->timeout_ms / 3, .tries = 2};
	if (ares_init_options(ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS)
		return HL_EIO;
	if (h->servers && ares_set_servers_ports_csv(*ch, h->servers) != ARES_SUCCESS) {
		ares_destroy(*ch);
		return HL_EINVAL;
	}
	return 0;
}

/* Marks the names asked before now's deadlines as timed out; returns how
 * many are still waiting and the nearest deadline among them. */
static int expire(struct dnsq *q, int asked, int64_t now, int64_t *soonest)
{
	int open = 0;
	*soonest = INT64_MAX;
	for (int i = 0; i < asked; i++) {
		if (q[i].done)
			continue;
		if (now >= q[i].deadline_ms) {
			q[i].rc = HL_EBUSY;
			q[i].done = true;
			continue;
		}
		open++;
		if (q[i].deadline_ms < *soonest)
			*soonest = q[i].deadline_ms;
	}
	return open;
}

/* Ends every name of q not answered yet with rc. */
static void give_up(struct dnsq *q, int nq, int rc)
{
	for (int i = 0; i < nq; i++)
		if (!q[i].done) {
			q[i].rc = rc;
			q[i].done = true;
		}
}

static bool stopping(struct hosting *h)
{
	return __atomic_load_n(&h->stopping, __ATOMIC_RELAXED);
}

/* Resolves every name of q, DNS_IN_FLIGHT at a time, each within
 * timeout_ms of being asked (c-ares, no threads of its own). */
static void resolve_all(struct hosting *h, struct dnsq *q, int nq)
{
	int next = 0;
	while (next < nq && resolve_local(h, &q[next]))
		next++;
	if (next == nq)
		return;
	ares_channel ch;
	int crc = channel_new(h, &ch);
	if (crc) {
		give_up(q, nq, crc);
		return;
	}
	struct ares_addrinfo_hints hints = {.ai_family = AF_UNSPEC,
					    .ai_socktype = SOCK_STREAM,
					    .ai_flags = ARES_AI_NOSORT};
	for (;;) {
		int64_t now = time_mono_ms(), soonest;
		for (int open = expire(q, next, now, &soonest); next < nq && open < DNS_IN_FLIGHT;
		     next++) {
			if (resolve_local(h, &q[next]))
				continue;
			q[next].deadline_ms = now + h->timeout_ms;
			open++;
			/* may answer at once (a bad name, /etc/hosts) */
			ares_getaddrinfo(ch, q[next].name, NULL, &hints, on_addrinfo, &q[next]);
		}
		if (expire(q, next, now, &soonest) == 0) {
			if (next == nq)
				break;
			continue;
		}
		if (stopping(h)) {
			give_up(q, nq, HL_ECANCELED_LOOKUP);
			break;
		}
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		/* the bits as c-ares' ARES_GETSOCK_* macros read them, unsigned
		 * (theirs shift a signed 1 into the sign bit) */
		unsigned bits = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		int np = 0;
		for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short ev = (short)(((bits >> i) & 1u ? POLLIN : 0) |
					   ((bits >> (i + ARES_GETSOCK_MAXNUM)) & 1u ? POLLOUT : 0));
			if (ev)
				pfd[np++] = (struct pollfd){.fd = socks[i], .events = ev};
		}
		/* wake for c-ares' own retries, the nearest deadline, and at
		 * least every 100 ms to see a stop */
		struct timeval maxtv = {0, 100000}, tv, *tvp = ares_timeout(ch, &maxtv, &tv);
		int64_t wait = (int64_t)tvp->tv_sec * 1000 + tvp->tv_usec / 1000;
		if (soonest - now < wait)
			wait = soonest - now;
		int pr = poll(pfd, (nfds_t)np, (int)(wait > 0 ? wait : 0));
		if (pr <= 0) {
			ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
			continue;
		}
		for (int i = 0; i < np; i++)
			if (pfd[i].revents)
				ares_process_fd(
					ch,
					pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd
										      : ARES_SOCKET_BAD,
					pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
	}
	ares_destroy(ch); /* what is still asked ends in on_addrinfo, ignored */
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

/* out from a resolved name: its addresses, and where the first address
 * that one database knows is. */
static void fill_result(struct hosting *h, const struct dnsq *q, struct hosting_result *out,
			struct arena *a)
{
	memset(out, 0, sizeof *out);
	struct buf b;
	buf_init(&b, 1024);
	for (int i = 0; i < q->n; i++) {
		if (i)
			buf_putc(&b, ' ');
		buf_puts(&b, q->addrs[i]);
	}
	out->addresses = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	for (int i = 0; i < q->n && !out->country && !out->asn; i++)
		geo(h, q->addrs[i], out, a);
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
		if (w->lrc[i] == HL_ECANCELED_LOOKUP)
			continue; /* stopped first: still pending at the next start */
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
	/* look every host up once (many items share a host), all at once,
	 * then write the results a few dozen per transaction */
	struct arena a;
	arena_init(&a, 16u << 20);
	size_t m = p->n ? (size_t)p->n : 1;
	struct hosting_result *res = arena_alloc(&a, m * sizeof *res);
	struct hosting_result *qres = arena_alloc(&a, m * sizeof *qres);
	struct dnsq *q = arena_alloc(&a, m * sizeof *q);
	int *lrc = arena_alloc(&a, m * sizeof *lrc);
	int *qi = arena_alloc(&a, m * sizeof *qi);
	int nq = 0;
	for (int i = 0; res && qres && q && lrc && qi && i < p->n; i++) {
		qi[i] = -1;
		if (!p->host[i])
			continue;
		for (int k = 0; k < nq && qi[i] < 0; k++)
			if (strcmp(q[k].name, p->host[i]) == 0)
				qi[i] = k;
		if (qi[i] < 0) {
			memset(&q[nq], 0, sizeof q[nq]);
			q[nq].name = p->host[i];
			qi[i] = nq++;
		}
	}
	if (res && qres && q && lrc && qi) {
		resolve_all(h, q, nq);
		for (int k = 0; k < nq; k++)
			if (q[k].rc == 0)
				fill_result(h, &q[k], &qres[k], &a);
		for (int i = 0; i < p->n; i++) {
			lrc[i] = qi[i] < 0 ? HL_ENOMEM : q[qi[i]].rc;
			if (lrc[i] == 0)
				res[i] = qres[qi[i]];
		}
	} else {
		res = NULL;
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
	__atomic_store_n(&h->stopping, true, __ATOMIC_RELAXED);
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

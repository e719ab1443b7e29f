/* server.c — libmicrohttpd listeners, routing and the generic request
 * path (see server.h and http.h).
 *
 * Like GNU Taler's exchange: the route table is data; this file checks the
 * path (404), the method (405) and the body size (413), and reads the body,
 * before any handler runs. Requests waiting for the intake committer are
 * suspended, not blocking a thread. No address is logged or stored. */
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <sodium.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit.h"
#include "err.h"
#include "form.h"
#include "http.h"
#include "i18n.h"
#include "log.h"
#include "page.h"
#include "tfree.h"
#include "tpl.h"

#define REQ_ARENA_MAX (4u << 20)

struct server {
	struct MHD_Daemon *pub, *console;
	struct server_ctx pub_ctx, console_ctx;
};

/* Requests suspended and not yet answered: libmicrohttpd must not be
 * stopped while any is left. */
static int suspended_count;
/* Set once shutdown begins: new requests get 503 and are not suspended. */
static int stopping;

static const char CSP[] = "default-src 'none'; style-src 'self'; img-src 'self'; "
			  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/* The same, with same-origin script files allowed (never inline): only for
 * pages that ask for it (the campaign's optional counter). */
static const char CSP_SCRIPT[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
				 "img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
				 "base-uri 'none'";

/* No page needs a camera, microphone, location, payment or USB device, nor
 * the browser's interest topics (FLoC's interest-cohort, which it replaced,
 * is no longer recognised). */
static const char PERMISSIONS[] =
	"browsing-topics=(), camera=(), geolocation=(), microphone=(), payment=(), usb=()";

const char *req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_query(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

uint64_t req_client(struct req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return ratelimit_key(r->hl->lookups, "", 0);
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		return ratelimit_key(r->hl->lookups, &in->sin_addr, sizeof in->sin_addr);
	}
	if (sa->sa_family == AF_INET6) {
		/* a /64 is one client: people get whole prefixes */
		const struct sockaddr_in6 *in6 = (const void *)sa;
		return ratelimit_key(r->hl->lookups, &in6->sin6_addr, 8);
	}
	return ratelimit_key(r->hl->lookups, "", 0);
}

/* 201 answers kept for reuse (reply_created). libmicrohttpd copies each
 * header of an answer into three allocations, and building and freeing a
 * 201's headers cost more than the rest of it, so each server thread keeps
 * the 201s it has sent and changes only body and Location the next time.
 *
 * An answer belongs to one request from reply_created until that request
 * completes (on_completed). libmicrohttpd has then sent all of it, or will
 * send none of it (the connection is closing); only then does it go on the
 * free list of the thread that completed the request, and a free list is
 * only ever touched by its own thread. So a receipt can never be sent in
 * another request's answer. */
struct kept {
	struct MHD_Response *resp; /* our reference, or NULL */
	bool spoiled;              /* a header was added for one request only */
	bool no_store;             /* what its headers were made for: */
	const char *type;          /* Content-Type (a constant), */
	char lang[8];              /* Content-Language ("" for none), */
	char loc[96];              /* Location, */
	size_t len;                /* and the body's length */
	char body[192];            /* the body, sent from here */
};

static void kept_destroy(void *p)
{
	struct kept *k = p;
	if (k->resp)
		MHD_destroy_response(k->resp);
	free(k);
}

/* Answers a thread keeps at most (tfree.h): as many as it has in flight at
 * once. Under load a commit resumes a few hundred requests, and their 201s
 * are all out before the first comes back; 64 made a thread build most of
 * its 201s anew (docs/PERFORMANCE.md, eighth session). About 1.7 KB each. */
static struct tfree kept_free = TFREE_INIT(512, kept_destroy);

/* A free kept answer of this thread, or a new empty one; NULL on failure. */
static struct kept *kept_get(void)
{
	struct kept *k = tfree_get(&kept_free);
	return k ? k : calloc(1, sizeof(struct kept));
}

/* Only from on_completed: the request that had k is done with it. */
static void kept_put(struct kept *k)
{
	if (k->spoiled && k->resp) {
		MHD_destroy_response(k->resp);
		k->resp = NULL;
	}
	k->spoiled = false;
	if (!tfree_put(&kept_free, k))
		kept_destroy(k);
}

/* Lets go of r's answer: destroys it, unless it is the kept one, which
 * stays the request's until it completes (kept_put). */
static void drop_answer(struct req *r)
{
	if (r->resp && !(r->kept && r->resp == r->kept->resp))
		MHD_destroy_response(r->resp);
	r->resp = NULL;
}

void reply_header(struct req *r, const char *name, const char *value)
{
	if (!r->resp)
		return;
	/* a header for this request only: the kept answer is rebuilt after */
	if (r->kept && r->resp == r->kept->resp)
		r->kept->spoiled = true;
	MHD_add_response_header(r->resp, name, value);
}

/* The standard headers of every answer. */
static void add_headers(struct req *r, struct MHD_Response *resp, unsigned status,
			const char *type)
{
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Content-Security-Policy", r->allow_script ? CSP_SCRIPT : CSP);
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Permissions-Policy", PERMISSIONS);
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	if (r->no_store || status >= 400)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->lang)
		MHD_add_response_header(resp, "Content-Language", r->lang);
}

void reply_bytes(struct req *r, unsigned status, const char *type, const void *body, size_t len)
{
	drop_answer(r);
	r->resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	r->status = status;
	if (!r->resp)
		return;
	add_headers(r, r->resp, status, type);
	if (status == 405 && r->route) {
		char allow[64] = "";
		for (const struct route *rt = routes; rt->path; rt++)
			if (strcmp(rt->path, r->route->path) == 0 && (rt->listeners & r->ctx->which)) {
				size_t l = strlen(allow);
				snprintf(allow + l, sizeof allow - l, "%s%s", l ? ", " : "", rt->method);
			}
		reply_header(r, "Allow", allow);
	}
}

/* Makes k's answer the 201 (body, location) for r; false when it cannot
 * (k then has no answer). */
static bool kept_refresh(struct kept *k, struct req *r, const char *type, const void *body,
			 size_t len, const char *location)
{
	const char *lang = r->lang ? r->lang : "";
	if (k->resp && (k->len != len || k->type != type || k->no_store != r->no_store ||
			strcmp(k->lang, lang) != 0)) {
		MHD_destroy_response(k->resp);
		k->resp = NULL;
	}
	memcpy(k->body, body, len);
	if (k->resp && strcmp(k->loc, location) != 0 &&
	    (MHD_del_response_header(k->resp, "Location", k->loc) != MHD_YES ||
	     MHD_add_response_header(k->resp, "Location", location) != MHD_YES)) {
		MHD_destroy_response(k->resp);
		k->resp = NULL;
	}
	if (!k->resp) {
		k->resp = MHD_create_response_from_buffer(len, k->body, MHD_RESPMEM_PERSISTENT);
		if (!k->resp)
			return false;
		add_headers(r, k->resp, 201, type);
		if (MHD_add_response_header(k->resp, "Location", location) != MHD_YES) {
			MHD_destroy_response(k->resp);
			k->resp = NULL;
			return false;
		}
		k->type = type;
		k->no_store = r->no_store;
		snprintf(k->lang, sizeof k->lang, "%s", lang);
		k->len = len;
	}
	snprintf(k->loc, sizeof k->loc, "%s", location);
	return true;
}

void reply_created(struct req *r, const char *type, const void *body, size_t len,
		   const char *location)
{
	if (!r->kept && !r->allow_script && len <= sizeof r->kept->body &&
	    strlen(location) < sizeof r->kept->loc &&
	    (!r->lang || strlen(r->lang) < sizeof r->kept->lang))
		r->kept = kept_get();
	drop_answer(r);
	if (r->kept && !r->kept->spoiled && kept_refresh(r->kept, r, type, body, len, location)) {
		r->resp = r->kept->resp;
		r->status = 201;
		return;
	}
	reply_bytes(r, 201, type, body, len);
	reply_header(r, "Location", location);
}

void reply_json(struct req *r, unsigned status, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(v);
	if (!s) {
		reply_bytes(r, 500, "application/json", "{\"errors\":[]}", 13);
		return;
	}
	reply_bytes(r, status, "application/json", s, strlen(s));
	free(s);
}

static json_t *json_error(struct req *r, const char *field, const char *code)
{
	/* "urls[3]" takes the message written for "urls" */
	char base[40] = "";
	if (field) {
		snprintf(base, sizeof base, "%s", field);
		char *br = strchr(base, '[');
		if (br)
			*br = '\0';
	}
	const char *msg = page_error_message(r, field ? base : NULL, code);
	return json_pack("{s:o, s:s, s:s}", "field", field ? json_string(field) : json_null(), "code",
			 code, "message", msg);
}

void reply_json_errors(struct req *r, unsigned status, const struct field_errors *errs)
{
	json_t *arr = json_array();
	for (int i = 0; i < errs->n; i++)
		json_array_append_new(arr, json_error(r, errs->e[i].field[0] ? errs->e[i].field : NULL,
						      errs->e[i].code));
	reply_json(r, status, json_pack("{s:o}", "errors", arr));
}

void reply_json_error(struct req *r, unsigned status, const char *code)
{
	json_t *arr = json_array();
	json_array_append_new(arr, json_error(r, NULL, code));
	reply_json(r, status, json_pack("{s:o}", "errors", arr));
}

void reply_error(struct req *r, unsigned status, const char *code)
{
	if ((r->route && r->route->json) || strncmp(r->path, "/api/", 5) == 0)
		reply_json_error(r, status, code);
	else
		reply_html_error(r, status, code);
}

void req_suspend(struct req *r, req_handler cont)
{
	r->cont = cont;
	r->suspended = true;
	__atomic_add_fetch(&suspended_count, 1, __ATOMIC_SEQ_CST);
	MHD_suspend_connection(r->conn);
}

void req_resume(void *arg, int rc)
{
	struct req *r = arg;
	r->job_rc = rc;
	r->resumed = true;
	MHD_resume_connection(r->conn);
}

/* Matches path against pattern ('*' = one non-empty segment). */
static bool route_match(const char *pattern, const char *path, const char **arg, struct arena *a)
{
	*arg = NULL;
	while (*pattern && *path) {
		if (*pattern == '*') {
			const char *seg_end = strchr(path, '/');
			size_t n = seg_end ? (size_t)(seg_end - path) : strlen(path);
			if (n == 0)
				return false;
			*arg = arena_strndup(a, path, n);
			path += n;
			pattern++;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

static void route_find(struct req *r)
{
	const struct route *path_hit = NULL;
	for (const struct route *rt = routes; rt->path; rt++) {
		if (!(rt->listeners & r->ctx->which))
			continue;
		const char *arg;
		if (!route_match(rt->path, r->path, &arg, &r->arena))
			continue;
		path_hit = rt;
		if (strcmp(rt->method, r->method) == 0) {
			r->route = rt;
			r->arg = arg;
			return;
		}
	}
	if (path_hit) {
		r->route = path_hit;
		r->bad_method = true;
	}
}

unsigned role_bit(const char *role)
{
	static const char *const names[] = {"operator",   "analyst", "case_worker",
					    "supervisor", "admin",   "auditor"};
	for (unsigned i = 0; role && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(role, names[i]) == 0)
			return 1u << i;
	return 0;
}

void reply_redirect(struct req *r, const char *path)
{
	reply_bytes(r, 303, "text/plain; charset=utf-8", "", 0);
	reply_header(r, "Location", path);
}

/* The generic gate of the permission table: who is asking (an API key or a
 * session cookie), may their role use this route, and does a form that
 * changes state carry the session's CSRF token. Answers itself and returns
 * false when the request may not go on. */
static bool authorize(struct req *r)
{
	const struct route *rt = r->route;
	if (!rt->roles)
		return true;
	const char *auth = req_header(r, "Authorization");
	int rc = HL_ENOTFOUND;
	if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
		rc = staff_apikey_find(r->hl, auth + 7, &r->who, &r->arena);
		r->by_apikey = rc == 0;
	} else {
		const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "hl_session");
		if (token)
			rc = staff_session(r->hl, token, &r->who, &r->arena);
	}
	if (rc) {
		if (rt->json) {
			reply_json_error(r, 401, "auth.required");
			reply_header(r, "WWW-Authenticate", "Bearer");
		} else {
			reply_redirect(r, "/login");
		}
		return false;
	}
	r->authed = true;
	if (!(role_bit(r->who.role) & rt->roles)) {
		audit_append(r->hl, r->who.actor, "access.denied", "route", rt->path, r->method);
		reply_error(r, 403, "forbidden");
		return false;
	}
	if (r->who.must_change && !r->by_apikey && strcmp(rt->path, "/account/password") != 0 &&
	    strcmp(rt->path, "/logout") != 0) {
		reply_redirect(r, "/account/password");
		return false;
	}
	if (rt->csrf && !r->by_apikey) {
		const char *ct = req_header(r, "Content-Type");
		struct form *f = arena_alloc(&r->arena, sizeof *f);
		const char *given = NULL;
		if (f && ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 &&
		    form_parse(buf_str(&r->body), r->body.len, f, &r->arena) == 0) {
			r->form = f;
			given = form_get(f, "csrf");
		} else if (f && ct && strncasecmp(ct, "multipart/form-data", 19) == 0 &&
			   form_parse_multipart(r->conn, buf_str(&r->body), r->body.len, f,
						&r->arena) == 0) {
			r->form = f; /* a file upload (hash lists) */
			given = form_get(f, "csrf");
		}
		if (!given || strlen(given) != strlen(r->who.csrf) ||
		    sodium_memcmp(given, r->who.csrf, strlen(given)) != 0) {
			audit_append(r->hl, r->who.actor, "csrf.refused", "route", rt->path, NULL);
			reply_error(r, 403, "csrf.invalid");
			return false;
		}
	}
	return true;
}

static enum MHD_Result queue(struct req *r)
{
	if (!r->resp)
		reply_error(r, 500, "internal");
	if (!r->resp)
		return MHD_NO;
	return MHD_queue_response(r->conn, r->status, r->resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct server_ctx *ctx = cls;
	struct req *r = *con_cls;
	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		r->conn = conn;
		r->ctx = ctx;
		r->hl = ctx->hl;
		arena_init(&r->arena, REQ_ARENA_MAX);
		r->method = strcmp(method, "HEAD") == 0 ? "GET" : method;
		r->path = url;
		r->lang = i18n_pick(req_query(r, "lang"), req_header(r, "Accept-Language"));
		route_find(r);
		buf_init(&r->body, r->route ? r->route->max_body : 0);
		const char *cl = req_header(r, "Content-Length");
		if (cl && r->route && !r->bad_method) {
			char *end;
			unsigned long long n = strtoull(cl, &end, 10);
			if (*end || n > r->route->max_body) {
				reply_error(r, 413, "body.too_large");
				return queue(r);
			}
			/* one allocation of the announced size rather than doublings */
			if (n && buf_reserve(&r->body, (size_t)n))
				return MHD_NO;
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (!r->body_too_big && buf_append(&r->body, upload, *upload_size))
			r->body_too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->resumed) {
		r->resumed = false;
		r->suspended = false;
		__atomic_sub_fetch(&suspended_count, 1, __ATOMIC_SEQ_CST);
		r->cont(r);
	} else if (__atomic_load_n(&stopping, __ATOMIC_SEQ_CST)) {
		reply_error(r, 503, "store.unavailable");
		reply_header(r, "Connection", "close");
		reply_header(r, "Retry-After", "5");
	} else if (!r->route) {
		reply_error(r, 404, "not_found");
	} else if (r->bad_method) {
		reply_error(r, 405, "method.not_allowed");
	} else if (r->body_too_big) {
		reply_error(r, 413, "body.too_large");
	} else if (authorize(r)) {
		r->route->handler(r);
	}
	if (r->suspended)
		return MHD_YES;
	return queue(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct req *r = *con_cls;
	if (!r)
		return;
	/* resumed, then closed without the handler being called again (the
	 * client went away while its report was being committed): no longer
	 * waited for by server_stop */
	if (r->suspended)
		__atomic_sub_fetch(&suspended_count, 1, __ATOMIC_SEQ_CST);
	/* sent, or the connection is closing: libmicrohttpd sends no more of
	 * the answer, so a kept answer may serve another request */
	drop_answer(r);
	if (r->kept)
		kept_put(r->kept);
	buf_free(&r->body);
	arena_free(&r->arena);
	free(r);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	int w = vsnprintf(line, sizeof line, fmt, ap);
	if (w < 0)
		return;
	/* MHD's messages can name the peer's address: never log those */
	if (strstr(line, "client") || strstr(line, "address"))
		return;
	size_t n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	log_error("http: %s", line);
}

int server_parse_addr(const char *s, struct sockaddr_storage *ss, unsigned *len)
{
	char host[256];
	const char *colon;
	const char *port_s;
	memset(ss, 0, sizeof *ss);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host)
			return HL_EINVAL;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		port_s = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof host)
			return HL_EINVAL;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port_s = colon + 1;
	}
	char *end;
	unsigned long port = strtoul(port_s, &end, 10);
	if (!*port_s || *end || port > 65535)
		return HL_EINVAL;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof *in;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof *in6;
		return 0;
	}
	return HL_EINVAL;
}

static struct MHD_Daemon *start_one(struct server_ctx *ctx, const char *addr, unsigned threads)
{
	struct sockaddr_storage ss;
	unsigned len;
	if (server_parse_addr(addr, &ss, &len)) {
		log_error("cannot read listen address '%s' (want ADDR:PORT)", addr);
		return NULL;
	}
	/* epoll (libmicrohttpd's choice on Linux). poll() saves the two
	 * epoll_ctl calls a suspended request costs (a few per cent at 256
	 * connections) but reads every connection on each pass, a cost that
	 * grows with the many clients a spike brings. */
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG | MHD_USE_TURBO;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_OptionItem pool[] = {
		{threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, NULL},
		{MHD_OPTION_END, 0, NULL},
	};
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, ctx, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED,
		on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT,
		4096u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)8 * 1024,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_ARRAY, pool, MHD_OPTION_END);
	if (!d)
		log_error("cannot listen on %s", addr);
	return d;
}

int server_start(struct hotline *hl, const struct server_options *opt, struct server **out)
{
	struct server *s = calloc(1, sizeof *s);
	if (!s)
		return HL_ENOMEM;
	s->pub_ctx = (struct server_ctx){.hl = hl, .which = LISTEN_PUBLIC};
	s->console_ctx = (struct server_ctx){.hl = hl, .which = LISTEN_CONSOLE};
	s->pub = start_one(&s->pub_ctx, opt->listen, opt->threads ? opt->threads : 2);
	s->console = s->pub ? start_one(&s->console_ctx, opt->console_listen, 1) : NULL;
	if (!s->pub || !s->console) {
		server_stop(s);
		return HL_EIO;
	}
	*out = s;
	return 0;
}

unsigned server_port(struct server *s, int console)
{
	const union MHD_DaemonInfo *di =
		MHD_get_daemon_info(console ? s->console : s->pub, MHD_DAEMON_INFO_BIND_PORT);
	return di ? di->port : 0;
}

void server_stop(struct server *s)
{
	if (!s)
		return;
	/* stop taking connections, let those waiting on a commit finish: the
	 * committer is still running and resumes them */
	if (s->pub)
		MHD_quiesce_daemon(s->pub);
	if (s->console)
		MHD_quiesce_daemon(s->console);
	__atomic_store_n(&stopping, 1, __ATOMIC_SEQ_CST);
	/* zero twice in a row, so a request that passed the check just before
	 * the flag was set has suspended and been resumed too */
	for (int i = 0, zero = 0; i < 3000 && zero < 2; i++) {
		usleep(20 * 1000);
		zero = __atomic_load_n(&suspended_count, __ATOMIC_SEQ_CST) ? 0 : zero + 1;
	}
	if (s->pub)
		MHD_stop_daemon(s->pub);
	if (s->console)
		MHD_stop_daemon(s->console);
	/* answers kept by this thread, should a request have completed here */
	tfree_drop(&kept_free);
	free(s);
}

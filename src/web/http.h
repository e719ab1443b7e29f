/* http.h — one HTTP request as handlers see it, and how they answer.
 *
 * Generic code in server.c has already checked the route (404), the method
 * (405) and the body size (413), and read the whole body, before a handler
 * runs. A handler answers with one of the reply_* functions, or suspends
 * the request (req_suspend) while the intake commits its job; the
 * continuation then answers. Everything request-scoped lives in req->arena,
 * freed when the response has been sent. */
#ifndef HL_HTTP_H
#define HL_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "hotline.h"
#include "intake.h"
#include "report.h"
#include "staff.h"

struct MHD_Connection;
struct MHD_Response;

enum listener { LISTEN_PUBLIC = 1, LISTEN_CONSOLE = 2 };

struct server_ctx {
	struct hotline *hl;
	enum listener which;
};

struct req;
struct form;
typedef void (*req_handler)(struct req *r);

struct req {
	struct MHD_Connection *conn;
	struct server_ctx *ctx;
	struct hotline *hl;
	struct arena arena;
	const char *method; /* "GET" for HEAD too */
	const char *path;
	const char *arg;    /* the path segment a route's '*' matched, or NULL */
	const char *lang;   /* the page's language: "en", "fr", "nl", "de" */
	const struct route *route;
	struct buf body;
	bool body_too_big;
	bool bad_method;
	/* the answer */
	struct MHD_Response *resp;
	struct kept *kept; /* a kept 201 (reply_created), the request's until it completes */
	unsigned status;
	bool no_store;
	bool allow_script; /* CSP allows same-origin script files (campaign page) */
	/* suspension */
	bool suspended, resumed;
	req_handler cont;
	int job_rc;
	struct intake_receipt receipt;
	void *state; /* handler state across a suspension (arena memory) */
	/* the staff member or API key, on routes that need one */
	struct staff_who who;
	bool authed, by_apikey;
	struct form *form; /* the decoded form of a CSRF-checked POST */
};

/* Staff roles as bits, for the permission table (the route table). */
enum {
	ROLE_OPERATOR = 1,
	ROLE_ANALYST = 2,
	ROLE_CASE_WORKER = 4,
	ROLE_SUPERVISOR = 8,
	ROLE_ADMIN = 16,
	ROLE_AUDITOR = 32,
	ROLE_ANY = 63,
};

struct route {
	unsigned listeners; /* LISTEN_* bits */
	const char *method;
	const char *path;   /* '*' matches one segment */
	req_handler handler;
	size_t max_body;
	bool json;          /* errors answer JSON rather than HTML */
	unsigned roles;     /* ROLE_* bits allowed; 0: no session needed */
	bool csrf;          /* a form with the session's CSRF token is required */
};

/* The ROLE_* bit of a role name, or 0. */
unsigned role_bit(const char *role);

/* The route table: defined in routes.c, terminated by a NULL path. */
extern const struct route routes[];

/* A header of the request, or NULL. */
const char *req_header(struct req *r, const char *name);
/* A query argument, or NULL. */
const char *req_query(struct req *r, const char *name);
/* The keyed client hash for rate limiting (the address is not kept). */
uint64_t req_client(struct req *r);

/* Answers with body (copied) and the standard headers. */
void reply_bytes(struct req *r, unsigned status, const char *type, const void *body, size_t len);
/* Answers 201 Created with body (copied), the standard headers and
 * Location. The server thread keeps the answer when it has been sent and
 * makes its next 201 from it, changing only body and Location (building
 * the headers costs more than the rest of the answer; see server.c). */
void reply_created(struct req *r, const char *type, const void *body, size_t len,
		   const char *location);
/* Answers with a JSON value (taken: decref'd here). */
void reply_json(struct req *r, unsigned status, json_t *v);
/* Answers with {"errors": [...]} for errs, messages in r->lang. */
void reply_json_errors(struct req *r, unsigned status, const struct field_errors *errs);
/* Answers with one error that concerns the whole body (field null). */
void reply_json_error(struct req *r, unsigned status, const char *code);
/* The request's body as one JSON object (api_reports.c): checks the content
 * type and parses, answering 415 or 400 itself (NULL then). */
json_t *req_read_json(struct req *r);
/* The same, every value a string or null (the staff actions' bodies);
 * answers 422 naming the first field that is not. */
json_t *req_read_json_strings(struct req *r);
/* Answers with an HTML error page: title/message keys "page.error.<code>". */
void reply_html_error(struct req *r, unsigned status, const char *code);
/* Answers with an error in the route's format (JSON for the API). */
void reply_error(struct req *r, unsigned status, const char *code);
/* Answers 303 See Other to path (after a form post, or to log in). */
void reply_redirect(struct req *r, const char *path);
/* Adds a header to the pending answer (after a reply_*). */
void reply_header(struct req *r, const char *name, const char *value);

/* Suspends the request until req_resume; cont then runs on a server
 * thread with r->job_rc set. Use it as the done function of intake jobs:
 * intake_submit_*(..., req_resume, r). */
void req_suspend(struct req *r, req_handler cont);
void req_resume(void *r, int rc);

#endif

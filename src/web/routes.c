/* routes.c — the route table: which listener, method and path reach which
 * handler, and the most body each may send. server.c does the rest. */
#include <string.h>

#include "embedded.h"
#include "http.h"

void public_home(struct req *r);
void public_help(struct req *r);
void public_healthz(struct req *r);
void public_report_form(struct req *r);
void public_report_submit(struct req *r);
void public_status_form(struct req *r);
void public_status_lookup(struct req *r);
void public_status_add(struct req *r);
void console_home(struct req *r);
void api_reports_create(struct req *r);
void api_reports_status(struct req *r);
void api_reports_add(struct req *r);

static void serve_embedded(struct req *r, const char *name, const char *type)
{
	const struct embedded_file *f = embedded_find(name);
	if (!f)
		return reply_error(r, 404, "not_found");
	reply_bytes(r, 200, type, f->data, f->len);
	reply_header(r, "Cache-Control", "public, max-age=3600");
}

static void static_style(struct req *r)
{
	serve_embedded(r, "web/static/style.css", "text/css; charset=utf-8");
}

static void static_openapi(struct req *r)
{
	serve_embedded(r, "web/openapi.json", "application/json");
}

#define PUB LISTEN_PUBLIC
#define BOTH (LISTEN_PUBLIC | LISTEN_CONSOLE)
#define FORM_MAX (256u * 1024)
#define JSON_MAX 65536u

const struct route routes[] = {
	{BOTH, "GET", "/healthz", public_healthz, 0, false},
	{BOTH, "GET", "/static/style.css", static_style, 0, false},
	{PUB, "GET", "/", public_home, 0, false},
	{PUB, "GET", "/help", public_help, 0, false},
	{PUB, "GET", "/report", public_report_form, 0, false},
	{PUB, "POST", "/report", public_report_submit, FORM_MAX, false},
	{PUB, "GET", "/status", public_status_form, 0, false},
	{PUB, "POST", "/status", public_status_lookup, FORM_MAX, false},
	{PUB, "POST", "/status/add", public_status_add, FORM_MAX, false},
	{PUB, "GET", "/api/v1/openapi.json", static_openapi, 0, true},
	{PUB, "POST", "/api/v1/reports", api_reports_create, JSON_MAX, true},
	{PUB, "GET", "/api/v1/reports/*/status", api_reports_status, 0, true},
	{PUB, "POST", "/api/v1/reports/*/additions", api_reports_add, JSON_MAX, true},
	{LISTEN_CONSOLE, "GET", "/", console_home, 0, false},
	{0, NULL, NULL, NULL, 0, false},
};

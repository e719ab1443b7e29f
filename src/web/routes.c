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
void console_login_form(struct req *r);
void console_login(struct req *r);
void console_logout(struct req *r);
void console_password_form(struct req *r);
void console_password(struct req *r);
void console_queue(struct req *r);
void console_report(struct req *r);
void console_audit(struct req *r);
void api_staff_reports(struct req *r);
void api_staff_report(struct req *r);
void console_call_form(struct req *r);
void console_call_submit(struct req *r);
void console_calls(struct req *r);
void console_users(struct req *r);
void console_user_add(struct req *r);
void console_user_reset(struct req *r);
void console_user_disable(struct req *r);
void console_user_enable(struct req *r);
void console_user_unlock(struct req *r);
void console_cases(struct req *r);
void console_case_create(struct req *r);
void console_case(struct req *r);
void console_case_link(struct req *r);
void console_case_note(struct req *r);
void console_case_task(struct req *r);
void console_case_task_done(struct req *r);
void console_case_referral(struct req *r);
void console_case_outcome(struct req *r);
void console_case_hearing(struct req *r);
void console_case_state(struct req *r);
void console_case_owner(struct req *r);
void console_case_civil(struct req *r);

void console_act_assign(struct req *r);
void api_act_assign(struct req *r);
void console_act_state(struct req *r);
void api_act_state(struct req *r);
void console_act_classify(struct req *r);
void api_act_classify(struct req *r);
void console_act_note(struct req *r);
void api_act_note(struct req *r);
void console_act_message(struct req *r);
void api_act_message(struct req *r);
void console_act_duplicate(struct req *r);
void api_act_duplicate(struct req *r);
void console_act_kind(struct req *r);
void api_act_kind(struct req *r);

/* items: online material, directory, statistics */
void console_items(struct req *r);
void console_item(struct req *r);
void console_item_assess(struct req *r);
void console_item_removed(struct req *r);
void console_item_reappeared(struct req *r);
void console_item_hosting(struct req *r);
void console_item_notify(struct req *r);
void console_item_remind(struct req *r);
void console_directory(struct req *r);
void console_directory_add(struct req *r);
void console_directory_delete(struct req *r);
void console_directory_entry(struct req *r);
void console_directory_edit(struct req *r);
void console_stats(struct req *r);
void console_stats_csv(struct req *r);
void console_stats_json(struct req *r);
void api_items(struct req *r);
void api_item(struct req *r);
void api_item_assess(struct req *r);
void api_item_removed(struct req *r);
void api_item_reappeared(struct req *r);
void api_item_hosting(struct req *r);
void api_item_notify(struct req *r);
void api_item_remind(struct req *r);
void api_notices(struct req *r);
void api_test_clock(struct req *r);
/* awareness campaign (issue 7): public_campaign.c */
void public_campaign(struct req *r);
void public_campaign_methodology(struct req *r);
void public_campaign_faq(struct req *r);
void public_campaign_card(struct req *r);
void public_campaign_data(struct req *r);
void public_campaign_js(struct req *r);
/* e-mail (console_mail.c): the outgoing queue, writing to e-mail reporters */
void console_mail_queue(struct req *r);
void console_mail_retry(struct req *r);
void console_act_mail(struct req *r);
void api_act_mail(struct req *r);

void api_reports_create(struct req *r);
/* hash lists (console_hashlists.c) */
void console_hashlists(struct req *r);
void console_hashlist_import(struct req *r);
void console_hashlist(struct req *r);
void console_hashlist_settings(struct req *r);
void console_hashlist_entry(struct req *r);
void console_hashlist_remove(struct req *r);
void console_hashlist_export(struct req *r);
void console_act_hashlist(struct req *r);
void api_act_hashlist(struct req *r);
void console_act_false_positive(struct req *r);
void api_hashes_lookup(struct req *r);
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
	serve_embedded(r, r->ctx->which == LISTEN_CONSOLE ? "web/openapi-console.json"
							  : "web/openapi.json",
		       "application/json");
}

#define PUB LISTEN_PUBLIC
#define BOTH (LISTEN_PUBLIC | LISTEN_CONSOLE)
#define FORM_MAX (256u * 1024)
#define JSON_MAX 65536u
#define API_UPLOAD_MAX (8u * 1024 * 1024) /* a report with attachments (base64) */
#define LIST_UPLOAD_MAX (32u * 1024 * 1024) /* a hash list sent from the console */
#define CON LISTEN_CONSOLE
#define CASEWORK (ROLE_ANALYST | ROLE_CASE_WORKER | ROLE_SUPERVISOR)
#define CASES (ROLE_CASE_WORKER | ROLE_SUPERVISOR)
#define ITEMWORK (ROLE_ANALYST | ROLE_SUPERVISOR)       /* items: assess, notify */
#define DIRECTORY (ROLE_ADMIN | ROLE_SUPERVISOR)       /* items: directory edits */

/* The permission table: every console route names the roles that may use
 * it (the last two columns: roles, and whether a CSRF token is required).
 * A route with no roles needs no session. */
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
	/* awareness campaign (issue 7) */
	{PUB, "GET", "/campaign", public_campaign, 0, false},
	{PUB, "GET", "/campaign/methodology", public_campaign_methodology, 0, false},
	{PUB, "GET", "/campaign/faq", public_campaign_faq, 0, false},
	{PUB, "GET", "/campaign/share.png", public_campaign_card, 0, false},
	{PUB, "GET", "/campaign/data/*", public_campaign_data, 0, false},
	{PUB, "GET", "/static/campaign.js", public_campaign_js, 0, false},
	{PUB, "GET", "/api/v1/openapi.json", static_openapi, 0, true},
	{PUB, "POST", "/api/v1/reports", api_reports_create, API_UPLOAD_MAX, true},
	{PUB, "GET", "/api/v1/reports/*/status", api_reports_status, 0, true},
	{PUB, "POST", "/api/v1/reports/*/additions", api_reports_add, JSON_MAX, true},
	{CON, "GET", "/login", console_login_form, 0, false, 0, false},
	{CON, "POST", "/login", console_login, 4096, false, 0, false},
	{CON, "POST", "/logout", console_logout, 4096, false, ROLE_ANY, true},
	{CON, "GET", "/account/password", console_password_form, 0, false, ROLE_ANY, false},
	{CON, "POST", "/account/password", console_password, 8192, false, ROLE_ANY, true},
	{CON, "GET", "/", console_queue, 0, false, CASEWORK, false},
	{CON, "GET", "/reports/*", console_report, 0, false, CASEWORK | ROLE_OPERATOR, false},
	{CON, "GET", "/calls", console_calls, 0, false, ROLE_OPERATOR | ROLE_SUPERVISOR, false},
	{CON, "GET", "/calls/new", console_call_form, 0, false, ROLE_OPERATOR | ROLE_SUPERVISOR, false},
	{CON, "POST", "/calls", console_call_submit, 65536, false, ROLE_OPERATOR | ROLE_SUPERVISOR, true},
	{CON, "GET", "/audit", console_audit, 0, false, ROLE_AUDITOR, false},
	{CON, "GET", "/admin/users", console_users, 0, false, ROLE_ADMIN, false},
	{CON, "POST", "/admin/users", console_user_add, 8192, false, ROLE_ADMIN, true},
	{CON, "POST", "/admin/users/reset", console_user_reset, 8192, false, ROLE_ADMIN, true},
	{CON, "POST", "/admin/users/disable", console_user_disable, 8192, false, ROLE_ADMIN, true},
	{CON, "POST", "/admin/users/enable", console_user_enable, 8192, false, ROLE_ADMIN, true},
	{CON, "POST", "/admin/users/unlock", console_user_unlock, 8192, false, ROLE_ADMIN, true},
	{CON, "GET", "/cases", console_cases, 0, false, CASES, false},
	{CON, "POST", "/cases", console_case_create, 65536, false, CASES, true},
	{CON, "GET", "/cases/*", console_case, 0, false, CASES, false},
	{CON, "POST", "/cases/*/link", console_case_link, 65536, false, CASES, true},
	{CON, "POST", "/cases/*/note", console_case_note, 65536, false, CASES, true},
	{CON, "POST", "/cases/*/task", console_case_task, 65536, false, CASES, true},
	{CON, "POST", "/cases/*/task_done", console_case_task_done, 65536, false, CASES, true},
	{CON, "POST", "/cases/*/referral", console_case_referral, 65536, false, CASES, true},
	{CON, "POST", "/cases/*/outcome", console_case_outcome, 65536, false, CASES, true},
	{CON, "POST", "/cases/*/hearing", console_case_hearing, 65536, false, CASES, true},
	{CON, "POST", "/cases/*/state", console_case_state, 65536, false, CASES, true},
	{CON, "POST", "/cases/*/owner", console_case_owner, 65536, false, CASES, true},
	{CON, "POST", "/cases/*/civil_party", console_case_civil, 65536, false, CASES, true},
	{CON, "POST", "/reports/*/assign", console_act_assign, 65536, false, CASEWORK, true},
	{CON, "POST", "/reports/*/state", console_act_state, 65536, false, CASEWORK, true},
	{CON, "POST", "/reports/*/classify", console_act_classify, 65536, false, CASEWORK, true},
	{CON, "POST", "/reports/*/note", console_act_note, 65536, false, CASEWORK, true},
	{CON, "POST", "/reports/*/message", console_act_message, 65536, false, CASEWORK, true},
	{CON, "POST", "/reports/*/duplicate", console_act_duplicate, 65536, false, CASEWORK, true},
	{CON, "POST", "/reports/*/kind", console_act_kind, 65536, false, CASEWORK, true},
	{CON, "POST", "/api/v1/reports/*/assign", api_act_assign, 65536, true, CASEWORK, false},
	{CON, "POST", "/api/v1/reports/*/state", api_act_state, 65536, true, CASEWORK, false},
	{CON, "POST", "/api/v1/reports/*/classify", api_act_classify, 65536, true, CASEWORK, false},
	{CON, "POST", "/api/v1/reports/*/note", api_act_note, 65536, true, CASEWORK, false},
	{CON, "POST", "/api/v1/reports/*/message", api_act_message, 65536, true, CASEWORK, false},
	{CON, "POST", "/api/v1/reports/*/duplicate", api_act_duplicate, 65536, true, CASEWORK, false},
	{CON, "POST", "/api/v1/reports/*/kind", api_act_kind, 65536, true, CASEWORK, false},
	{CON, "GET", "/api/v1/openapi.json", static_openapi, 0, true, 0, false},
	{CON, "GET", "/api/v1/reports", api_staff_reports, 0, true, CASEWORK, false},
	{CON, "GET", "/api/v1/reports/*", api_staff_report, 0, true, CASEWORK, false},
	/* items: online material, directory, statistics */
	{CON, "GET", "/items", console_items, 0, false, CASEWORK, false},
	{CON, "GET", "/items/*", console_item, 0, false, CASEWORK, false},
	{CON, "POST", "/items/*/assess", console_item_assess, 65536, false, ITEMWORK, true},
	{CON, "POST", "/items/*/removed", console_item_removed, 65536, false, ITEMWORK, true},
	{CON, "POST", "/items/*/reappeared", console_item_reappeared, 65536, false, ITEMWORK, true},
	{CON, "POST", "/items/*/hosting", console_item_hosting, 65536, false, ITEMWORK, true},
	{CON, "POST", "/items/*/notify", console_item_notify, 65536, false, ITEMWORK, true},
	{CON, "POST", "/items/*/remind", console_item_remind, 65536, false, ITEMWORK, true},
	{CON, "GET", "/directory", console_directory, 0, false, CASEWORK | ROLE_ADMIN, false},
	{CON, "POST", "/directory", console_directory_add, 65536, false, DIRECTORY, true},
	{CON, "POST", "/directory/*/delete", console_directory_delete, 8192, false, DIRECTORY, true},
	{CON, "GET", "/directory/*", console_directory_entry, 0, false, DIRECTORY, false},
	{CON, "POST", "/directory/*", console_directory_edit, 65536, false, DIRECTORY, true},
	{CON, "GET", "/stats", console_stats, 0, false, CASEWORK | ROLE_ADMIN, false},
	{CON, "GET", "/stats.csv", console_stats_csv, 0, false, CASEWORK | ROLE_ADMIN, false},
	{CON, "GET", "/stats.json", console_stats_json, 0, true, CASEWORK | ROLE_ADMIN, false},
	{CON, "GET", "/api/v1/items", api_items, 0, true, CASEWORK, false},
	{CON, "GET", "/api/v1/items/*", api_item, 0, true, CASEWORK, false},
	{CON, "GET", "/api/v1/items/*/notices", api_notices, 0, true, CASEWORK, false},
	{CON, "POST", "/api/v1/items/*/assess", api_item_assess, 65536, true, ITEMWORK, false},
	{CON, "POST", "/api/v1/items/*/removed", api_item_removed, 65536, true, ITEMWORK, false},
	{CON, "POST", "/api/v1/items/*/reappeared", api_item_reappeared, 65536, true, ITEMWORK, false},
	{CON, "POST", "/api/v1/items/*/hosting", api_item_hosting, 65536, true, ITEMWORK, false},
	{CON, "POST", "/api/v1/items/*/notify", api_item_notify, 65536, true, ITEMWORK, false},
	{CON, "POST", "/api/v1/items/*/remind", api_item_remind, 65536, true, ITEMWORK, false},
	{CON, "GET", "/api/v1/stats", console_stats_json, 0, true, CASEWORK | ROLE_ADMIN, false},
	{CON, "POST", "/api/v1/test/clock", api_test_clock, 4096, true, ROLE_ADMIN, false},
	/* hash lists */
	{CON, "GET", "/admin/hashlists", console_hashlists, 0, false, ROLE_ADMIN, false},
	{CON, "POST", "/admin/hashlists", console_hashlist_import, LIST_UPLOAD_MAX, false, ROLE_ADMIN, true},
	{CON, "GET", "/admin/hashlists/*", console_hashlist, 0, false, ROLE_ADMIN, false},
	{CON, "GET", "/admin/hashlists/*/export", console_hashlist_export, 0, false, ROLE_ADMIN, false},
	{CON, "POST", "/admin/hashlists/*/settings", console_hashlist_settings, 65536, false, ROLE_ADMIN, true},
	{CON, "POST", "/admin/hashlists/*/entry", console_hashlist_entry, 65536, false, ROLE_ADMIN, true},
	{CON, "POST", "/admin/hashlists/*/remove", console_hashlist_remove, 65536, false, ROLE_ADMIN, true},
	{CON, "POST", "/reports/*/hashlist", console_act_hashlist, 65536, false, CASEWORK, true},
	{CON, "POST", "/reports/*/false_positive", console_act_false_positive, 65536, false, ROLE_ANALYST | ROLE_SUPERVISOR, true},
	{CON, "POST", "/api/v1/reports/*/hashlist", api_act_hashlist, 65536, true, CASEWORK, false},
	{CON, "POST", "/api/v1/hashes/lookup", api_hashes_lookup, 262144, true, CASEWORK | ROLE_ADMIN, false},
	/* e-mail: the outgoing queue, writing to an e-mail reporter */
	{CON, "GET", "/mail", console_mail_queue, 0, false, ROLE_SUPERVISOR | ROLE_ADMIN, false},
	{CON, "POST", "/mail/*/retry", console_mail_retry, 4096, false, ROLE_SUPERVISOR | ROLE_ADMIN, true},
	{CON, "POST", "/reports/*/mail", console_act_mail, 65536, false, CASEWORK, true},
	{CON, "POST", "/api/v1/reports/*/mail", api_act_mail, 65536, true, CASEWORK, false},
	{0, NULL, NULL, NULL, 0, false},
};

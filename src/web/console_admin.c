/* console_admin.c — the admin's pages: staff accounts (list, add, disable,
 * enable, reset, unlock). Admins see no report content. A new password
 * and TOTP secret are shown once, on the page that made them. */
#include <stdio.h>
#include <string.h>

#include "accounts.h"
#include "err.h"
#include "form.h"
#include "hotline.h"
#include "http.h"
#include "i18n.h"
#include "page.h"
#include "staff.h"

struct user_rows {
	struct req *r;
	struct buf *b;
};

static void user_row(void *arg, const struct store_user *u)
{
	struct user_rows *ur = arg;
	struct buf *b = ur->b;
	struct req *r = ur->r;
	const char *state = u->disabled ? "disabled" : u->locked ? "locked" : "active";
	char key[48];
	buf_puts(b, "<tr><td>");
	buf_put_html(b, u->name);
	buf_puts(b, "</td><td>");
	snprintf(key, sizeof key, "role.%s", u->role);
	buf_put_html(b, i18n_get(r->lang, key));
	buf_printf(b, "</td><td class=\"user-%s\">", state);
	snprintf(key, sizeof key, "user.state.%s", state);
	buf_put_html(b, i18n_get(r->lang, key));
	buf_puts(b, "</td><td>");
	static const char *const acts[] = {"reset", "unlock", "disable", "enable"};
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
		if ((i == 1 && !u->locked) || (i == 2 && u->disabled) || (i == 3 && !u->disabled))
			continue;
		buf_printf(b, "<form method=\"post\" action=\"/admin/users/%s\" class=\"inline\">"
			      "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
			      "<input type=\"hidden\" name=\"name\" value=\"",
			   acts[i], r->who.csrf);
		buf_put_html(b, u->name);
		buf_puts(b, "\"><button type=\"submit\" class=\"link\">");
		snprintf(key, sizeof key, "user.%s", acts[i]);
		buf_put_html(b, i18n_get(r->lang, key));
		buf_puts(b, "</button></form> ");
	}
	buf_puts(b, "</td></tr>");
}

static void users_page(struct req *r, unsigned status, const struct staff_credentials *cr,
		       const char *for_name, const char *error_code)
{
	struct tpl_vars *v = console_page_vars(r, "console.users", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	struct buf b;
	buf_init(&b, 1u << 20);
	struct user_rows ur = {r, &b};
	struct db *db = hotline_db(r->hl);
	int rc = db ? store_user_list(db, user_row, &ur, &r->arena) : HL_EIO;
	hotline_db_put(r->hl, db);
	if (rc) {
		buf_free(&b);
		return reply_error(r, 503, "store.unavailable");
	}
	tpl_set(v, "rows", arena_strdup(&r->arena, buf_str(&b)));
	buf_reset(&b);
	for (const char *const *role = staff_roles; *role; role++) {
		char key[48];
		snprintf(key, sizeof key, "role.%s", *role);
		buf_printf(&b, "<option value=\"%s\">", *role);
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_puts(&b, "</option>");
	}
	tpl_set(v, "role_options", arena_strdup(&r->arena, buf_str(&b)));
	buf_free(&b);
	if (cr) {
		tpl_set(v, "new_name", for_name);
		tpl_set(v, "new_password", cr->password);
		tpl_set(v, "new_totp", cr->totp_base32);
		tpl_set(v, "new_uri", cr->totp_uri);
	}
	if (error_code)
		tpl_set(v, "admin_error", page_error_message(r, NULL, error_code));
	page_reply(r, status, "console_users", v);
}

void console_users(struct req *r)
{
	users_page(r, 200, NULL, NULL, NULL);
}

static void after(struct req *r, int rc, const struct staff_credentials *cr, const char *name)
{
	if (rc == HL_EINVAL)
		return users_page(r, 422, NULL, NULL, "user.invalid");
	if (rc == HL_EEXIST)
		return users_page(r, 422, NULL, NULL, "user.exists");
	if (rc == HL_ENOTFOUND)
		return users_page(r, 404, NULL, NULL, "not_found");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	users_page(r, 200, cr, name, NULL);
}

void console_user_add(struct req *r)
{
	struct staff_credentials cr;
	const char *name = form_get(r->form, "name");
	int rc = staff_user_add(r->hl, r->who.actor, name, form_get(r->form, "role"), &cr, &r->arena);
	after(r, rc, rc ? NULL : &cr, name);
}

void console_user_reset(struct req *r)
{
	struct staff_credentials cr;
	const char *name = form_get(r->form, "name");
	int rc = name ? staff_user_reset(r->hl, r->who.actor, name, &cr, &r->arena) : HL_EINVAL;
	after(r, rc, rc ? NULL : &cr, name);
}

void console_user_disable(struct req *r)
{
	const char *name = form_get(r->form, "name");
	after(r, name ? staff_user_disable(r->hl, r->who.actor, name, true) : HL_EINVAL, NULL, NULL);
}

void console_user_enable(struct req *r)
{
	const char *name = form_get(r->form, "name");
	after(r, name ? staff_user_disable(r->hl, r->who.actor, name, false) : HL_EINVAL, NULL, NULL);
}

void console_user_unlock(struct req *r)
{
	const char *name = form_get(r->form, "name");
	after(r, name ? staff_user_unlock(r->hl, r->who.actor, name) : HL_EINVAL, NULL, NULL);
}

/* accounts.c — staff, session, API key and audit queries (see staff.h). */
#include "accounts.h"

#include <string.h>

#include "err.h"

static const char SQL_USER_INSERT[] =
	"INSERT INTO users (name, role, password_hash, totp_sealed, created_at, updated_at)"
	" VALUES ($1, $2, $3, $4, $5, $5)";
static const char SQL_USER_BY_NAME[] =
	"SELECT id, name, role, password_hash, totp_sealed, disabled, locked, failed_logins,"
	" last_totp_step, created_at, must_change FROM users WHERE name = $1";
static const char SQL_USER_BY_ID[] =
	"SELECT id, name, role, password_hash, totp_sealed, disabled, locked, failed_logins,"
	" last_totp_step, created_at, must_change FROM users WHERE id = $1";
static const char SQL_USER_LIST[] =
	"SELECT id, name, role, password_hash, totp_sealed, disabled, locked, failed_logins,"
	" last_totp_step, created_at, must_change FROM users ORDER BY name";
static const char SQL_USER_CRED[] =
	"UPDATE users SET password_hash = $2, totp_sealed = $3, failed_logins = 0, locked = 0,"
	" last_totp_step = 0, must_change = 1, updated_at = $4 WHERE id = $1";
static const char SQL_USER_PASSWORD[] =
	"UPDATE users SET password_hash = $2, must_change = $3, updated_at = $4 WHERE id = $1";
static const char SQL_USER_DISABLED[] =
	"UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1";
static const char SQL_USER_LOGIN[] =
	"UPDATE users SET failed_logins = $2, locked = $3, last_totp_step = $4, updated_at = $5"
	" WHERE id = $1";
static const char SQL_SESSION_INSERT[] =
	"INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen_at)"
	" VALUES ($1, $2, $3, $4, $4)";
static const char SQL_SESSION_GET[] =
	"SELECT id, user_id, csrf, created_at, last_seen_at, ended FROM sessions WHERE token_hash = $1";
static const char SQL_SESSION_TOUCH[] = "UPDATE sessions SET last_seen_at = $2 WHERE id = $1";
static const char SQL_SESSION_END[] = "UPDATE sessions SET ended = 1 WHERE id = $1";
static const char SQL_SESSION_END_USER[] = "UPDATE sessions SET ended = 1 WHERE user_id = $1";
static const char SQL_KEY_INSERT[] =
	"INSERT INTO api_keys (name, role, key_hash, created_at) VALUES ($1, $2, $3, $4)";
static const char SQL_KEY_GET[] =
	"SELECT id, name, role, created_at, revoked_at FROM api_keys WHERE key_hash = $1";
static const char SQL_KEY_LIST[] =
	"SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY name";
static const char SQL_KEY_REVOKE[] =
	"UPDATE api_keys SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL";
static const char SQL_AUDIT_LAST[] = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";
static const char SQL_AUDIT_APPEND[] =
	"INSERT INTO audit_log (id, at, actor, action, object_type, object_id, detail, prev_hash, hash)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
static const char SQL_AUDIT_EACH[] =
	"SELECT id, at, actor, action, object_type, object_id, detail, prev_hash, hash FROM audit_log"
	" WHERE id > $1 AND ($2 IS NULL OR actor = $2) AND ($3 IS NULL OR action = $3)"
	" AND ($4 IS NULL OR object_id = $4) ORDER BY id LIMIT $5";

static void read_user(struct db_stmt *st, struct store_user *u, struct arena *a)
{
	u->id = db_column_int64(st, 0);
	u->name = db_column_dup(st, 1, a);
	u->role = db_column_dup(st, 2, a);
	u->password_hash = db_column_dup(st, 3, a);
	size_t len;
	const void *b = db_column_blob(st, 4, &len);
	unsigned char *copy = arena_alloc(a, len ? len : 1);
	if (copy && len)
		memcpy(copy, b, len);
	u->totp_sealed = copy;
	u->totp_len = copy ? len : 0;
	u->disabled = db_column_int64(st, 5) != 0;
	u->locked = db_column_int64(st, 6) != 0;
	u->failed_logins = (int)db_column_int64(st, 7);
	u->last_totp_step = db_column_int64(st, 8);
	u->created_at = db_column_dup(st, 9, a);
	u->must_change = db_column_int64(st, 10) != 0;
}

int store_user_insert(struct db *db, const char *name, const char *role, const char *pw_hash,
		      const unsigned char *totp_sealed, size_t totp_len, const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_USER_INSERT);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, role);
	db_bind_text(st, 3, pw_hash);
	db_bind_blob(st, 4, totp_sealed, totp_len);
	db_bind_text(st, 5, now);
	return db_step_done(st);
}

int store_user_get(struct db *db, const char *name, int64_t id, struct store_user *out,
		   struct arena *a)
{
	struct db_stmt *st = db_prepare(db, name ? SQL_USER_BY_NAME : SQL_USER_BY_ID);
	if (!st)
		return HL_EIO;
	if (name)
		db_bind_text(st, 1, name);
	else
		db_bind_int64(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return HL_EIO;
	read_user(st, out, a);
	db_step(st);
	return 0;
}

int store_user_list(struct db *db, void (*fn)(void *arg, const struct store_user *u), void *arg,
		    struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_USER_LIST);
	if (!st)
		return HL_EIO;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct store_user u;
		read_user(st, &u, a);
		fn(arg, &u);
	}
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_user_set_credentials(struct db *db, int64_t id, const char *pw_hash,
			       const unsigned char *totp_sealed, size_t totp_len, const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_USER_CRED);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, pw_hash);
	db_bind_blob(st, 3, totp_sealed, totp_len);
	db_bind_text(st, 4, now);
	int rc = db_step_done(st);
	return rc ? rc : db_changes(db) ? 0 : HL_ENOTFOUND;
}

int store_user_set_password(struct db *db, int64_t id, const char *pw_hash, bool must_change,
			    const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_USER_PASSWORD);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, pw_hash);
	db_bind_int64(st, 3, must_change);
	db_bind_text(st, 4, now);
	int rc = db_step_done(st);
	return rc ? rc : db_changes(db) ? 0 : HL_ENOTFOUND;
}

int store_user_set_disabled(struct db *db, int64_t id, bool disabled, const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_USER_DISABLED);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, disabled);
	db_bind_text(st, 3, now);
	int rc = db_step_done(st);
	return rc ? rc : db_changes(db) ? 0 : HL_ENOTFOUND;
}

int store_user_set_login_state(struct db *db, int64_t id, int failed, bool locked,
			       int64_t last_totp_step, const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_USER_LOGIN);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, failed);
	db_bind_int64(st, 3, locked);
	db_bind_int64(st, 4, last_totp_step);
	db_bind_text(st, 5, now);
	return db_step_done(st);
}

int store_session_insert(struct db *db, const unsigned char hash[32], int64_t user_id,
			 const char *csrf, int64_t now)
{
	struct db_stmt *st = db_prepare(db, SQL_SESSION_INSERT);
	if (!st)
		return HL_EIO;
	db_bind_blob(st, 1, hash, 32);
	db_bind_int64(st, 2, user_id);
	db_bind_text(st, 3, csrf);
	db_bind_int64(st, 4, now);
	return db_step_done(st);
}

int store_session_get(struct db *db, const unsigned char hash[32], struct store_session *out,
		      struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_SESSION_GET);
	if (!st)
		return HL_EIO;
	db_bind_blob(st, 1, hash, 32);
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return HL_EIO;
	out->id = db_column_int64(st, 0);
	out->user_id = db_column_int64(st, 1);
	out->csrf = db_column_dup(st, 2, a);
	out->created_at = db_column_int64(st, 3);
	out->last_seen_at = db_column_int64(st, 4);
	out->ended = db_column_int64(st, 5) != 0;
	db_step(st);
	return 0;
}

int store_session_touch(struct db *db, int64_t id, int64_t now)
{
	struct db_stmt *st = db_prepare(db, SQL_SESSION_TOUCH);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, now);
	return db_step_done(st);
}

int store_session_end(struct db *db, int64_t id)
{
	struct db_stmt *st = db_prepare(db, SQL_SESSION_END);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	return db_step_done(st);
}

int store_session_end_user(struct db *db, int64_t user_id)
{
	struct db_stmt *st = db_prepare(db, SQL_SESSION_END_USER);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, user_id);
	return db_step_done(st);
}

int store_apikey_insert(struct db *db, const char *name, const char *role,
			const unsigned char hash[32], const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_KEY_INSERT);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, role);
	db_bind_blob(st, 3, hash, 32);
	db_bind_text(st, 4, now);
	return db_step_done(st);
}

static void read_key(struct db_stmt *st, struct store_apikey *k, struct arena *a)
{
	k->id = db_column_int64(st, 0);
	k->name = db_column_dup(st, 1, a);
	k->role = db_column_dup(st, 2, a);
	k->created_at = db_column_dup(st, 3, a);
	k->revoked_at = db_column_dup(st, 4, a);
}

int store_apikey_get(struct db *db, const unsigned char hash[32], struct store_apikey *out,
		     struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_KEY_GET);
	if (!st)
		return HL_EIO;
	db_bind_blob(st, 1, hash, 32);
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return HL_EIO;
	read_key(st, out, a);
	db_step(st);
	return 0;
}

int store_apikey_list(struct db *db, void (*fn)(void *arg, const struct store_apikey *k),
		      void *arg, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_KEY_LIST);
	if (!st)
		return HL_EIO;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct store_apikey k;
		read_key(st, &k, a);
		fn(arg, &k);
	}
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_apikey_revoke(struct db *db, const char *name, const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_KEY_REVOKE);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, now);
	int rc = db_step_done(st);
	return rc ? rc : db_changes(db) ? 0 : HL_ENOTFOUND;
}

int store_audit_last(struct db *db, int64_t *id, unsigned char hash[32])
{
	struct db_stmt *st = db_prepare(db, SQL_AUDIT_LAST);
	if (!st)
		return HL_EIO;
	int rc = db_step(st);
	if (rc == DB_DONE) {
		*id = 0;
		memset(hash, 0, 32);
		return 0;
	}
	if (rc != DB_ROW)
		return HL_EIO;
	*id = db_column_int64(st, 0);
	size_t len;
	const void *h = db_column_blob(st, 1, &len);
	if (len != 32)
		return HL_EIO;
	memcpy(hash, h, 32);
	db_step(st);
	return 0;
}

int store_audit_append(struct db *db, const struct store_audit_row *r)
{
	struct db_stmt *st = db_prepare(db, SQL_AUDIT_APPEND);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, r->id);
	db_bind_text(st, 2, r->at);
	db_bind_text(st, 3, r->actor);
	db_bind_text(st, 4, r->action);
	db_bind_text(st, 5, r->object_type);
	db_bind_text(st, 6, r->object_id);
	db_bind_text(st, 7, r->detail);
	db_bind_blob(st, 8, r->prev_hash, 32);
	db_bind_blob(st, 9, r->hash, 32);
	return db_step_done(st);
}

int store_audit_each(struct db *db, int64_t after, int64_t limit, const char *actor,
		     const char *action, const char *object_id,
		     int (*fn)(void *arg, const struct store_audit_row *r), void *arg,
		     struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_AUDIT_EACH);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, after);
	db_bind_text(st, 2, actor);
	db_bind_text(st, 3, action);
	db_bind_text(st, 4, object_id);
	db_bind_int64(st, 5, limit > 0 ? limit : INT64_MAX);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct store_audit_row r;
		r.id = db_column_int64(st, 0);
		r.at = db_column_dup(st, 1, a);
		r.actor = db_column_dup(st, 2, a);
		r.action = db_column_dup(st, 3, a);
		r.object_type = db_column_dup(st, 4, a);
		r.object_id = db_column_dup(st, 5, a);
		r.detail = db_column_dup(st, 6, a);
		r.prev_hash = db_column_blob(st, 7, &r.prev_len);
		r.hash = db_column_blob(st, 8, &r.hash_len);
		if (fn(arg, &r)) {
			db_reset(st);
			return 0;
		}
	}
	return rc == DB_DONE ? 0 : HL_EIO;
}

/* staff.c — accounts, TOTP, sessions and API keys (see staff.h). */
#include "staff.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#include "accounts.h"
#include "audit.h"
#include "buf.h"
#include "db.h"
#include "err.h"
#include "report.h"
#include "timeutil.h"
#include "utf8.h"

const char *const staff_roles[] = {"operator", "analyst",  "case_worker",
				   "supervisor", "admin", "auditor", NULL};

#define TOTP_BYTES 20
static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static void token_hash(struct hotline *hl, const char *token, unsigned char out[32])
{
	crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), hl->keys.tokens, 32);
}

static void random_hex(char *out, size_t bytes)
{
	unsigned char r[64];
	randombytes_buf(r, bytes);
	sodium_bin2hex(out, bytes * 2 + 1, r, bytes);
	sodium_memzero(r, sizeof r);
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n < 1 || n > 64)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-' || *p == '@'))
			return false;
	return true;
}

unsigned staff_totp_code(const unsigned char *secret, size_t len, int64_t t)
{
	uint64_t step = (uint64_t)(t / STAFF_TOTP_STEP_S);
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(step & 0xff);
		step >>= 8;
	}
	if (!HMAC(EVP_sha1(), secret, (int)len, msg, sizeof msg, mac, &maclen) || maclen < 20)
		return 0;
	int off = mac[maclen - 1] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
		       ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
	return bin % 1000000;
}

int staff_base32_decode(const char *in, unsigned char *out, size_t max)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	for (const char *p = in; *p; p++) {
		char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
		if (c == '=' || c == ' ')
			continue;
		const char *q = strchr(b32, c);
		if (!q || !c)
			return -1;
		acc = (acc << 5) | (uint32_t)(q - b32);
		bits += 5;
		if (bits >= 8) {
			if (n == max)
				return -1;
			out[n++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return (int)n;
}

static const char *base32_encode(const unsigned char *in, size_t len, struct arena *a)
{
	char *out = arena_alloc(a, len * 8 / 5 + 2);
	if (!out)
		return NULL;
	size_t k = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[k++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits)
		out[k++] = b32[(acc << (5 - bits)) & 31];
	out[k] = '\0';
	return out;
}

/* A password people can type from a printout: 4 groups of 5 letters/digits. */
static void new_password(char out[24])
{
	static const char alpha[] = "abcdefghjkmnpqrstuvwxyz23456789";
	size_t k = 0;
	for (int i = 0; i < 20; i++) {
		if (i && i % 5 == 0)
			out[k++] = '-';
		out[k++] = alpha[randombytes_uniform(sizeof alpha - 1)];
	}
	out[k] = '\0';
}

/* Percent-encodes everything but RFC 3986's unreserved characters. */
static char *uri_escape(const char *s, struct arena *a)
{
	char *out = arena_alloc(a, strlen(s) * 3 + 1);
	if (!out)
		return NULL;
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			out[k++] = (char)*p;
		} else {
			static const char hex[] = "0123456789ABCDEF";
			out[k++] = '%';
			out[k++] = hex[*p >> 4];
			out[k++] = hex[*p & 15];
		}
	}
	out[k] = '\0';
	return out;
}

/* Makes a password, a TOTP secret and their stored forms. */
static int make_credentials(struct hotline *hl, const char *name, struct staff_credentials *out,
			    char pw_hash[crypto_pwhash_STRBYTES], unsigned char *sealed,
			    struct arena *a)
{
	char pw[24];
	unsigned char secret[TOTP_BYTES];
	new_password(pw);
	randombytes_buf(secret, sizeof secret);
	if (crypto_pwhash_str(pw_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return HL_ENOMEM;
	seal_box(&hl->keys, secret, sizeof secret, sealed);
	out->password = arena_strdup(a, pw);
	out->totp_base32 = base32_encode(secret, sizeof secret, a);
	struct buf uri;
	buf_init(&uri, 1024);
	const char *issuer = profile_get(hl->profile, "org_name", NULL);
	char *ie = uri_escape(issuer, a), *ne = uri_escape(name, a);
	buf_printf(&uri, "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=6&period=30",
		   ie ? ie : "Hotline", ne ? ne : "", out->totp_base32 ? out->totp_base32 : "",
		   ie ? ie : "Hotline");
	out->totp_uri = arena_strdup(a, buf_str(&uri));
	buf_free(&uri);
	sodium_memzero(pw, sizeof pw);
	sodium_memzero(secret, sizeof secret);
	return out->password && out->totp_base32 && out->totp_uri ? 0 : HL_ENOMEM;
}

#define SEALED_TOTP (TOTP_BYTES + SEAL_OVERHEAD)

/* Runs fn inside a write transaction on a pool connection. */
static int with_tx(struct hotline *hl, int (*fn)(struct db *db, void *arg), void *arg)
{
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = db_begin(db);
	if (!rc) {
		rc = fn(db, arg);
		if (rc)
			db_rollback(db);
		else if (db_commit(db))
			rc = HL_EIO;
	}
	hotline_db_put(hl, db);
	return rc;
}

struct user_op {
	struct hotline *hl;
	const char *name, *role, *actor;
	const char *pw_hash;
	const unsigned char *sealed;
	bool flag;
	struct arena *a;
};

static int do_user_add(struct db *db, void *arg)
{
	struct user_op *op = arg;
	char now[21];
	time_now_iso(now);
	int rc = store_user_insert(db, op->name, op->role, op->pw_hash, op->sealed, SEALED_TOTP, now);
	if (!rc)
		rc = audit_append_db(db, op->actor, "user.add", "user", op->name, op->role);
	return rc;
}

int staff_user_add(struct hotline *hl, const char *actor, const char *name, const char *role,
		   struct staff_credentials *out, struct arena *a)
{
	if (!name || !name_ok(name) || !report_in_list(staff_roles, role))
		return HL_EINVAL;
	char pw_hash[crypto_pwhash_STRBYTES];
	unsigned char sealed[SEALED_TOTP];
	int rc = make_credentials(hl, name, out, pw_hash, sealed, a);
	if (rc)
		return rc;
	struct user_op op = {hl, name, role, actor, pw_hash, sealed, false, a};
	return with_tx(hl, do_user_add, &op);
}

static int do_user_reset(struct db *db, void *arg)
{
	struct user_op *op = arg;
	struct store_user u;
	int rc = store_user_get(db, op->name, 0, &u, op->a);
	if (rc)
		return rc;
	char now[21];
	time_now_iso(now);
	rc = store_user_set_credentials(db, u.id, op->pw_hash, op->sealed, SEALED_TOTP, now);
	if (!rc)
		rc = store_session_end_user(db, u.id);
	if (!rc)
		rc = audit_append_db(db, op->actor, "user.reset", "user", op->name, NULL);
	return rc;
}

int staff_user_reset(struct hotline *hl, const char *actor, const char *name,
		     struct staff_credentials *out, struct arena *a)
{
	char pw_hash[crypto_pwhash_STRBYTES];
	unsigned char sealed[SEALED_TOTP];
	int rc = make_credentials(hl, name, out, pw_hash, sealed, a);
	if (rc)
		return rc;
	struct user_op op = {hl, name, NULL, actor, pw_hash, sealed, false, a};
	return with_tx(hl, do_user_reset, &op);
}

static int do_user_disable(struct db *db, void *arg)
{
	struct user_op *op = arg;
	struct store_user u;
	int rc = store_user_get(db, op->name, 0, &u, op->a);
	char now[21];
	time_now_iso(now);
	if (!rc)
		rc = store_user_set_disabled(db, u.id, op->flag, now);
	if (!rc && op->flag)
		rc = store_session_end_user(db, u.id);
	if (!rc)
		rc = audit_append_db(db, op->actor, op->flag ? "user.disable" : "user.enable", "user",
				     op->name, NULL);
	return rc;
}

int staff_user_disable(struct hotline *hl, const char *actor, const char *name, bool disabled)
{
	struct arena a;
	arena_init(&a, 1 << 20);
	struct user_op op = {hl, name, NULL, actor, NULL, NULL, disabled, &a};
	int rc = with_tx(hl, do_user_disable, &op);
	arena_free(&a);
	return rc;
}

static int do_user_unlock(struct db *db, void *arg)
{
	struct user_op *op = arg;
	struct store_user u;
	int rc = store_user_get(db, op->name, 0, &u, op->a);
	char now[21];
	time_now_iso(now);
	if (!rc)
		rc = store_user_set_login_state(db, u.id, 0, false, u.last_totp_step, now);
	if (!rc)
		rc = audit_append_db(db, op->actor, "user.unlock", "user", op->name, NULL);
	return rc;
}

int staff_user_unlock(struct hotline *hl, const char *actor, const char *name)
{
	struct arena a;
	arena_init(&a, 1 << 20);
	struct user_op op = {hl, name, NULL, actor, NULL, NULL, false, &a};
	int rc = with_tx(hl, do_user_unlock, &op);
	arena_free(&a);
	return rc;
}

/* Checks a code against the steps around now; returns the step or 0. */
static int64_t totp_check(const unsigned char *secret, const char *code, int64_t last_step)
{
	if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return 0;
	unsigned want = (unsigned)strtoul(code, NULL, 10);
	int64_t now = now_s(), hit = 0;
	for (int d = -1; d <= 1; d++) {
		int64_t t = now + d * STAFF_TOTP_STEP_S;
		int64_t step = t / STAFF_TOTP_STEP_S;
		if (step > last_step && staff_totp_code(secret, TOTP_BYTES, t) == want)
			hit = step;
	}
	return hit;
}

static int new_session(struct db *db, struct hotline *hl, const struct store_user *u,
		       char token_out[65], struct staff_who *who, struct arena *a)
{
	char csrf[65];
	unsigned char h[32];
	random_hex(token_out, 32);
	random_hex(csrf, 32);
	token_hash(hl, token_out, h);
	int rc = store_session_insert(db, h, u->id, csrf, now_s());
	if (rc)
		return rc;
	who->user_id = u->id;
	who->name = u->name;
	who->role = u->role;
	who->csrf = arena_strdup(a, csrf);
	who->must_change = u->must_change;
	char actor[80];
	snprintf(actor, sizeof actor, "user:%s", u->name);
	who->actor = arena_strdup(a, actor);
	return 0;
}

int staff_login(struct hotline *hl, const char *name, const char *password, const char *code,
		char token_out[65], struct staff_who *who, struct arena *a)
{
	if (!name || !password || !name_ok(name) || strlen(password) > 1024)
		return HL_EPERM;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = db_begin(db);
	if (rc) {
		hotline_db_put(hl, db);
		return HL_EIO;
	}
	struct store_user u;
	char actor[80];
	snprintf(actor, sizeof actor, "user:%s", name);
	rc = store_user_get(db, name, 0, &u, a);
	bool ok = false;
	int failed = 0;
	const char *why = "unknown user";
	if (rc == 0) {
		unsigned char secret[TOTP_BYTES];
		bool pw_ok = crypto_pwhash_str_verify(u.password_hash, password, strlen(password)) == 0;
		int64_t step = 0;
		if (u.totp_len == SEALED_TOTP && seal_open(&hl->keys, u.totp_sealed, u.totp_len, secret) == 0)
			step = totp_check(secret, code, u.last_totp_step);
		sodium_memzero(secret, sizeof secret);
		char now[21];
		time_now_iso(now);
		if (u.disabled) {
			why = "disabled";
		} else if (u.locked) {
			why = "locked";
		} else if (!pw_ok || !step) {
			why = !pw_ok ? "wrong password" : "wrong code";
			failed = u.failed_logins + 1;
			store_user_set_login_state(db, u.id, failed, failed >= STAFF_MAX_FAILED,
						   u.last_totp_step, now);
			if (failed >= STAFF_MAX_FAILED)
				audit_append_db(db, actor, "user.locked", "user", name, NULL);
		} else {
			ok = true;
			store_user_set_login_state(db, u.id, 0, false, step, now);
			rc = new_session(db, hl, &u, token_out, who, a);
			if (rc)
				ok = false;
		}
	} else if (rc == HL_ENOTFOUND) {
		/* the same work as for a real account */
		static char dummy[crypto_pwhash_STRBYTES] =
			"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
			"qLml5cbqFAO6YxVHhrSBHP0UWdxrIxkNcM8aMX3blzU";
		if (crypto_pwhash_str_verify(dummy, password, strlen(password)) == 0)
			why = "unknown user";
	}
	audit_append_db(db, actor, ok ? "login" : "login.failed", "user", name, ok ? NULL : why);
	if (db_commit(db))
		ok = false, db_rollback(db);
	hotline_db_put(hl, db);
	if (!ok && failed > 1) {
		/* each further failure waits longer, up to 2 s */
		unsigned ms = 250u * (unsigned)(failed - 1);
		usleep((ms > 2000 ? 2000 : ms) * 1000);
	}
	return ok ? 0 : HL_EPERM;
}

int staff_session(struct hotline *hl, const char *token, struct staff_who *who, struct arena *a)
{
	if (!token || strlen(token) != 64)
		return HL_ENOTFOUND;
	unsigned char h[32];
	token_hash(hl, token, h);
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	struct store_session s;
	struct store_user u;
	int rc = store_session_get(db, h, &s, a);
	int64_t now = now_s();
	if (!rc && (s.ended || now - s.last_seen_at > STAFF_SESSION_IDLE_S ||
		    now - s.created_at > STAFF_SESSION_MAX_S)) {
		if (!s.ended)
			store_session_end(db, s.id);
		rc = HL_ENOTFOUND;
	}
	if (!rc)
		rc = store_user_get(db, NULL, s.user_id, &u, a);
	if (!rc && (u.disabled || u.locked)) {
		store_session_end(db, s.id);
		rc = HL_ENOTFOUND;
	}
	if (!rc && now - s.last_seen_at >= 30)
		store_session_touch(db, s.id, now);
	hotline_db_put(hl, db);
	if (rc)
		return rc == HL_EIO ? rc : HL_ENOTFOUND;
	who->user_id = u.id;
	who->name = u.name;
	who->role = u.role;
	who->session_id = s.id;
	who->csrf = s.csrf;
	who->must_change = u.must_change;
	char actor[80];
	snprintf(actor, sizeof actor, "user:%s", u.name);
	who->actor = arena_strdup(a, actor);
	return 0;
}

int staff_logout(struct hotline *hl, const struct staff_who *who)
{
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = store_session_end(db, who->session_id);
	hotline_db_put(hl, db);
	audit_append(hl, who->actor, "logout", "user", who->name, NULL);
	return rc;
}

int staff_set_password(struct hotline *hl, const struct staff_who *who, const char *password)
{
	/* counted in characters, not bytes: "é" is one */
	if (!password || strlen(password) > 1024 || !utf8_valid(password, strlen(password)) ||
	    utf8_length(password) < 12)
		return HL_EINVAL;
	char pw_hash[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str(pw_hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return HL_ENOMEM;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	char now[21];
	time_now_iso(now);
	int rc = store_user_set_password(db, who->user_id, pw_hash, false, now);
	hotline_db_put(hl, db);
	if (!rc)
		audit_append(hl, who->actor, "user.password", "user", who->name, NULL);
	return rc;
}

int staff_apikey_add(struct hotline *hl, const char *name, const char *role, char key_out[69])
{
	if (!name || !name_ok(name) || !report_in_list(staff_roles, role))
		return HL_EINVAL;
	memcpy(key_out, "hlk_", 4);
	random_hex(key_out + 4, 32);
	unsigned char h[32];
	token_hash(hl, key_out, h);
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	char now[21];
	time_now_iso(now);
	int rc = db_begin(db);
	if (!rc) {
		rc = store_apikey_insert(db, name, role, h, now);
		if (!rc)
			rc = audit_append_db(db, "cli", "apikey.add", "apikey", name, role);
		rc = rc ? (db_rollback(db), rc) : db_commit(db);
	}
	hotline_db_put(hl, db);
	return rc;
}

int staff_apikey_revoke(struct hotline *hl, const char *name)
{
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	char now[21];
	time_now_iso(now);
	int rc = db_begin(db);
	if (!rc) {
		rc = store_apikey_revoke(db, name, now);
		if (!rc)
			rc = audit_append_db(db, "cli", "apikey.revoke", "apikey", name, NULL);
		rc = rc ? (db_rollback(db), rc) : db_commit(db);
	}
	hotline_db_put(hl, db);
	return rc;
}

int staff_apikey_find(struct hotline *hl, const char *key, struct staff_who *who,
		      struct arena *a)
{
	if (!key || strlen(key) != 68 || strncmp(key, "hlk_", 4) != 0)
		return HL_ENOTFOUND;
	unsigned char h[32];
	token_hash(hl, key, h);
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	struct store_apikey k;
	int rc = store_apikey_get(db, h, &k, a);
	hotline_db_put(hl, db);
	if (rc || k.revoked_at)
		return HL_ENOTFOUND;
	memset(who, 0, sizeof *who);
	who->name = k.name;
	who->role = k.role;
	char actor[80];
	snprintf(actor, sizeof actor, "apikey:%s", k.name);
	who->actor = arena_strdup(a, actor);
	return 0;
}

/* accounts.h — queries on staff accounts, sessions, API keys and the audit log.
 * Strings returned live in the arena passed in; nothing is freed alone. */
#ifndef HL_STORE_ACCOUNTS_H
#define HL_STORE_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"

struct store_user {
	int64_t id;
	const char *name, *role, *password_hash;
	const unsigned char *totp_sealed;
	size_t totp_len;
	bool disabled, locked;
	int failed_logins;
	int64_t last_totp_step;
	bool must_change;
	const char *created_at;
};

/* Returns 0, HL_EEXIST when the name is taken, HL_EIO. */
int store_user_insert(struct db *db, const char *name, const char *role, const char *pw_hash,
		      const unsigned char *totp_sealed, size_t totp_len, const char *now);
/* By name (id 0) or by id (name NULL). 0, HL_ENOTFOUND, HL_EIO. */
int store_user_get(struct db *db, const char *name, int64_t id, struct store_user *out,
		   struct arena *a);
/* Calls fn for every user, by name. */
int store_user_list(struct db *db, void (*fn)(void *arg, const struct store_user *u), void *arg,
		    struct arena *a);
/* New password and second factor; also unlocks and clears failures. */
int store_user_set_credentials(struct db *db, int64_t id, const char *pw_hash,
			       const unsigned char *totp_sealed, size_t totp_len, const char *now);
/* A password the user chose (must_change false) or was given. */
int store_user_set_password(struct db *db, int64_t id, const char *pw_hash, bool must_change,
			    const char *now);
int store_user_set_disabled(struct db *db, int64_t id, bool disabled, const char *now);
int store_user_set_login_state(struct db *db, int64_t id, int failed, bool locked,
			       int64_t last_totp_step, const char *now);

struct store_session {
	int64_t id, user_id, created_at, last_seen_at;
	const char *csrf;
	bool ended;
};
int store_session_insert(struct db *db, const unsigned char hash[32], int64_t user_id,
			 const char *csrf, int64_t now);
int store_session_get(struct db *db, const unsigned char hash[32], struct store_session *out,
		      struct arena *a);
int store_session_touch(struct db *db, int64_t id, int64_t now);
int store_session_end(struct db *db, int64_t id);
/* Ends every session of a user (disable, reset). */
int store_session_end_user(struct db *db, int64_t user_id);

struct store_apikey {
	int64_t id;
	const char *name, *role, *created_at, *revoked_at;
};
int store_apikey_insert(struct db *db, const char *name, const char *role,
			const unsigned char hash[32], const char *now);
int store_apikey_get(struct db *db, const unsigned char hash[32], struct store_apikey *out,
		     struct arena *a);
int store_apikey_list(struct db *db, void (*fn)(void *arg, const struct store_apikey *k),
		      void *arg, struct arena *a);
/* 0, HL_ENOTFOUND (no such key, or already revoked). */
int store_apikey_revoke(struct db *db, const char *name, const char *now);

struct store_audit_row {
	int64_t id;
	const char *at, *actor, *action, *object_type, *object_id, *detail;
	const unsigned char *prev_hash, *hash; /* 32 bytes each */
	size_t prev_len, hash_len;
};
/* The last row's id and hash (id 0 and a zero hash for an empty log). */
int store_audit_last(struct db *db, int64_t *id, unsigned char hash[32]);
/* Appends a row (never updates or deletes). */
int store_audit_append(struct db *db, const struct store_audit_row *row);
/* Calls fn for rows with id > after, in id order, at most limit (0: all),
 * filtered by actor/action/object (NULL: any). fn returns non-zero to stop. */
int store_audit_each(struct db *db, int64_t after, int64_t limit, const char *actor,
		     const char *action, const char *object_id,
		     int (*fn)(void *arg, const struct store_audit_row *r), void *arg,
		     struct arena *a);

#endif

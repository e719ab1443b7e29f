/* staff.h — staff accounts, their two factors, sessions and API keys.
 *
 * Passwords are hashed with argon2id (libsodium's crypto_pwhash_str). The
 * second factor is TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits),
 * its secret sealed with the key file. Session tokens and API keys are 256
 * random bits, stored only as a keyed hash. */
#ifndef HL_STAFF_H
#define HL_STAFF_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "hotline.h"

#define STAFF_MAX_FAILED 5        /* failed logins before the account locks */
#define STAFF_SESSION_IDLE_S 1800 /* a session unused this long ends */
#define STAFF_SESSION_MAX_S 43200 /* no session lives longer than this */
#define STAFF_TOTP_STEP_S 30

extern const char *const staff_roles[]; /* NULL-terminated */

/* What staff_user_add/reset print once. Strings in the arena. */
struct staff_credentials {
	const char *password;    /* one-time: replaced at first login */
	const char *totp_base32; /* RFC 4648 base32, no padding */
	const char *totp_uri;    /* otpauth://totp/... */
};

/* Creates a user. actor is who does it, for the audit log ("cli",
 * "user:NAME"). Returns 0, HL_EEXIST, HL_EINVAL (bad name or role). */
int staff_user_add(struct hotline *hl, const char *actor, const char *name, const char *role,
		   struct staff_credentials *out, struct arena *a);
/* New password and TOTP secret; unlocks; ends the user's sessions. */
int staff_user_reset(struct hotline *hl, const char *actor, const char *name,
		     struct staff_credentials *out, struct arena *a);
int staff_user_disable(struct hotline *hl, const char *actor, const char *name, bool disabled);
int staff_user_unlock(struct hotline *hl, const char *actor, const char *name);

/* The RFC 6238 code of a raw secret at unix time t (for tests and login). */
unsigned staff_totp_code(const unsigned char *secret, size_t len, int64_t t);
/* Decodes RFC 4648 base32 (no padding, case-insensitive); returns bytes or -1. */
int staff_base32_decode(const char *in, unsigned char *out, size_t max);

struct staff_who {
	int64_t user_id;   /* 0 for an API key */
	const char *name;  /* user or key name */
	const char *role;
	const char *actor; /* "user:NAME" or "apikey:NAME", for the audit log */
	int64_t session_id;
	const char *csrf;
	bool must_change;
};

/* Checks a login. On success returns 0, a new session token (to put in the
 * cookie) and who logged in. Failures all return HL_EPERM alike (wrong name,
 * password or code; disabled; locked) and count towards the lock; each
 * attempt and its outcome is audited. */
int staff_login(struct hotline *hl, const char *name, const char *password, const char *code,
		char token_out[65], struct staff_who *who, struct arena *a);
/* Finds the session of a cookie token, ending it when idle or too old.
 * Returns 0 or HL_ENOTFOUND. */
int staff_session(struct hotline *hl, const char *token, struct staff_who *who, struct arena *a);
int staff_logout(struct hotline *hl, const struct staff_who *who);
/* Sets a new password for a logged-in user (at least 12 characters). */
int staff_set_password(struct hotline *hl, const struct staff_who *who, const char *password);

/* API keys: add prints a key once ("hlk_" + 64 hex digits). */
int staff_apikey_add(struct hotline *hl, const char *name, const char *role, char key_out[69]);
int staff_apikey_revoke(struct hotline *hl, const char *name);
/* Finds the key of an Authorization: Bearer value. 0 or HL_ENOTFOUND. */
int staff_apikey_find(struct hotline *hl, const char *key, struct staff_who *who,
		      struct arena *a);

#endif

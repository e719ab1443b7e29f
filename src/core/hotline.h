/* hotline.h — one running hotline: its data folder, keys, profile, the
 * intake committer and the read connections.
 *
 * The data folder holds hotline.db, secret.key (0600) and profile.conf.
 * One struct hotline lives for the whole process; it owns everything in it. */
#ifndef HL_HOTLINE_H
#define HL_HOTLINE_H

#include <limits.h>
#include <stdint.h>

#include "arena.h"
#include "classify.h"
#include "profile.h"
#include "ratelimit.h"
#include "receipt.h"
#include "report.h"
#include "seal.h"

struct intake;
struct db_pool;
struct hosting;

struct hotline {
	char data_dir[PATH_MAX];
	char db_path[PATH_MAX];
	char key_path[PATH_MAX];
	char profile_path[PATH_MAX];
	struct seal_keys keys;
	struct profile *profile;
	struct ratelimit *lookups; /* failed receipt look-ups per client */
	struct intake *intake;
	struct db_pool *readers;
	struct classify_scheme *scheme; /* the profile's classification scheme */
	struct queue *queue;            /* the triage queue, in memory (serve only) */
	struct matcher *matcher;        /* known-hash lists, in memory (serve, ingest) */
	uint64_t image_max_pixels;      /* profile image_max_pixels; 0: the default */
	struct hl_follower *follower;   /* applies hash-list changes every second */
	struct hosting *hosting;        /* item host look-ups (serve only) */
	struct campaign *campaign;      /* the campaign data (serve only; campaign.h) */
};

struct hotline_options {
	const char *data_dir;    /* default "./var" */
	const char *profile;     /* a profile file to use instead of DATA/profile.conf */
	unsigned lookup_limit;   /* failed look-ups per client per 10 minutes */
	int start_intake;        /* start the group committer (serve) */
	int no_matcher;          /* with start_intake: do not load the hash lists */
	int no_queue;            /* with start_intake: no in-memory triage queue and no
				  * hosting look-ups (a one-shot command: `mail ingest`) */
};

/* Creates the data folder, the key file, the database (migrated) and the
 * profile (a copy of profile_src, or of the shipped example when it is
 * NULL) when they are missing. Existing
 * files are left alone. Returns 0, or HL_EIO with a log line. */
int hotline_init_data(const char *data_dir, const char *profile_src);
/* Opens a hotline over an initialised data folder. Returns 0, HL_EIO,
 * HL_EPERM (the key file is readable by others) or HL_EINVAL (bad profile). */
int hotline_open(struct hotline *hl, const struct hotline_options *opt);
void hotline_close(struct hotline *hl);
/* Applies hash-list changes to the in-memory lists now (the follower
 * thread also does it every second). 0 or an HL_E... code. */
int hotline_lists_follow(struct hotline *hl);

/* What a reporter may see of their report. */
struct report_view {
	int64_t id;
	char number[RECEIPT_NUMBER_SIZE];
	char state[20];
	const char *message; /* arena memory, NULL when none */
};

/* Looks up a report by number and secret as a person typed them. Returns
 * 0, or HL_ENOTFOUND for a wrong number, a wrong secret or a malformed one
 * alike (the work done does not depend on which), or HL_EIO. */
int hotline_lookup(struct hotline *hl, const char *number, const char *secret,
		   struct report_view *out, struct arena *a);
/* Changes state and/or message of a report as staff; used by `report set`.
 * Returns 0, HL_ENOTFOUND, HL_EINVAL (unknown state) or HL_EIO. */
int hotline_report_set(struct hotline *hl, const char *number, const char *state,
		       const char *message);
/* A connection from the pool, for one thread at a time; give it back with
 * hotline_db_put. NULL when the database cannot be opened. */
struct db;
struct db *hotline_db(struct hotline *hl);
void hotline_db_put(struct hotline *hl, struct db *db);

/* Number of reports stored. */
int hotline_report_count(struct hotline *hl, int64_t *out);

#endif

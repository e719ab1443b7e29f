/* mailin.c — e-mail into reports (see mailin.h). */
#include "mailin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attachment.h"
#include "buf.h"
#include "err.h"
#include "ingest.h"
#include "intake.h"
#include "log.h"
#include "mailout.h"
#include "report.h"
#include "utf8.h"

#define MAILIN_WINDOW 64            /* messages parsed ahead of the commits */
#define MAILIN_ARENA (96u << 20)    /* the most one message's values may take */
#define MAILIN_MAX_FILES 10000000u

struct item {
	struct arena a;
	struct report r;
	struct intake_receipt rec;
	struct intake_waiter *w;
	struct mail_parsed p;
	struct report_attachment att[REPORT_MAX_ATTACHMENTS];
	size_t natt;
	struct hotline *hl;
	const char *reason; /* refused: why */
	char name[256];     /* the file in new/ */
};

static int attachment_cb(void *arg, const void *data, size_t len, const char *name,
			 const char *type)
{
	struct item *it = arg;
	if (it->natt >= REPORT_MAX_ATTACHMENTS)
		return HL_ETOOBIG;
	int rc = attachment_hash(it->hl, data, len, name, type, &it->att[it->natt], &it->a);
	if (!rc)
		it->natt++;
	return rc;
}

/* s cut to at most max code points (arena copy when cut). */
static const char *cut_chars(const char *s, size_t max, bool *cut, struct arena *a)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)s;
	for (; *p; p++) {
		if ((*p & 0xC0) != 0x80 && n++ == max) {
			*cut = true;
			return arena_strndup(a, s, (size_t)((const char *)p - s));
		}
	}
	return s;
}

static const char *source_key(struct hotline *hl, const struct mail_parsed *p, struct arena *a)
{
	crypto_generichash_state st;
	unsigned char h[32];
	crypto_generichash_init(&st, hl->keys.tokens, sizeof hl->keys.tokens, sizeof h);
	if (p->message_id) {
		static const char tag[] = "hotline mail source: message-id";
		crypto_generichash_update(&st, (const unsigned char *)tag, sizeof tag);
		crypto_generichash_update(&st, (const unsigned char *)p->message_id,
					  strlen(p->message_id) + 1);
		const char *from = p->from_addr ? p->from_addr : "";
		crypto_generichash_update(&st, (const unsigned char *)from, strlen(from) + 1);
	} else {
		static const char tag[] = "hotline mail source: digest";
		crypto_generichash_update(&st, (const unsigned char *)tag, sizeof tag);
		crypto_generichash_update(&st, (const unsigned char *)p->digest, strlen(p->digest));
	}
	crypto_generichash_final(&st, h, sizeof h);
	char *key = arena_alloc(a, 5 + 64 + 1);
	if (!key)
		return NULL;
	memcpy(key, "mail:", 5);
	sodium_bin2hex(key + 5, 65, h, sizeof h);
	return key;
}

static void warn_add(const char ***w, size_t *n, const char *code, struct arena *a)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*w)[i], code) == 0)
			return;
	const char **nw = arena_alloc(a, (*n + 1) * sizeof *nw);
	if (!nw)
		return;
	if (*n)
		memcpy(nw, *w, *n * sizeof *nw);
	nw[(*n)++] = code;
	*w = nw;
}

static const char *warnings_join(const char *const *w, size_t n, struct arena *a)
{
	if (!n)
		return NULL;
	struct buf b;
	buf_init(&b, 4096);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? "," : "", w[i]);
	const char *s = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return s;
}

/* Parses raw into it->r, ready for intake. Returns 0, HL_EINVAL with
 * it->reason (nothing to report), HL_ENOMEM. */
static int prepare(struct hotline *hl, const void *raw, size_t len, struct item *it)
{
	it->hl = hl;
	struct arena *a = &it->a;
	int rc = mail_parse(raw, len, attachment_cb, it, &it->p, a);
	if (rc == HL_ETOOBIG) {
		it->reason = "mail.too_big";
		return HL_EINVAL;
	}
	if (rc == HL_EINVAL) {
		it->reason = "mail.not_a_message";
		return HL_EINVAL;
	}
	if (rc)
		return rc;
	const struct mail_parsed *p = &it->p;
	if (!mail_usable(p)) {
		it->reason = "mail.empty";
		return HL_EINVAL;
	}
	const char **warn = NULL;
	size_t nwarn = 0;
	for (size_t i = 0; i < p->nwarnings; i++)
		warn_add(&warn, &nwarn, p->warnings[i], a);
	struct report *r = &it->r;
	memset(r, 0, sizeof *r);
	r->kind = "needs_triage";
	r->channel = "email";
	r->language = p->language;
	bool cut = false;
	if (p->text && *p->text) {
		r->description = cut_chars(p->text, REPORT_MAX_TEXT, &cut, a);
		if (cut)
			warn_add(&warn, &nwarn, "text_truncated", a);
	}
	if (p->subject) {
		cut = false;
		r->subject = cut_chars(p->subject, REPORT_MAX_SUBJECT, &cut, a);
	}
	/* URLs the validator would refuse are left out, not the whole report */
	r->urls = arena_alloc(a, (p->nurls + 1) * sizeof *r->urls);
	if (!r->urls)
		return HL_ENOMEM;
	for (size_t i = 0; i < p->nurls && r->nurls < REPORT_MAX_URLS; i++) {
		const char *code;
		if (report_url_normalise(p->urls[i], &code, a))
			r->urls[r->nurls++] = p->urls[i];
		else
			warn_add(&warn, &nwarn, "url_invalid", a);
	}
	if (p->from_addr) {
		r->contact_email = p->from_addr;
		r->contact_name = p->from_name;
		if (r->contact_name) {
			cut = false;
			r->contact_name = cut_chars(r->contact_name, REPORT_MAX_NAME, &cut, a);
		}
		r->contact_given = true;
		r->may_contact = true; /* they wrote to us: an answer goes where it came from */
	}
	r->attachments = it->att;
	r->nattachments = it->natt;
	r->source_key = source_key(hl, p, a);
	if (!r->source_key)
		return HL_ENOMEM;
	struct report keep = *r;
	for (int attempt = 0; attempt < 3; attempt++) {
		r->parse_warnings = warnings_join(warn, nwarn, a);
		struct field_errors errs = {0};
		rc = report_validate(r, &errs, a);
		if (rc != HL_EINVAL)
			return rc;
		/* drop what the validator refused, say so, and try again */
		*r = keep;
		if (field_errors_get(&errs, "contact.email") || field_errors_get(&errs, "contact.name") ||
		    field_errors_get(&errs, "contact")) {
			keep.contact_email = keep.contact_name = NULL;
			keep.contact_given = keep.may_contact = false;
			warn_add(&warn, &nwarn, "from_invalid", a);
		}
		if (field_errors_get(&errs, "subject"))
			keep.subject = NULL, warn_add(&warn, &nwarn, "subject_unreadable", a);
		if (field_errors_get(&errs, "description"))
			keep.description = NULL, warn_add(&warn, &nwarn, "text_unreadable", a);
		if (field_errors_get(&errs, "language"))
			keep.language = NULL;
		if (attempt == 1) {
			/* whatever else it was: the channel, kind and warnings stand */
			keep.urls = NULL;
			keep.nurls = 0;
			warn_add(&warn, &nwarn, "url_invalid", a);
		}
		*r = keep;
	}
	return HL_EINVAL;
}

static void result_fill(const struct item *it, int rc, struct mailin_result *res)
{
	memset(res, 0, sizeof *res);
	res->outcome = rc == HL_EEXIST ? MAILIN_TAKEN : MAILIN_NEW;
	memcpy(res->number, it->rec.number, sizeof res->number);
	res->nwarnings = it->p.nwarnings;
	res->nurls = it->r.nurls;
	res->nattachments = it->natt;
}

/* After the commit: the acknowledgement, when asked for (at most one per
 * report, so a message taken again does not send a second). */
static int after_commit(struct hotline *hl, const struct item *it)
{
	if (!it->r.contact_email)
		return 0;
	int rc = mailout_ack(hl, NULL, it->rec.number, it->r.language);
	return rc == HL_EEXIST || rc == HL_ENOTFOUND ? 0 : rc;
}

int mailin_message(struct hotline *hl, const void *raw, size_t len, struct mailin_result *res)
{
	struct item *it = calloc(1, sizeof *it);
	if (!it)
		return HL_ENOMEM;
	arena_init(&it->a, MAILIN_ARENA);
	memset(res, 0, sizeof *res);
	int rc = prepare(hl, raw, len, it);
	if (rc == HL_EINVAL) {
		res->outcome = MAILIN_REFUSED;
		res->reason = it->reason ? it->reason : "mail.empty";
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	it->w = intake_waiter_new(&it->a);
	if (!it->w) {
		rc = HL_ENOMEM;
		goto out;
	}
	rc = intake_submit_report(hl, &it->r, &it->a, &it->rec, intake_waiter_done, it->w);
	if (rc)
		goto out;
	rc = intake_waiter_wait(it->w);
	if (rc == 0 || rc == HL_EEXIST) {
		result_fill(it, rc, res);
		rc = after_commit(hl, it);
	}
out:
	arena_free(&it->a);
	free(it);
	return rc;
}

/* ---- Maildir ------------------------------------------------------------------ */

static int read_file(int dirfd, const char *name, struct buf *out)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return HL_EIO;
	char chunk[65536];
	ssize_t n;
	int rc = 0;
	while (!rc && (n = read(fd, chunk, sizeof chunk)) > 0)
		rc = buf_append(out, chunk, (size_t)n);
	if (n < 0 && !rc)
		rc = HL_EIO;
	close(fd);
	return rc;
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

struct maildir {
	struct hotline *hl;
	int newfd, curfd, qfd;
	struct mailin_stats *st;
	int first_error;
};

static void quarantine(struct maildir *md, const char *name, const char *reason)
{
	if (renameat(md->newfd, name, md->qfd, name) != 0) {
		log_error("mail ingest: cannot move %s to quarantine: %s", name, strerror(errno));
		md->st->failed++;
		if (!md->first_error)
			md->first_error = HL_EIO;
		return;
	}
	char rname[300];
	snprintf(rname, sizeof rname, "%s.reason", name);
	int fd = openat(md->qfd, rname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dprintf(fd, "%s\n", reason);
		close(fd);
	}
	log_info("mail ingest: %s quarantined: %s", name, reason);
	md->st->quarantined++;
}

static void finish(struct maildir *md, struct item *it)
{
	int rc = intake_waiter_wait(it->w);
	if (rc == 0 || rc == HL_EEXIST)
		rc = after_commit(md->hl, it) ? HL_EIO : rc;
	if (rc == 0 || rc == HL_EEXIST) {
		if (renameat(md->newfd, it->name, md->curfd, it->name) != 0) {
			log_error("mail ingest: %s taken as report %s but not moved to cur: %s",
				  it->name, it->rec.number, strerror(errno));
			md->st->failed++;
			if (!md->first_error)
				md->first_error = HL_EIO;
		} else if (rc == HL_EEXIST) {
			md->st->duplicates++;
		} else {
			md->st->taken++;
		}
	} else {
		log_error("mail ingest: %s could not be committed (%d); left in new/", it->name, rc);
		md->st->failed++;
		if (!md->first_error)
			md->first_error = rc;
	}
	arena_free(&it->a);
	free(it);
}

static int open_dir(const char *dir, const char *sub, bool create)
{
	char path[PATH_MAX];
	int w = sub ? snprintf(path, sizeof path, "%s/%s", dir, sub) : snprintf(path, sizeof path, "%s", dir);
	if (w < 0 || (size_t)w >= sizeof path)
		return -1;
	if (create && mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int mailin_maildir(struct hotline *hl, const char *dir, const char *qdir, struct mailin_stats *st)
{
	memset(st, 0, sizeof *st);
	struct maildir md = {hl, -1, -1, -1, st, 0};
	md.newfd = open_dir(dir, "new", false);
	md.curfd = open_dir(dir, "cur", true);
	md.qfd = qdir ? open_dir(qdir, NULL, true) : open_dir(dir, "quarantine", true);
	if (md.newfd < 0 || md.curfd < 0 || md.qfd < 0) {
		log_error("mail ingest: %s is not a Maildir (new/ and cur/) or quarantine cannot be made",
			  dir);
		if (md.newfd >= 0)
			close(md.newfd);
		if (md.curfd >= 0)
			close(md.curfd);
		if (md.qfd >= 0)
			close(md.qfd);
		return HL_EIO;
	}
	/* the names first: new/ changes as we move files out of it */
	int dfd = dup(md.newfd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = d ? 0 : HL_EIO;
	struct dirent *e;
	while (!rc && (e = readdir(d)) != NULL && n < MAILIN_MAX_FILES) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof ((struct item *)0)->name)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn) {
				rc = HL_ENOMEM;
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name)))
			rc = HL_ENOMEM;
		else
			n++;
	}
	if (d)
		closedir(d);
	else if (dfd >= 0)
		close(dfd);
	if (!rc)
		qsort(names, n, sizeof *names, name_cmp);
	struct item *window[MAILIN_WINDOW];
	size_t head = 0, count = 0;
	struct buf raw;
	buf_init(&raw, MAIL_MAX_BYTES + 1);
	for (size_t i = 0; !rc && i < n; i++) {
		struct stat sb;
		if (fstatat(md.newfd, names[i], &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
			continue;
		buf_reset(&raw);
		int frc = read_file(md.newfd, names[i], &raw);
		if (frc == HL_ETOOBIG) {
			quarantine(&md, names[i], "mail.too_big");
			continue;
		}
		if (frc) {
			log_error("mail ingest: cannot read %s", names[i]);
			st->failed++;
			if (!md.first_error)
				md.first_error = HL_EIO;
			continue;
		}
		struct item *it = calloc(1, sizeof *it);
		if (!it) {
			rc = HL_ENOMEM;
			break;
		}
		arena_init(&it->a, MAILIN_ARENA);
		snprintf(it->name, sizeof it->name, "%s", names[i]);
		int prc = prepare(hl, raw.data ? raw.data : "", raw.len, it);
		if (prc == HL_EINVAL) {
			quarantine(&md, it->name, it->reason ? it->reason : "mail.empty");
			arena_free(&it->a);
			free(it);
			continue;
		}
		it->w = prc ? NULL : intake_waiter_new(&it->a);
		if (prc || !it->w ||
		    intake_submit_report(hl, &it->r, &it->a, &it->rec, intake_waiter_done, it->w)) {
			log_error("mail ingest: %s could not be prepared; left in new/", it->name);
			st->failed++;
			if (!md.first_error)
				md.first_error = prc ? prc : HL_ENOMEM;
			arena_free(&it->a);
			free(it);
			continue;
		}
		if (count == MAILIN_WINDOW) {
			finish(&md, window[head]);
			head = (head + 1) % MAILIN_WINDOW;
			count--;
		}
		window[(head + count) % MAILIN_WINDOW] = it;
		count++;
	}
	while (count) {
		finish(&md, window[head]);
		head = (head + 1) % MAILIN_WINDOW;
		count--;
	}
	buf_free(&raw);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(md.newfd);
	close(md.curfd);
	close(md.qfd);
	return rc ? rc : md.first_error;
}


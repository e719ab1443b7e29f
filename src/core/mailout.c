/* mailout.c — the outgoing mail queue, its templates and its sender
 * (see mailout.h for the delivery contract). */
#include "mailout.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "db.h"
#include "embedded.h"
#include "err.h"
#include "log.h"
#include "mail.h"
#include "receipt.h"
#include "reports.h"
#include "smtp.h"
#include "staff.h"
#include "timeutil.h"
#include "utf8.h"

#define MAILOUT_MAX_SUBJECT 900
#define MAILOUT_MAX_BODY (1u << 20)
#define MAILOUT_MAX_TEMPLATE (64u * 1024)
#define MAILOUT_MAX_STAFF_TEXT 5000 /* characters */
#define MAILOUT_ACTOR "system:mail"

static const char *const mailout_kinds[] = {"ack", "staff", "notice", "test", NULL};

/* ---- configuration (profile keys mail.*) -------------------------------- */

struct mo_config {
	const char *relay, *ca_file, *cred_file, *from, *from_name, *reply_to;
	bool starttls;
	int64_t retry_min, retry_max, poll, timeout;
};

static int64_t prof_int(struct hotline *hl, const char *key, int64_t dflt, int64_t min,
			int64_t max)
{
	const char *v = profile_get(hl->profile, key, NULL);
	char *end;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || n < min || n > max)
		return dflt;
	return n;
}

static bool prof_yes(struct hotline *hl, const char *key, bool dflt)
{
	const char *v = profile_get(hl->profile, key, NULL);
	if (!*v)
		return dflt;
	return strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	       strcmp(v, "on") == 0;
}

static void config_read(struct hotline *hl, struct mo_config *c)
{
	c->relay = profile_get(hl->profile, "mail.relay", NULL);
	c->starttls = prof_yes(hl, "mail.starttls", true);
	c->ca_file = profile_get(hl->profile, "mail.ca_file", NULL);
	c->cred_file = profile_get(hl->profile, "mail.credentials", NULL);
	c->from = profile_get(hl->profile, "mail.from", NULL);
	if (!*c->from)
		c->from = profile_get(hl->profile, "org_email", NULL);
	c->from_name = profile_get(hl->profile, "mail.from_name", NULL);
	if (!*c->from_name)
		c->from_name = profile_get(hl->profile, "org_name", NULL);
	c->reply_to = profile_get(hl->profile, "mail.reply_to", NULL);
	c->retry_min = prof_int(hl, "mail.retry_min_seconds", 60, 1, 86400);
	c->retry_max = prof_int(hl, "mail.retry_max_seconds", 3600, 1, 7 * 86400);
	if (c->retry_max < c->retry_min)
		c->retry_max = c->retry_min;
	c->poll = prof_int(hl, "mail.poll_seconds", 10, 1, 3600);
	c->timeout = prof_int(hl, "mail.timeout_seconds", 60, 3, 600);
}

bool mailout_configured(struct hotline *hl)
{
	return hl->profile && *profile_get(hl->profile, "mail.relay", NULL);
}

/* ---- queueing ------------------------------------------------------------ */

static const char *from_domain(struct hotline *hl)
{
	struct mo_config c;
	config_read(hl, &c);
	const char *at = strrchr(c.from, '@');
	return at && at[1] && !strpbrk(at + 1, "<> \t\r\n") ? at + 1 : "hotline.invalid";
}

int mailout_enqueue_db(struct hotline *hl, struct db *db, const struct mail_out *m,
		       const char *actor, int64_t *id_out)
{
	if (!m->kind || !report_in_list(mailout_kinds, m->kind) || !m->subject || !*m->subject ||
	    !m->body || !*m->body)
		return HL_EINVAL;
	size_t slen = strlen(m->subject), blen = strlen(m->body);
	if (slen > MAILOUT_MAX_SUBJECT || blen > MAILOUT_MAX_BODY || strpbrk(m->subject, "\r\n") ||
	    !utf8_valid(m->subject, slen) || !utf8_valid(m->body, blen))
		return HL_EINVAL;
	if (m->to ? !smtp_address_ok(m->to)
		  : !(m->ref_type && strcmp(m->ref_type, "report") == 0 && m->ref_id))
		return HL_EINVAL;
	if (m->reply_to && *m->reply_to && !smtp_address_ok(m->reply_to))
		return HL_EINVAL;
	struct store_mail_new n = {0};
	unsigned char *sealed = NULL;
	if (m->to) {
		size_t len = strlen(m->to);
		sealed = malloc(len + SEAL_OVERHEAD);
		if (!sealed)
			return HL_ENOMEM;
		seal_box(&hl->keys, m->to, len, sealed);
		n.to_sealed = sealed;
		n.to_sealed_len = len + SEAL_OVERHEAD;
	}
	unsigned char rnd[16];
	char hex[33], mid[320], now[21];
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	snprintf(mid, sizeof mid, "hotline.%s@%s", hex, from_domain(hl));
	time_now_iso(now);
	n.kind = m->kind;
	n.ref_type = m->ref_type;
	n.ref_id = m->ref_id;
	n.reply_to = m->reply_to && *m->reply_to ? m->reply_to : NULL;
	n.subject = m->subject;
	n.body = m->body;
	n.message_id = mid;
	n.created_by = actor ? actor : "system";
	n.created_at = now;
	n.next_at = (int64_t)time(NULL);
	int rc = store_mail_insert(db, &n, id_out);
	free(sealed);
	return rc;
}

int mailout_enqueue(struct hotline *hl, const struct mail_out *m, int64_t *id_out)
{
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = db_begin(db);
	if (!rc) {
		rc = mailout_enqueue_db(hl, db, m, "system", id_out);
		if (rc)
			db_rollback(db);
		else if (db_commit(db))
			rc = HL_EIO;
	}
	hotline_db_put(hl, db);
	if (!rc)
		mailout_wake();
	return rc;
}

/* ---- templates ------------------------------------------------------------ */

static int template_load(struct hotline *hl, const char *name, const char *lang, struct buf *out)
{
	char path[PATH_MAX];
	int w = snprintf(path, sizeof path, "%s/mail/%s/%s.txt", hl->data_dir, lang, name);
	if (w > 0 && (size_t)w < sizeof path) {
		FILE *f = fopen(path, "rb");
		if (f) {
			char chunk[4096];
			size_t n;
			int rc = 0;
			while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
				rc = buf_append(out, chunk, n);
			fclose(f);
			return rc;
		}
	}
	snprintf(path, sizeof path, "data/mail/%s/%s.txt", lang, name);
	const struct embedded_file *e = embedded_find(path);
	if (!e)
		return HL_ENOTFOUND;
	return buf_append(out, e->data, e->len);
}

static bool name_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 40)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static const char *var_value(struct hotline *hl, const char *const *vars, const char *name,
			     size_t len, const char *lang)
{
	for (size_t i = 0; vars && vars[i] && vars[i + 1]; i += 2)
		if (strlen(vars[i]) == len && memcmp(vars[i], name, len) == 0)
			return vars[i + 1];
	static const char *const prof[] = {"org_name", "org_email", "org_website", "org_phone", NULL};
	for (size_t i = 0; prof[i]; i++)
		if (strlen(prof[i]) == len && memcmp(prof[i], name, len) == 0)
			return profile_get(hl->profile, prof[i], lang);
	return "";
}

int mailout_render(struct hotline *hl, const char *template_name, const char *lang,
		   const char *const *vars, const char **subject, const char **body,
		   struct arena *a)
{
	if (!name_ok(template_name))
		return HL_ENOTFOUND;
	if (!lang || !report_in_list(report_languages, lang))
		lang = "en";
	struct buf t, out;
	buf_init(&t, MAILOUT_MAX_TEMPLATE);
	buf_init(&out, MAILOUT_MAX_BODY);
	int rc = template_load(hl, template_name, lang, &t);
	if (rc == HL_ENOTFOUND && strcmp(lang, "en") != 0)
		rc = template_load(hl, template_name, "en", &t);
	const char *s = buf_str(&t), *end = s + t.len;
	/* expand the whole file, then split the subject off */
	while (!rc && s < end) {
		const char *open = strstr(s, "{{");
		const char *close = open ? strstr(open + 2, "}}") : NULL;
		if (!open || !close) {
			rc = buf_append(&out, s, (size_t)(end - s));
			break;
		}
		rc = buf_append(&out, s, (size_t)(open - s));
		const char *nm = open + 2;
		while (*nm == ' ')
			nm++;
		size_t nlen = (size_t)(close - nm);
		while (nlen && nm[nlen - 1] == ' ')
			nlen--;
		if (!rc)
			rc = buf_puts(&out, var_value(hl, vars, nm, nlen, lang));
		s = close + 2;
	}
	if (!rc) {
		const char *txt = buf_str(&out);
		if (strncmp(txt, "Subject:", 8) != 0) {
			rc = HL_EINVAL;
		} else {
			const char *sub = txt + 8, *eol = strchr(sub, '\n');
			if (!eol)
				eol = sub + strlen(sub);
			while (*sub == ' ')
				sub++;
			size_t sl = (size_t)(eol - sub);
			while (sl && (sub[sl - 1] == '\r' || sub[sl - 1] == ' '))
				sl--;
			char *sj = arena_strndup(a, sub, sl);
			const char *b = *eol ? eol + 1 : eol;
			if (*b == '\r')
				b++;
			if (*b == '\n')
				b++;
			char *bd = arena_strdup(a, b);
			if (!sj || !bd) {
				rc = HL_ENOMEM;
			} else {
				for (char *p = sj; *p; p++)
					if (*p == '\r' || *p == '\n' || *p == '\t')
						*p = ' ';
				*subject = sj;
				*body = bd;
			}
		}
	}
	buf_free(&t);
	buf_free(&out);
	return rc;
}

/* ---- acknowledgements and staff messages ---------------------------------- */

int mailout_ack(struct hotline *hl, struct db *db, const char *number, const char *lang)
{
	if (!prof_yes(hl, "mail.ack", false))
		return HL_ENOTFOUND;
	if (!lang || !*lang)
		lang = profile_get(hl->profile, "mail.language", NULL);
	struct arena a;
	arena_init(&a, MAILOUT_MAX_BODY * 2);
	const char *vars[] = {"number", number, NULL};
	const char *subject, *body;
	int rc = mailout_render(hl, "ack", lang, vars, &subject, &body, &a);
	if (!rc) {
		struct mail_out m = {NULL, subject, body, "ack", "report", number, NULL};
		if (db)
			rc = mailout_enqueue_db(hl, db, &m, "system", NULL);
		else
			rc = mailout_enqueue(hl, &m, NULL);
	}
	arena_free(&a);
	return rc;
}

static const char *staff_text(const char *v, const char **code, struct arena *a)
{
	const char *t = report_trim(v, a);
	if (!t) {
		*code = "required";
		return NULL;
	}
	report_newlines_normalise(t);
	if (!utf8_valid(t, strlen(t)))
		*code = "utf8.invalid";
	else if (utf8_length(t) > MAILOUT_MAX_STAFF_TEXT)
		*code = "too_long";
	else if (utf8_has_controls(t, true))
		*code = "control_chars";
	else
		return t;
	return NULL;
}

int mailout_staff_write(struct hotline *hl, const struct staff_who *who, const char *number,
			const char *text, const char **code, struct arena *a)
{
	*code = NULL;
	char num[RECEIPT_NUMBER_SIZE];
	unsigned long long id = receipt_number_parse(number, num) ? receipt_number_id(num) : 0;
	if (!id)
		return HL_ENOTFOUND;
	const char *t = staff_text(text, code, a);
	if (!t)
		return HL_EINVAL;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = db_begin(db);
	if (rc) {
		hotline_db_put(hl, db);
		return HL_EIO;
	}
	struct store_report_row row;
	rc = store_report_get(db, (int64_t)id, &row, a);
	const char *subject = NULL, *body = NULL;
	int64_t mail_id = 0;
	if (!rc && (strcmp(row.channel, "email") != 0 || !row.contact_sealed)) {
		*code = "mail.no_address";
		rc = HL_EINVAL;
	}
	if (!rc) {
		const char *lang = row.language ? row.language
						: profile_get(hl->profile, "mail.language", NULL);
		const char *vars[] = {"number", row.number, "text", t, NULL};
		rc = mailout_render(hl, "staff", lang, vars, &subject, &body, a);
	}
	if (!rc) {
		struct mail_out m = {NULL, subject, body, "staff", "report", row.number, NULL};
		rc = mailout_enqueue_db(hl, db, &m, who->actor, &mail_id);
	}
	if (!rc) {
		char detail[40];
		snprintf(detail, sizeof detail, "mail %lld", (long long)mail_id);
		rc = audit_append_db(db, who->actor, "report.mail", "report", row.number, detail);
	}
	if (rc)
		db_rollback(db);
	else if (db_commit(db))
		rc = HL_EIO;
	hotline_db_put(hl, db);
	if (!rc)
		mailout_wake();
	return rc;
}

int mailout_requeue(struct hotline *hl, const char *actor, int64_t id)
{
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = db_begin(db);
	if (!rc) {
		rc = store_mail_requeue(db, id, (int64_t)time(NULL));
		char obj[24];
		snprintf(obj, sizeof obj, "%lld", (long long)id);
		if (!rc)
			rc = audit_append_db(db, actor, "mail.requeue", "mail", obj, NULL);
		if (rc)
			db_rollback(db);
		else if (db_commit(db))
			rc = HL_EIO;
	}
	hotline_db_put(hl, db);
	if (!rc)
		mailout_wake();
	return rc;
}

/* ---- delivery ------------------------------------------------------------- */

/* The address a message goes to, opened in memory (arena). */
static int recipient(struct hotline *hl, struct db *db, const struct store_mail_row *row,
		     const char **to, struct arena *a)
{
	const unsigned char *sealed = row->to_sealed;
	size_t len = row->to_sealed_len;
	bool contact = false;
	if (!sealed) {
		char num[RECEIPT_NUMBER_SIZE];
		unsigned long long id = row->ref_id && receipt_number_parse(row->ref_id, num)
						? receipt_number_id(num)
						: 0;
		struct store_report_row rep;
		if (!id || store_report_get(db, (int64_t)id, &rep, a) || !rep.contact_sealed)
			return HL_ENOTFOUND;
		sealed = rep.contact_sealed;
		len = rep.contact_sealed_len;
		contact = true;
	}
	if (len <= SEAL_OVERHEAD)
		return HL_ENOTFOUND;
	char *plain = arena_alloc(a, len - SEAL_OVERHEAD + 1);
	if (!plain)
		return HL_ENOMEM;
	if (seal_open(&hl->keys, sealed, len, plain))
		return HL_ECRYPTO;
	plain[len - SEAL_OVERHEAD] = '\0';
	if (!contact) {
		*to = plain;
		return 0;
	}
	json_t *j = json_loads(plain, 0, NULL);
	sodium_memzero(plain, len - SEAL_OVERHEAD);
	const char *e = json_string_value(json_object_get(j, "email"));
	*to = e ? arena_strdup(a, e) : NULL;
	json_decref(j);
	return *to ? 0 : HL_ENOTFOUND;
}

/* Applies the outcome of one attempt; retried a few times, as the relay
 * has the message already when it said 250. */
static int record(struct hotline *hl, const struct store_mail_row *row, int outcome,
		  const char *error, const struct mo_config *c)
{
	int rc = HL_EIO;
	for (int attempt = 0; attempt < 5 && rc; attempt++) {
		if (attempt)
			sleep(1);
		struct db *db = hotline_db(hl);
		if (!db)
			continue;
		rc = db_begin(db);
		if (rc) {
			hotline_db_put(hl, db);
			continue;
		}
		char now[21], detail[64], obj[24];
		time_now_iso(now);
		snprintf(obj, sizeof obj, "%lld", (long long)row->id);
		const char *otype = row->ref_type ? row->ref_type : "mail";
		const char *oid = row->ref_id ? row->ref_id : obj;
		if (outcome == 0) {
			rc = store_mail_sent(db, row->id, now);
			snprintf(detail, sizeof detail, "%s mail %lld", row->kind, (long long)row->id);
			if (!rc)
				rc = audit_append_db(db, MAILOUT_ACTOR, "mail.sent", otype, oid, detail);
		} else if (outcome == HL_EBUSY) {
			int64_t delay = c->retry_min;
			for (int64_t i = 1; i < row->attempts && delay < c->retry_max; i++)
				delay *= 2;
			if (delay > c->retry_max)
				delay = c->retry_max;
			rc = store_mail_retry(db, row->id, (int64_t)time(NULL) + delay, error);
		} else {
			rc = store_mail_failed(db, row->id, error);
			snprintf(detail, sizeof detail, "%s mail %lld", row->kind, (long long)row->id);
			if (!rc)
				rc = audit_append_db(db, MAILOUT_ACTOR, "mail.failed", otype, oid, detail);
		}
		if (rc == HL_ENOTFOUND) /* the lease ran out and someone else took it */
			rc = 0, db_rollback(db);
		else if (rc)
			db_rollback(db);
		else if (db_commit(db))
			rc = HL_EIO;
		hotline_db_put(hl, db);
	}
	if (rc)
		log_error("mail %lld: could not record the outcome of its sending", (long long)row->id);
	return rc;
}

static int deliver_one(struct hotline *hl, const struct mo_config *c, const char *user,
		       const char *password, int *outcome)
{
	struct arena a;
	arena_init(&a, 8u * MAILOUT_MAX_BODY);
	struct db *db = hotline_db(hl);
	if (!db) {
		arena_free(&a);
		return HL_EIO;
	}
	int64_t now = (int64_t)time(NULL);
	struct store_mail_row row;
	int rc = db_begin(db);
	if (!rc) {
		int64_t n = 0;
		rc = store_mail_unclaim(db, now, &n);
		if (!rc && n)
			log_info("mail: %lld message(s) left mid-send queued again", (long long)n);
		if (!rc)
			rc = store_mail_claim(db, now, now + 2 * c->timeout + 60, &row, &a);
		if (rc)
			db_rollback(db);
		else if (db_commit(db))
			rc = HL_EIO;
	}
	const char *to = NULL;
	int rrc = rc ? rc : recipient(hl, db, &row, &to, &a);
	hotline_db_put(hl, db);
	if (rc) {
		arena_free(&a);
		return rc; /* HL_ENOTFOUND: nothing due */
	}
	char err[256] = "";
	if (rrc) {
		*outcome = HL_EINVAL;
		snprintf(err, sizeof err, "no address to send to");
	} else {
		struct buf msg;
		buf_init(&msg, 2 * MAILOUT_MAX_BODY + 65536);
		struct smtp_message sm = {c->from, c->from_name, to,
					  row.reply_to ? row.reply_to
						       : (*c->reply_to ? c->reply_to : NULL),
					  row.subject, row.body, row.message_id, NULL,
					  strcmp(row.kind, "ack") == 0 || strcmp(row.kind, "notice") == 0};
		int wrc = smtp_message_write(&sm, &msg);
		if (wrc) {
			*outcome = wrc == HL_EINVAL && !smtp_address_ok(c->from) ? HL_EBUSY : HL_EINVAL;
			snprintf(err, sizeof err, "%s", smtp_address_ok(c->from)
							     ? "the message cannot be written"
							     : "configuration: mail.from is not an address");
		} else {
			struct smtp_config sc = {c->relay, c->starttls, c->ca_file, user, password,
						 c->from, c->timeout};
			int code;
			*outcome = smtp_send(&sc, to, msg.data, msg.len, &code, err, sizeof err);
		}
		buf_free(&msg);
		if (to)
			sodium_memzero((void *)to, strlen(to));
	}
	if (*outcome == HL_ENOMEM)
		*outcome = HL_EBUSY;
	rc = record(hl, &row, *outcome, err, c);
	if (*outcome)
		log_info("mail %lld (%s): %s", (long long)row.id, row.kind, err);
	arena_free(&a);
	return rc;
}

static int load_credentials(const struct mo_config *c, char **user, char **password)
{
	*user = *password = NULL;
	if (!*c->cred_file)
		return 0;
	int rc = smtp_credentials_load(c->cred_file, user, password);
	if (rc == HL_EPERM)
		log_error("mail.credentials %s: group or others may read it; chmod 600 it",
			  c->cred_file);
	else if (rc)
		log_error("mail.credentials %s: cannot be read (user on the first line, password"
			  " on the second)",
			  c->cred_file);
	return rc ? HL_EINVAL : 0;
}

static void forget_credentials(char *user, char *password)
{
	if (password)
		sodium_memzero(password, strlen(password));
	free(password);
	free(user);
}

static int config_check(const struct mo_config *c)
{
	if (strncmp(c->relay, "smtp://", 7) != 0 && strncmp(c->relay, "smtps://", 8) != 0) {
		log_error("mail.relay must be smtp://HOST:PORT or smtps://HOST:PORT");
		return HL_EINVAL;
	}
	if (!smtp_address_ok(c->from)) {
		log_error("mail.from (or org_email) must be an e-mail address");
		return HL_EINVAL;
	}
	return 0;
}

static int deliver_due(struct hotline *hl, const struct mo_config *c, const char *user,
		       const char *password, int max, int *sent, int *deferred, int *failed,
		       const bool *stopping)
{
	int rc = 0;
	for (int i = 0; i < max && !(stopping && __atomic_load_n(stopping, __ATOMIC_RELAXED)); i++) {
		int outcome = 0;
		rc = deliver_one(hl, c, user, password, &outcome);
		if (rc == HL_ENOTFOUND)
			return 0;
		if (rc)
			return rc;
		int *counter = outcome == 0 ? sent : outcome == HL_EBUSY ? deferred : failed;
		if (counter)
			(*counter)++;
	}
	return rc;
}

int mailout_deliver_due(struct hotline *hl, int max, int *sent, int *deferred, int *failed)
{
	struct mo_config c;
	config_read(hl, &c);
	if (!*c.relay || config_check(&c))
		return HL_EINVAL;
	char *user, *password;
	if (load_credentials(&c, &user, &password))
		return HL_EINVAL;
	int rc = deliver_due(hl, &c, user, password, max, sent, deferred, failed, NULL);
	forget_credentials(user, password);
	return rc;
}

/* ---- the sender thread ----------------------------------------------------- */

struct mailout_sender {
	struct hotline *hl;
	struct mo_config c;
	char *user, *password;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping, kicked;
};

static pthread_mutex_t sender_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mailout_sender *sender;

void mailout_wake(void)
{
	pthread_mutex_lock(&sender_lock);
	struct mailout_sender *s = sender;
	if (s) {
		pthread_mutex_lock(&s->lock);
		s->kicked = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
	}
	pthread_mutex_unlock(&sender_lock);
}

static void *sender_main(void *arg)
{
	struct mailout_sender *s = arg;
	pthread_setname_np(pthread_self(), "hl-mailout");
	for (;;) {
		pthread_mutex_lock(&s->lock);
		bool stop = s->stopping;
		s->kicked = false;
		pthread_mutex_unlock(&s->lock);
		if (stop)
			break;
		int rc = deliver_due(s->hl, &s->c, s->user, s->password, 50, NULL, NULL, NULL,
				     &s->stopping);
		/* sleep until the next message is due, a wake-up, or the poll
		 * interval (messages queued by other processes) */
		int64_t wait = s->c.poll, next = 0, now = (int64_t)time(NULL);
		struct db *db = rc ? NULL : hotline_db(s->hl);
		if (db && store_mail_next_due(db, &next) == 0)
			wait = next <= now ? 0 : next - now < wait ? next - now : wait;
		hotline_db_put(s->hl, db);
		if (rc)
			wait = s->c.poll;
		if (wait <= 0)
			continue;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += wait;
		pthread_mutex_lock(&s->lock);
		while (!s->stopping && !s->kicked)
			if (pthread_cond_timedwait(&s->wake, &s->lock, &until) != 0)
				break;
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

int mailout_start(struct hotline *hl)
{
	if (!mailout_configured(hl))
		return 0;
	struct mailout_sender *s = calloc(1, sizeof *s);
	if (!s)
		return HL_ENOMEM;
	s->hl = hl;
	config_read(hl, &s->c);
	if (config_check(&s->c) || load_credentials(&s->c, &s->user, &s->password)) {
		free(s);
		return HL_EINVAL;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&sender_lock);
	if (sender || pthread_create(&s->thread, NULL, sender_main, s) != 0) {
		pthread_mutex_unlock(&sender_lock);
		forget_credentials(s->user, s->password);
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->wake);
		free(s);
		return HL_ENOMEM;
	}
	sender = s;
	pthread_mutex_unlock(&sender_lock);
	log_info("mail: sending through %s", s->c.relay);
	return 0;
}

void mailout_stop(void)
{
	pthread_mutex_lock(&sender_lock);
	struct mailout_sender *s = sender;
	sender = NULL;
	pthread_mutex_unlock(&sender_lock);
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	__atomic_store_n(&s->stopping, true, __ATOMIC_RELAXED);
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	forget_credentials(s->user, s->password);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	free(s);
}

/* cmd_mail.c — `hotline mail`: take reports that arrive by e-mail (one
 * message piped by the mail server, or a Maildir), look at the outgoing
 * queue, send what is due, send a test message, and parse a message
 * without storing anything (for checking what ingest would read). */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "db.h"
#include "err.h"
#include "hotline.h"
#include "ingest.h"
#include "intake.h"
#include "mail.h"
#include "mailin.h"
#include "mailout.h"
#include "smtp.h"

/* sysexits.h's EX_TEMPFAIL: a mail server keeps the message and tries
 * again later, which is what a runtime failure of ingest must cause */
#define EXIT_TEMPFAIL 75

static void mail_help(void)
{
	printf("Usage: hotline mail ingest [--maildir DIR [--quarantine QDIR]] [--data DIR]\n"
	       "       hotline mail queue [--state STATE] [--limit N] [--json] [--data DIR]\n"
	       "       hotline mail flush [--data DIR]\n"
	       "       hotline mail send-test --to ADDRESS [--data DIR]\n"
	       "       hotline mail parse [FILE] [--json]\n\n"
	       "E-mail in and out.\n\n"
	       "  ingest     take one RFC 5322 message from standard input (a mail server\n"
	       "             pipes it here) and file it as a report (channel email). With\n"
	       "             --maildir, take every message in DIR/new: each moves to DIR/cur\n"
	       "             once its report is committed, or to the quarantine folder\n"
	       "             (default DIR/quarantine, with NAME.reason) when it holds\n"
	       "             nothing usable. A message taken before (same Message-ID and\n"
	       "             sender, or same bytes) is not filed twice.\n"
	       "  queue      list outgoing mail, newest first (recipients stay sealed)\n"
	       "  flush      send what is due now through the relay (mail.relay in the\n"
	       "             profile), without waiting for `hotline serve`\n"
	       "  send-test  queue a test message to ADDRESS and send what is due now\n"
	       "  parse      print what ingest reads in a message (FILE or standard\n"
	       "             input), storing nothing; attachments by size and SHA-256\n\n"
	       "Options:\n"
	       "  --data DIR        the data folder (default ./var)\n"
	       "  --maildir DIR     a Maildir (DIR/new, DIR/cur)\n"
	       "  --quarantine QDIR where unusable messages go (default DIR/quarantine)\n"
	       "  --state STATE     queued, sending, sent or failed\n"
	       "  --limit N         at most N rows (default 50)\n"
	       "  --json            one JSON object a line / a JSON object\n"
	       "  --help            show this help\n\n"
	       "Exit status of ingest (what a mail server acts on): 0 the message was taken,\n"
	       "or had been taken before; 1 bad arguments; 4 the message was refused (nothing\n"
	       "usable in it; the reason is printed); 75 it could not be stored now (the mail\n"
	       "server should try again). With --maildir: 0 every message was taken or\n"
	       "quarantined, 75 some stay in new/ for the next run.\n"
	       "Other commands: 0 done, 1 bad arguments, 2 runtime failure.\n");
}

static int read_all(FILE *f, struct buf *b)
{
	char chunk[65536];
	size_t n;
	int rc = 0;
	while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = buf_append(b, chunk, n);
	if (!rc && ferror(f))
		rc = HL_EIO;
	return rc;
}

/* ---- parse ---------------------------------------------------------------- */

static int parse_attachment(void *arg, const void *data, size_t len, const char *name,
			    const char *type)
{
	json_t *arr = arg;
	unsigned char h[32];
	char hex[65];
	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	json_array_append_new(arr, json_pack("{s:s?, s:s?, s:I, s:s}", "name", name, "type", type,
					     "size", (json_int_t)len, "sha256", hex));
	return 0;
}

static int mail_parse_cmd(const char *file, bool json)
{
	FILE *f = file ? fopen(file, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "hotline mail: cannot read %s\n", file);
		return EXIT_RUNTIME;
	}
	struct buf b;
	buf_init(&b, MAIL_MAX_BYTES + 1);
	int rc = read_all(f, &b);
	if (file)
		fclose(f);
	struct arena a;
	arena_init(&a, 256u << 20);
	json_t *atts = json_array();
	struct mail_parsed p;
	if (rc == HL_ETOOBIG)
		rc = HL_ETOOBIG;
	else if (!rc)
		rc = mail_parse(b.data ? b.data : "", b.len, parse_attachment, atts, &p, &a);
	buf_free(&b);
	int status = 0;
	if (rc) {
		const char *reason = rc == HL_ETOOBIG ? "mail.too_big"
				     : rc == HL_EINVAL ? "mail.not_a_message"
						       : "error";
		if (json)
			printf("{\"usable\":false,\"reason\":\"%s\"}\n", reason);
		else
			printf("refused: %s\n", reason);
		status = rc == HL_ETOOBIG || rc == HL_EINVAL ? EXIT_INVALID : EXIT_RUNTIME;
	} else {
		json_t *urls = json_array(), *warns = json_array();
		for (size_t i = 0; i < p.nurls; i++)
			json_array_append_new(urls, json_string(p.urls[i]));
		for (size_t i = 0; i < p.nwarnings; i++)
			json_array_append_new(warns, json_string(p.warnings[i]));
		bool usable = mail_usable(&p);
		json_t *o = json_pack("{s:b, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:o, s:o, s:o,"
				      " s:I, s:I, s:s}",
				      "usable", usable, "from", p.from_addr, "from_name", p.from_name,
				      "subject", p.subject, "date", p.date, "message_id", p.message_id,
				      "language", p.language, "text", p.text, "urls", urls,
				      "attachments", atts, "warnings", warns, "parts",
				      (json_int_t)p.nparts, "forwarded", (json_int_t)p.nforwarded,
				      "digest", p.digest);
		atts = NULL;
		if (!usable)
			json_object_set_new(o, "reason", json_string("mail.empty"));
		char *s = json_dumps(o, json ? JSON_COMPACT : JSON_INDENT(2));
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
		status = usable ? 0 : EXIT_INVALID;
	}
	json_decref(atts);
	arena_free(&a);
	return status;
}

/* ---- ingest ----------------------------------------------------------------- */

static int open_for_ingest(struct hotline *hl, const char *data)
{
	/* the intake and the hash lists, without the in-memory triage queue */
	struct hotline_options ho = {.data_dir = data, .start_intake = 1, .no_queue = 1};
	int rc = hotline_open(hl, &ho);
	if (rc)
		fprintf(stderr, "hotline mail: cannot open the data folder %s%s\n", data,
			rc == HL_EPERM ? ": the key file must be readable by its owner only" : "");
	return rc;
}

static int ingest_stdin(const char *data)
{
	struct buf b;
	buf_init(&b, MAIL_MAX_BYTES + 1);
	int rc = read_all(stdin, &b);
	if (rc == HL_ETOOBIG) {
		buf_free(&b);
		fprintf(stderr, "hotline mail ingest: refused: the message is larger than %u bytes"
				" (mail.too_big)\n",
			MAIL_MAX_BYTES);
		return EXIT_INVALID;
	}
	if (rc) {
		buf_free(&b);
		fprintf(stderr, "hotline mail ingest: cannot read standard input\n");
		return EXIT_TEMPFAIL;
	}
	struct hotline hl;
	if (open_for_ingest(&hl, data)) {
		buf_free(&b);
		return EXIT_TEMPFAIL;
	}
	struct mailin_result res;
	rc = mailin_message(&hl, b.data ? b.data : "", b.len, &res);
	hotline_close(&hl);
	buf_free(&b);
	if (rc) {
		fprintf(stderr, "hotline mail ingest: the report could not be stored now; try again\n");
		return EXIT_TEMPFAIL;
	}
	switch (res.outcome) {
	case MAILIN_NEW:
		printf("report %s\n", res.number);
		return 0;
	case MAILIN_TAKEN:
		printf("already taken as report %s\n", res.number);
		return 0;
	default:
		fprintf(stderr, "hotline mail ingest: refused: %s (%s)\n",
			strcmp(res.reason, "mail.not_a_message") == 0
				? "this is not an e-mail message"
			: strcmp(res.reason, "mail.too_big") == 0 ? "the message is too large"
								  : "the message holds nothing to report",
			res.reason);
		return EXIT_INVALID;
	}
}

static int ingest_maildir(const char *data, const char *dir, const char *qdir)
{
	struct hotline hl;
	if (open_for_ingest(&hl, data))
		return EXIT_TEMPFAIL;
	struct mailin_stats st;
	int rc = mailin_maildir(&hl, dir, qdir, &st);
	hotline_close(&hl);
	printf("taken %" PRIu64 ", taken before %" PRIu64 ", quarantined %" PRIu64
	       ", left in new %" PRIu64 "\n",
	       st.taken, st.duplicates, st.quarantined, st.failed);
	if (rc) {
		fprintf(stderr, "hotline mail ingest: %s\n",
			st.failed ? "some messages stay in new/ for the next run"
				  : "cannot read the Maildir");
		return EXIT_TEMPFAIL;
	}
	return 0;
}

/* ---- queue, flush, send-test -------------------------------------------------- */

struct queue_print {
	bool json;
};

static void queue_row(void *arg, const struct store_mail_row *m)
{
	struct queue_print *qp = arg;
	if (qp->json) {
		json_t *o = json_pack("{s:I, s:s, s:s?, s:s?, s:s, s:s, s:I, s:s?, s:s, s:s?, s:s}",
				      "id", (json_int_t)m->id, "kind", m->kind, "ref_type",
				      m->ref_type, "ref_id", m->ref_id, "subject", m->subject,
				      "state", m->state, "attempts", (json_int_t)m->attempts,
				      "last_error", m->last_error, "created_at", m->created_at,
				      "sent_at", m->sent_at, "created_by", m->created_by);
		char *s = json_dumps(o, JSON_COMPACT);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
	} else {
		printf("%" PRId64 "\t%s\t%s\t%s%s%s\t%" PRId64 "\t%s\t%s\n", m->id, m->state, m->kind,
		       m->ref_type ? m->ref_type : "", m->ref_id ? ":" : "",
		       m->ref_id ? m->ref_id : "", m->attempts, m->created_at,
		       m->last_error ? m->last_error : "");
	}
}

static int queue_cmd(const char *data, const char *state, long limit, bool json)
{
	struct hotline hl;
	struct hotline_options ho = {.data_dir = data};
	if (hotline_open(&hl, &ho)) {
		fprintf(stderr, "hotline mail: cannot open the data folder %s\n", data);
		return EXIT_RUNTIME;
	}
	struct arena a;
	arena_init(&a, 256u << 20);
	struct queue_print qp = {json};
	struct db *db = hotline_db(&hl);
	int rc = db ? store_mail_list(db, state, 0, limit, queue_row, &qp, &a) : HL_EIO;
	hotline_db_put(&hl, db);
	arena_free(&a);
	hotline_close(&hl);
	if (rc) {
		fprintf(stderr, "hotline mail: cannot read the queue\n");
		return EXIT_RUNTIME;
	}
	return 0;
}

static int flush_cmd(const char *data, const char *test_to)
{
	struct hotline hl;
	struct hotline_options ho = {.data_dir = data};
	if (hotline_open(&hl, &ho)) {
		fprintf(stderr, "hotline mail: cannot open the data folder %s\n", data);
		return EXIT_RUNTIME;
	}
	int status = 0;
	if (!mailout_configured(&hl)) {
		fprintf(stderr, "hotline mail: no relay configured (mail.relay in the profile)\n");
		hotline_close(&hl);
		return EXIT_RUNTIME;
	}
	if (test_to) {
		struct arena a;
		arena_init(&a, 4u << 20);
		const char *subject, *body;
		int64_t id = 0;
		int rc = mailout_render(&hl, "test", NULL, NULL, &subject, &body, &a);
		if (!rc) {
			struct mail_out m = {test_to, subject, body, "test", NULL, NULL, NULL};
			rc = mailout_enqueue(&hl, &m, &id);
		}
		arena_free(&a);
		if (rc) {
			fprintf(stderr, "hotline mail send-test: %s\n",
				rc == HL_EINVAL ? "not an address" : "cannot queue the message");
			hotline_close(&hl);
			return rc == HL_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		}
		printf("queued test message %" PRId64 "\n", id);
	}
	int sent = 0, deferred = 0, failed = 0;
	int rc = mailout_deliver_due(&hl, 1000, &sent, &deferred, &failed);
	hotline_close(&hl);
	printf("sent %d, to retry %d, failed %d\n", sent, deferred, failed);
	if (rc) {
		fprintf(stderr, "hotline mail: %s\n", rc == HL_EINVAL ? "the mail settings are unusable"
								       : "cannot use the database");
		status = EXIT_RUNTIME;
	} else if (test_to && (deferred || failed)) {
		status = EXIT_RUNTIME;
	}
	return status;
}

int cmd_mail(int argc, char **argv)
{
	const char *data = "./var", *maildir = NULL, *qdir = NULL, *state = NULL, *to = NULL;
	long limit = 50;
	bool json = false;
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},	     {"maildir", required_argument, NULL, 'm'},
		{"quarantine", required_argument, NULL, 'q'}, {"state", required_argument, NULL, 's'},
		{"limit", required_argument, NULL, 'l'},     {"to", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},	     {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 'm': maildir = optarg; break;
		case 'q': qdir = optarg; break;
		case 's': state = optarg; break;
		case 't': to = optarg; break;
		case 'j': json = true; break;
		case 'l': {
			char *end;
			limit = strtol(optarg, &end, 10);
			if (!*optarg || *end || limit < 1 || limit > 100000) {
				cli_usage_error("mail", "--limit wants a number from 1 to 100000");
				return EXIT_USAGE;
			}
			break;
		}
		case 'h': mail_help(); return 0;
		default:
			cli_usage_error("mail", "unknown or incomplete option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_usage_error("mail", "expected: mail ingest|queue|flush|send-test|parse");
		return EXIT_USAGE;
	}
	const char *sub = argv[optind];
	int extra = argc - optind - 1;
	if (strcmp(sub, "parse") == 0) {
		if (extra > 1) {
			cli_usage_error("mail", "parse takes at most one file");
			return EXIT_USAGE;
		}
		return mail_parse_cmd(extra ? argv[optind + 1] : NULL, json);
	}
	if (extra) {
		cli_usage_error("mail", "unexpected argument '%s'", argv[optind + 1]);
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(sub, "ingest") == 0) {
		if (qdir && !maildir) {
			cli_usage_error("mail", "--quarantine goes with --maildir");
			return EXIT_USAGE;
		}
		return maildir ? ingest_maildir(data, maildir, qdir) : ingest_stdin(data);
	}
	if (strcmp(sub, "queue") == 0) {
		if (state && strcmp(state, "queued") != 0 && strcmp(state, "sending") != 0 &&
		    strcmp(state, "sent") != 0 && strcmp(state, "failed") != 0) {
			cli_usage_error("mail", "--state is queued, sending, sent or failed");
			return EXIT_USAGE;
		}
		return queue_cmd(data, state, limit, json);
	}
	if (strcmp(sub, "flush") == 0)
		return flush_cmd(data, NULL);
	if (strcmp(sub, "send-test") == 0) {
		if (!to || !smtp_address_ok(to)) {
			cli_usage_error("mail", "send-test wants --to ADDRESS");
			return EXIT_USAGE;
		}
		return flush_cmd(data, to);
	}
	cli_usage_error("mail", "unknown mail command '%s'", sub);
	return EXIT_USAGE;
}

/* bench_mail_ingest.c — messages ingested per second from a Maildir:
 * writes N messages (default 10,000) into DIR/Maildir/new, a mix of what
 * a hotline receives (plain text, multipart/alternative in quoted-
 * printable Latin-1, base64 UTF-8, a forwarded message, one with a small
 * PNG attached), then times mailin_maildir over them, the code path of
 * `hotline mail ingest --maildir` (parse, hash attachments, group commit
 * with synchronous=FULL, move to cur/). A second pass over the same
 * messages delivered again times the duplicate path.
 *
 *   build/bench_mail_ingest [--n N] [--dir DIR]
 *
 * DIR (default a new folder under /tmp) must not hold a data folder yet.
 * Exit status: 0, or 2 on a usage or system error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hotline.h"
#include "mailin.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* a 4x4 red PNG, made once by tests/data/mail/make_corpus.py's png() */
static const char PNG_B64[] =
	"iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEklEQVR4nGM4IMcABwxkswEASW8Z4XNj+usAAAAASUVORK5CYII=";

static int write_message(const char *dir, int i)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/new/%010d.%d.bench", dir, 1700000000 + i, i);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	fprintf(f, "From: Reporter %d <reporter.%d@example.org>\r\nTo: report@example.org\r\n"
		   "Date: Tue, 03 Mar 2026 10:15:00 +0100\r\nMessage-ID: <bench-%d@example.org>\r\n"
		   "MIME-Version: 1.0\r\n",
		i, i, i);
	switch (i % 5) {
	case 0:
		fprintf(f, "Subject: Worrying website %d\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
			   "Hello,\r\n\r\nI found this page: https://site%d.example.org/gallery?id=%d\r\n"
			   "and this one: https://other.example.org/p/%d. Thank you.\r\n",
			i, i % 500, i, i);
		break;
	case 1:
		fprintf(f, "Subject: =?ISO-8859-1?Q?Lien_inqui=E9tant?=\r\n"
			   "Content-Type: multipart/alternative; boundary=\"b%d\"\r\n\r\n"
			   "--b%d\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"
			   "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
			   "Bonjour, j'ai re=E7u ce lien tr=E8s inqui=E9tant : https://fr%d.example.org/=\r\n"
			   "page\r\n--b%d\r\nContent-Type: text/html; charset=ISO-8859-1\r\n\r\n"
			   "<p>Bonjour, j'ai re&ccedil;u <a href=\"https://fr%d.example.org/page\">ce lien</a></p>\r\n"
			   "--b%d--\r\n",
			i, i, i % 300, i, i % 300, i);
		break;
	case 2:
		fprintf(f, "Subject: Melding\r\nContent-Type: text/plain; charset=UTF-8\r\n"
			   "Content-Transfer-Encoding: base64\r\n\r\n"
			   "SWsgaGViIGVlbiB3ZWJzaXRlIGdldm9uZGVuOiBodHRwczovL25sLmV4YW1wbGUub3JnL2ZvdG8g\r\n"
			   "ZW4gaGV0IGlzIG5pZXQgZGUgZWVyc3RlIGtlZXIuIEpvw6tsbGU=\r\n");
		break;
	case 3:
		fprintf(f, "Subject: Fwd: look\r\nContent-Type: multipart/mixed; boundary=\"f%d\"\r\n\r\n"
			   "--f%d\r\nContent-Type: text/plain\r\n\r\nMy son received this.\r\n"
			   "--f%d\r\nContent-Type: message/rfc822\r\n\r\n"
			   "From: Someone <someone@example.org>\r\nSubject: look\r\n"
			   "Content-Type: text/plain\r\n\r\nlook at hxxp://fwd%d.example[.]org/x\r\n"
			   "--f%d--\r\n",
			i, i, i, i % 200, i);
		break;
	default:
		fprintf(f, "Subject: Screenshot\r\nContent-Type: multipart/mixed; boundary=\"m%d\"\r\n\r\n"
			   "--m%d\r\nContent-Type: text/plain\r\n\r\nA screenshot of https://shot.example.org/%d\r\n"
			   "--m%d\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
			   "Content-Disposition: attachment; filename=\"shot%d.png\"\r\n\r\n%s\r\n--m%d--\r\n",
			i, i, i, i, i, PNG_B64, i);
		break;
	}
	return fclose(f) == 0 ? 0 : -1;
}

static int fill(const char *md, int n, int offset)
{
	for (int i = 0; i < n; i++)
		if (write_message(md, i + offset))
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int n = 10000;
	char dir[4096] = "";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--n") == 0 && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			snprintf(dir, sizeof dir, "%s", argv[++i]);
		else {
			fprintf(stderr, "usage: bench_mail_ingest [--n N] [--dir DIR]\n");
			return 2;
		}
	}
	if (n < 1) {
		fprintf(stderr, "--n wants a number from 1\n");
		return 2;
	}
	if (!*dir) {
		snprintf(dir, sizeof dir, "/tmp/hotline-bench-mail-XXXXXX");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			return 2;
		}
	}
	char data[4200], md[4200], sub[4300];
	snprintf(data, sizeof data, "%s/var", dir);
	snprintf(md, sizeof md, "%s/Maildir", dir);
	mkdir(md, 0700);
	for (int k = 0; k < 3; k++) {
		snprintf(sub, sizeof sub, "%s/%s", md, k == 0 ? "new" : k == 1 ? "cur" : "tmp");
		if (mkdir(sub, 0700) != 0 && errno != EEXIST) {
			perror(sub);
			return 2;
		}
	}
	if (fill(md, n, 0) || hotline_init_data(data, NULL)) {
		fprintf(stderr, "cannot write the Maildir or the data folder in %s\n", dir);
		return 2;
	}
	struct hotline hl;
	struct hotline_options ho = {.data_dir = data, .start_intake = 1, .no_queue = 1};
	if (hotline_open(&hl, &ho)) {
		fprintf(stderr, "cannot open %s\n", data);
		return 2;
	}
	struct mailin_stats st;
	double t0 = now();
	int rc = mailin_maildir(&hl, md, NULL, &st);
	double t1 = now();
	printf("maildir of %d messages: taken %llu, quarantined %llu, failed %llu in %.2f s:"
	       " %.0f messages/s\n",
	       n, (unsigned long long)st.taken, (unsigned long long)st.quarantined,
	       (unsigned long long)st.failed, t1 - t0, n / (t1 - t0));
	/* the same messages delivered again: recognised, not filed twice */
	if (!rc && fill(md, n, 0) == 0) {
		t0 = now();
		rc = mailin_maildir(&hl, md, NULL, &st);
		t1 = now();
		printf("delivered again: taken %llu, taken before %llu in %.2f s: %.0f messages/s\n",
		       (unsigned long long)st.taken, (unsigned long long)st.duplicates, t1 - t0,
		       n / (t1 - t0));
	}
	hotline_close(&hl);
	return rc ? 2 : 0;
}

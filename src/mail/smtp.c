/* smtp.c — one message to one recipient through an SMTP relay (libcurl),
 * and the message's text (see smtp.h). */
#include "smtp.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "utf8.h"

#define SMTP_CRED_MAX 4096

int smtp_credentials_load(const char *path, char **user, char **password)
{
	*user = *password = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return HL_EIO;
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return HL_EIO;
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return HL_EPERM;
	}
	char text[SMTP_CRED_MAX + 1];
	size_t n = 0;
	ssize_t r;
	while (n < SMTP_CRED_MAX && (r = read(fd, text + n, SMTP_CRED_MAX - n)) > 0)
		n += (size_t)r;
	close(fd);
	text[n] = '\0';
	char *nl = strchr(text, '\n');
	int rc = HL_EINVAL;
	if (nl && nl > text) {
		char *pw = nl + 1, *end = strchr(pw, '\n');
		if (!end)
			end = text + n;
		*nl = '\0';
		if (nl[-1] == '\r')
			nl[-1] = '\0';
		if (end > pw && end[-1] == '\r')
			end--;
		*end = '\0';
		if (*text && *pw && !utf8_has_controls(text, false) && !utf8_has_controls(pw, false)) {
			*user = strdup(text);
			*password = strdup(pw);
			rc = (*user && *password) ? 0 : HL_ENOMEM;
			if (rc) {
				free(*user);
				free(*password);
				*user = *password = NULL;
			}
		}
	}
	sodium_memzero(text, sizeof text);
	return rc;
}

bool smtp_address_ok(const char *s)
{
	if (!s)
		return false;
	size_t len = strlen(s);
	if (len < 3 || len > 254 || !utf8_valid(s, len) || utf8_has_controls(s, false))
		return false;
	const char *at = strrchr(s, '@');
	if (!at || at == s || !at[1] || strchr(s, '@') != at)
		return false;
	for (const char *p = s; *p; p++)
		if (strchr(" \t<>,;:\"()[]\\", *p))
			return false;
	return strchr(at, '.') != NULL && at[strlen(at) - 1] != '.';
}

static bool has_break(const char *s)
{
	return s && (strchr(s, '\r') || strchr(s, '\n'));
}

static bool all_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x7f || (unsigned char)*s < 0x20)
			return false;
	return true;
}

/* RFC 2047 encoded words of s (UTF-8, base64), folded between words. */
static int put_encoded_words(struct buf *out, const char *s)
{
	size_t len = strlen(s), i = 0;
	int rc = 0;
	bool first = true;
	while (i < len && !rc) {
		size_t take = len - i > 39 ? 39 : len - i; /* 52 base64 characters a word */
		/* never split a UTF-8 sequence */
		while (take < len - i && take > 0 && ((unsigned char)s[i + take] & 0xC0) == 0x80)
			take--;
		if (!take)
			take = 1;
		char b64[80];
		sodium_bin2base64(b64, sizeof b64, (const unsigned char *)s + i, take,
				  sodium_base64_VARIANT_ORIGINAL);
		rc = buf_printf(out, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", b64);
		first = false;
		i += take;
	}
	return rc;
}

static int put_header_text(struct buf *out, const char *name, const char *value)
{
	int rc = buf_printf(out, "%s: ", name);
	if (!rc)
		rc = all_ascii(value) ? buf_puts(out, value) : put_encoded_words(out, value);
	return rc ? rc : buf_puts(out, "\r\n");
}

static int put_date(struct buf *out)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	return buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
			  tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
			  tm.tm_sec);
}

/* The body as quoted-printable with CRLF line ends (RFC 2045 6.7). */
static int put_qp(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int col = 0, rc = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
		unsigned char c = *p;
		if (c == '\r' && p[1] == '\n')
			continue;
		if (c == '\n' || c == '\r') {
			rc = buf_puts(out, "\r\n");
			col = 0;
			continue;
		}
		bool at_eol = p[1] == '\0' || p[1] == '\n' || p[1] == '\r';
		bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
		/* a line starting with "." or "From " is left literal: curl dot-stuffs */
		int need = literal ? 1 : 3;
		if (col + need > 75) {
			rc = buf_puts(out, "=\r\n");
			col = 0;
		}
		if (rc)
			break;
		if (literal) {
			rc = buf_putc(out, (char)c);
		} else {
			char e[3] = {'=', hex[c >> 4], hex[c & 15]};
			rc = buf_append(out, e, 3);
		}
		col += need;
	}
	return rc;
}

int smtp_message_write(const struct smtp_message *m, struct buf *out)
{
	if (!smtp_address_ok(m->from) || !smtp_address_ok(m->to) ||
	    (m->reply_to && !smtp_address_ok(m->reply_to)) || !m->subject || !m->body ||
	    has_break(m->subject) || has_break(m->from_name) || !m->message_id ||
	    has_break(m->message_id) || strchr(m->message_id, '>') ||
	    !utf8_valid(m->subject, strlen(m->subject)) || !utf8_valid(m->body, strlen(m->body)) ||
	    (m->from_name && !utf8_valid(m->from_name, strlen(m->from_name))))
		return HL_EINVAL;
	int rc = 0;
	if (m->from_name && *m->from_name) {
		if (all_ascii(m->from_name) && !strpbrk(m->from_name, "\"\\")) {
			rc = buf_printf(out, "From: \"%s\" <%s>\r\n", m->from_name, m->from);
		} else {
			rc = buf_puts(out, "From: ");
			if (!rc)
				rc = put_encoded_words(out, m->from_name);
			if (!rc)
				rc = buf_printf(out, " <%s>\r\n", m->from);
		}
	} else {
		rc = buf_printf(out, "From: <%s>\r\n", m->from);
	}
	if (!rc)
		rc = buf_printf(out, "To: <%s>\r\n", m->to);
	if (!rc && m->reply_to)
		rc = buf_printf(out, "Reply-To: <%s>\r\n", m->reply_to);
	if (!rc)
		rc = put_header_text(out, "Subject", m->subject);
	if (!rc)
		rc = m->date ? buf_printf(out, "Date: %s\r\n", m->date) : put_date(out);
	if (!rc)
		rc = buf_printf(out, "Message-ID: <%s>\r\n", m->message_id);
	if (!rc && m->auto_submitted)
		rc = buf_puts(out, "Auto-Submitted: auto-generated\r\n");
	if (!rc)
		rc = buf_puts(out, "MIME-Version: 1.0\r\n"
				   "Content-Type: text/plain; charset=utf-8\r\n"
				   "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	if (!rc)
		rc = put_qp(out, m->body);
	if (!rc && (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0))
		rc = buf_puts(out, "\r\n");
	return rc;
}

struct upload {
	const char *p;
	size_t left;
};

static size_t upload_read(char *dst, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t want = size * n;
	if (want > u->left)
		want = u->left;
	memcpy(dst, u->p, want);
	u->p += want;
	u->left -= want;
	return want;
}

static void smtp_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int smtp_send(const struct smtp_config *c, const char *to, const char *msg, size_t len, int *code,
	      char *err, size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, smtp_global_init);
	*code = 0;
	if (errlen)
		err[0] = '\0';
	if (!c->url || !smtp_address_ok(c->from) || !smtp_address_ok(to)) {
		snprintf(err, errlen, "configuration: relay or sender address missing or invalid");
		return HL_EBUSY; /* the configuration may be fixed: keep the message */
	}
	CURL *h = curl_easy_init();
	if (!h)
		return HL_ENOMEM;
	char from[300], rcpt[300];
	snprintf(from, sizeof from, "<%s>", c->from);
	snprintf(rcpt, sizeof rcpt, "<%s>", to);
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
	struct upload u = {msg, len};
	long timeout = c->timeout_s > 0 ? c->timeout_s : 60;
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout / 3 > 0 ? timeout / 3 : 1L);
	if (c->starttls)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (c->ca_file && *c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->user && *c->user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &u);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	CURLcode res = rcpts ? curl_easy_perform(h) : CURLE_OUT_OF_MEMORY;
	long resp = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp);
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(h);
	*code = (int)resp;
	if (res == CURLE_OK)
		return 0;
	if (res == CURLE_OUT_OF_MEMORY)
		return HL_ENOMEM;
	snprintf(err, errlen, "%s%s%ld", curl_easy_strerror(res), resp ? "; relay said " : "",
		 resp);
	if (!resp)
		snprintf(err, errlen, "%s", curl_easy_strerror(res));
	/* a refusal for good: the relay answered 5xx to the envelope or the data;
	 * a refused login or TLS is the configuration's problem: keep trying */
	if (resp >= 500 && resp < 600 && res != CURLE_LOGIN_DENIED && res != CURLE_USE_SSL_FAILED)
		return HL_EINVAL;
	return HL_EBUSY;
}

/* send_email: the second step of the signup example. Builds an RFC 5322
 * verification message for {email, name, verificationToken} and sends it
 * over SMTP (libcurl, SMTP_URL) or, without SMTP_URL, delivers it into a
 * Maildir (MAILDIR). Returns {messageId, delivered, transport, to}. */
#include <sluice.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signup.h"

#define TOKEN_MAX 256
#define DEFAULT_VERIFY_URL "http://localhost:8990/verify?token="
#define DEFAULT_FROM "no-reply@sluice.localhost"
#define DEFAULT_FROM_NAME "Sluice"
#define SUBJECT "Please verify your email address"
#define MSGID_LEN 128
#define RND_HEX 16 /* random hex digits in a Message-ID and a Maildir name */
/* RFC 2047: an encoded-word is at most 75 characters; 45 bytes of text
 * make 60 of base64, which leaves room for "=?UTF-8?B?" and "?=". */
#define EW_CHUNK 45

/* What a delivery needs, all borrowed or inside the struct. */
struct mail {
	const char *to;
	const char *name; /* may be NULL */
	const char *from;
	const char *from_name;
	char *text;       /* the whole message; owned */
	size_t len;
	char msgid[MSGID_LEN];
	/* Random hex, drawn at once: the Message-ID's, then the Maildir
	 * name's. */
	char rnd[2 * RND_HEX + 1];
};

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* A message being built: it grows as needed, and after a failed
 * allocation it only remembers the failure (checked once, at the end). */
struct text {
	char *p;         /* NUL-terminated; owned */
	size_t len, size;
	int oom;
	const char *eol; /* line end: "\r\n" on the wire, "\n" in a Maildir */
};

static void
text_add(struct text *t, const char *s, size_t n)
{
	size_t size;
	char *p;

	if (t->oom)
		return;
	if (t->len + n >= t->size) {
		for (size = t->size ? t->size : 1024; t->len + n >= size;)
			size *= 2;
		if ((p = realloc(t->p, size)) == NULL) {
			t->oom = 1;
			return;
		}
		t->p = p;
		t->size = size;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void
text_put(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

/* s, then the line end. */
static void
text_line(struct text *t, const char *s)
{
	text_put(t, s);
	text_put(t, t->eol);
}

/* Base64 of n bytes of p, without line breaks. */
static void
text_base64(struct text *t, const unsigned char *p, size_t n)
{
	char q[4];
	size_t i;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = b64[(v >> 6) & 63];
		q[3] = b64[v & 63];
		text_add(t, q, 4);
	}
	if (i < n) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		q[3] = '=';
		text_add(t, q, 4);
	}
}

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* A display name as a quoted-string (ASCII) or as RFC 2047 encoded-words
 * split at character boundaries (anything else), so no header line grows
 * past 78 characters and no CR or LF can get in (the caller has checked
 * that name has no control characters). */
static void
text_display_name(struct text *t, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n, len;

	if (is_ascii(name)) {
		text_add(t, "\"", 1);
		while (*p != '\0') {
			n = strcspn((const char *)p, "\"\\");
			text_add(t, (const char *)p, n);
			p += n;
			if (*p != '\0') {
				text_add(t, "\\", 1);
				text_add(t, (const char *)p++, 1);
			}
		}
		text_add(t, "\"", 1);
		return;
	}
	len = strlen(name);
	while (len > 0) {
		n = len < EW_CHUNK ? len : EW_CHUNK;
		/* Back up to the start of a UTF-8 sequence. */
		while (n < len && n > 0 && (p[n] & 0xc0) == 0x80)
			n--;
		text_put(t, "=?UTF-8?B?");
		text_base64(t, p, n);
		text_put(t, "?=");
		p += n;
		len -= n;
		if (len > 0) {
			text_put(t, t->eol);
			text_add(t, " ", 1);
		}
	}
}

/* RFC 5322 3.3 date-time, in UTC, without locale. */
static void
text_date(struct text *t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
		"May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;
	char date[64];

	gmtime_r(&now, &tm);
	snprintf(date, sizeof(date), "Date: %s, %02d %s %04d %02d:%02d:%02d "
	    "+0000", days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	text_line(t, date);
}

/* The body, which the caller encodes; its own line ends are CRLF, as
 * MIME's canonical form wants of text that is base64-encoded. */
static void
text_body(struct text *t, const char *name, const char *url)
{
	if (name != NULL) {
		text_put(t, "Hello ");
		text_put(t, name);
		text_put(t, ",\r\n\r\n");
	} else
		text_put(t, "Hello,\r\n\r\n");
	text_put(t, "thank you for signing up. Please confirm your email "
	    "address by opening\r\nthis link:\r\n\r\n");
	text_put(t, url);
	text_put(t, "\r\n\r\nIf you did not sign up, you can ignore this "
	    "message.\r\n");
}

/* Build the whole message into m->text with eol line ends. Returns 0 or
 * -1 (out of memory or no randomness, with errno). */
static int
build_message(struct mail *m, const char *url, const char *eol)
{
	struct text t = { .eol = eol }, body = { .eol = eol };
	const char *domain, *p, *nl;
	struct timespec ts;
	size_t i;

	if (signup_random_hex(m->rnd, RND_HEX) == -1)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	domain = strchr(m->from, '@') + 1;
	snprintf(m->msgid, sizeof(m->msgid), "%lld.%.*s@%s",
	    (long long)ts.tv_sec, RND_HEX, m->rnd, domain);

	text_body(&body, m->name, url);
	text_date(&t);
	text_put(&t, "From: ");
	text_display_name(&t, m->from_name);
	text_put(&t, " <");
	text_put(&t, m->from);
	text_line(&t, ">");
	text_put(&t, "To: ");
	if (m->name != NULL) {
		text_display_name(&t, m->name);
		text_add(&t, " ", 1);
	}
	text_put(&t, "<");
	text_put(&t, m->to);
	text_line(&t, ">");
	text_line(&t, "Subject: " SUBJECT);
	text_put(&t, "Message-ID: <");
	text_put(&t, m->msgid);
	text_line(&t, ">");
	text_line(&t, "MIME-Version: 1.0");
	text_line(&t, "Content-Type: text/plain; charset=utf-8");
	if (!body.oom && is_ascii(body.p)) {
		text_line(&t, "Content-Transfer-Encoding: 7bit");
		text_put(&t, eol);
		for (p = body.p; (nl = strstr(p, "\r\n")) != NULL; p = nl + 2) {
			text_add(&t, p, (size_t)(nl - p));
			text_put(&t, eol);
		}
		text_put(&t, p);
	} else if (!body.oom) {
		/* Not every relay speaks 8BITMIME: base64 in 76-column
		 * lines (57 bytes each) goes through any of them. */
		text_line(&t, "Content-Transfer-Encoding: base64");
		text_put(&t, eol);
		for (i = 0; i < body.len; i += 57) {
			text_base64(&t, (unsigned char *)body.p + i,
			    body.len - i < 57 ? body.len - i : 57);
			text_put(&t, eol);
		}
	}
	free(body.p);
	if (t.oom || body.oom) {
		free(t.p);
		errno = ENOMEM;
		return -1;
	}
	m->text = t.p;
	m->len = t.len;
	return 0;
}

/* --- SMTP -------------------------------------------------------------- */

struct upload {
	const char *p;
	size_t left;
};

static size_t
upload_read(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb;

	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

/* Send m to SMTP_URL. Returns 0, or -1 with EmailTransientError (could
 * not connect, timed out, 4xx) or EmailRejected (5xx) set. */
static int
send_smtp(sl_context *ctx, const struct mail *m, const char *url)
{
	char errbuf[CURL_ERROR_SIZE] = "", addr[SIGNUP_EMAIL_MAX + 3];
	struct curl_slist *rcpt = NULL;
	struct upload up = { m->text, m->len };
	const char *user, *pass, *tls, *ca;
	long code = 0, timeout;
	CURLcode res;
	CURL *c;
	int rc;

	if (strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0)
		return sl_error(ctx, "ConfigurationError",
		    "SMTP_URL must be smtp://host[:port] or smtps://...");
	if ((c = curl_easy_init()) == NULL)
		return sl_error(ctx, "EmailTransientError",
		    "curl_easy_init failed");
	snprintf(addr, sizeof(addr), "<%s>", m->to);
	rcpt = curl_slist_append(NULL, addr);
	/* Leave a little of the invocation's time to report the outcome. */
	timeout = (long)sl_remaining_ms(ctx) - 200;
	if (timeout < 100)
		timeout = 100;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	snprintf(addr, sizeof(addr), "<%s>", m->from);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)m->len);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	if ((user = sl_getenv(ctx, "SMTP_USER")) != NULL && *user != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		pass = sl_getenv(ctx, "SMTP_PASSWORD");
		curl_easy_setopt(c, CURLOPT_PASSWORD, pass != NULL ? pass : "");
	}
	tls = sl_getenv(ctx, "SMTP_STARTTLS");
	if (tls != NULL && strcmp(tls, "1") == 0)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	/* A private CA (the file must be in the config's Paths.read); the
	 * system's CA certificates otherwise. */
	if ((ca = sl_getenv(ctx, "SMTP_CA_FILE")) != NULL && *ca != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);

	res = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (errbuf[0] == '\0' && res != CURLE_OK)
		snprintf(errbuf, sizeof(errbuf), "%s", curl_easy_strerror(res));
	rc = 0;
	if (res == CURLE_OK)
		rc = 0;
	else if (code >= 500 && code < 600)
		rc = sl_error(ctx, "EmailRejected",
		    "the SMTP server refused the message to %s: %ld (%s)",
		    m->to, code, errbuf);
	else if (res == CURLE_LOGIN_DENIED || res == CURLE_USE_SSL_FAILED ||
	    res == CURLE_UNSUPPORTED_PROTOCOL || res == CURLE_URL_MALFORMAT ||
	    res == CURLE_PEER_FAILED_VERIFICATION ||
	    res == CURLE_SSL_CACERT_BADFILE)
		rc = sl_error(ctx, "EmailRejected",
		    "cannot send through %s: %s", url, errbuf);
	else if (code >= 400 && code < 500)
		rc = sl_error(ctx, "EmailTransientError",
		    "the SMTP server deferred the message to %s: %ld (%s)",
		    m->to, code, errbuf);
	else
		/* Refused or reset connections, timeouts, unresolvable hosts:
		 * the server may be back later. */
		rc = sl_error(ctx, "EmailTransientError",
		    "cannot reach the SMTP server %s: %s", url, errbuf);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	return rc;
}

/* --- Maildir ----------------------------------------------------------- */

/* What this worker knows of its Maildir: the directory whose tmp/, cur/
 * and new/ it has made or found (later deliveries skip the mkdir calls;
 * one that finds them gone makes them again), and the host part of the
 * names. */
static struct {
	char dir[PATH_MAX];
	char host[256]; /* without '/' and ':' */
} md;

static int
mkdir_ok(const char *path)
{
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* path = dir/name; the caller has checked that it fits in PATH_MAX. */
static const char *
subdir(char *path, const char *dir, const char *name)
{
	if (snprintf(path, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		path[0] = '\0';
	return path;
}

/* Make dir and its tmp/, cur/ and new/ unless this worker already has;
 * again says that they were found gone since. */
static int
make_maildir(const char *dir, int again)
{
	char sub[PATH_MAX];

	if (again)
		md.dir[0] = '\0';
	if (strcmp(md.dir, dir) == 0)
		return 0;
	if (mkdir_ok(dir) == -1 || mkdir_ok(subdir(sub, dir, "tmp")) == -1 ||
	    mkdir_ok(subdir(sub, dir, "cur")) == -1 ||
	    mkdir_ok(subdir(sub, dir, "new")) == -1)
		return -1;
	if (strlen(dir) < sizeof(md.dir))
		strcpy(md.dir, dir);
	return 0;
}

/* The host part of a Maildir name: the host name, '/' and ':' replaced. */
static const char *
maildir_host(void)
{
	size_t i;

	if (md.host[0] != '\0')
		return md.host;
	if (gethostname(md.host, sizeof(md.host)) == -1 || md.host[0] == '\0')
		snprintf(md.host, sizeof(md.host), "localhost");
	md.host[sizeof(md.host) - 1] = '\0';
	for (i = 0; md.host[i] != '\0'; i++)
		if (md.host[i] == '/' || md.host[i] == ':')
			md.host[i] = '_';
	return md.host;
}

/* Write the n bytes at p to fd, all of them. */
static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fsync the directory path, so that a name just made in it lasts. */
static int
sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Deliver the n bytes at text as the Maildir spec describes: write
 * tmp/UNIQUE (tmp), fsync it, rename it to new/UNIQUE (path) and fsync
 * new/. Two syncs: the first makes the file's data and its inode (one
 * link) last, the second its name in new/, so a reader finds in new/ only
 * complete messages, and every delivery reported survives a crash. (An
 * unnamed file in new/ (O_TMPFILE), named with linkat, needs a third:
 * the link count it gains by its name must be written after the data.)
 * Returns 0, or -1 with errno. */
static int
deliver_renamed(const char *dir, const char *tmp, const char *newdir,
    const char *path, const char *text, size_t n)
{
	int fd, again = 1, saved;

	while ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1 && errno == ENOENT && again) {
		again = 0;
		if (make_maildir(dir, 1) == -1)
			return -1;
	}
	if (fd == -1)
		return -1;
	if (write_all(fd, text, n) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1 || sync_dir(newdir) == -1)
		goto fail;
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

/* Deliver m into the Maildir at dir so that a delivery reported is one
 * that survives a crash, through tmp/. m has LF line ends, as mail
 * readers expect of a Maildir. On success path (PATH_MAX) names the
 * delivered file. */
static int
deliver_maildir(sl_context *ctx, const struct mail *m, const char *dir,
    char *path)
{
	char uniq[512], tmp[PATH_MAX], newdir[PATH_MAX];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(uniq, sizeof(uniq), "%lld.M%06ldP%dR%s.%s",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000, (int)getpid(),
	    m->rnd + RND_HEX, maildir_host());

	/* Make sure every name below fits before creating anything. */
	if (snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, uniq) >=
		(int)sizeof(tmp) ||
	    snprintf(path, PATH_MAX, "%s/new/%s", dir, uniq) >= PATH_MAX ||
	    snprintf(newdir, sizeof(newdir), "%s/new", dir) >=
		(int)sizeof(newdir))
		return sl_error(ctx, "ConfigurationError",
		    "maildir: the path %s is too long", dir);
	if (make_maildir(dir, 0) == -1)
		return sl_error(ctx, "EmailTransientError",
		    "maildir: cannot create %s (or its tmp/new/cur): %s", dir,
		    strerror(errno));
	if (deliver_renamed(dir, tmp, newdir, path, m->text, m->len) == -1)
		return sl_error(ctx, "EmailTransientError",
		    "maildir: cannot deliver into %s: %s", dir,
		    strerror(errno));
	return 0;
}

/* --- the handler ------------------------------------------------------- */

int init(sl_context *ctx);
int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
init(sl_context *ctx)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return sl_error(ctx, "ConfigurationError",
		    "curl_global_init failed");
	return 0;
}

/* A token goes into a URL unescaped: only URL-safe characters. */
static int
token_ok(const char *t)
{
	size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_.~");

	return n > 0 && t[n] == '\0' && n <= TOKEN_MAX;
}

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	const cJSON *to, *name, *token;
	const char *why, *base, *smtp, *dir, *data;
	char *url = NULL, path[PATH_MAX], defdir[PATH_MAX];
	struct mail m;
	int rc;

	memset(&m, 0, sizeof(m));
	to = cJSON_GetObjectItemCaseSensitive(event, "email");
	name = cJSON_GetObjectItemCaseSensitive(event, "name");
	token = cJSON_GetObjectItemCaseSensitive(event, "verificationToken");
	if (!cJSON_IsString(to))
		return sl_error(ctx, "EmailRejected",
		    "email: the recipient address is missing");
	if (signup_check_email(to->valuestring, &why) == -1)
		return sl_error(ctx, "EmailRejected",
		    "email: '%.300s' is not a deliverable address: it %s",
		    to->valuestring, why);
	if (!cJSON_IsString(token) || !token_ok(token->valuestring))
		return sl_error(ctx, "ValidationError",
		    "verificationToken: must be 1 to %d URL-safe characters",
		    TOKEN_MAX);
	if (name != NULL && !cJSON_IsNull(name) &&
	    (!cJSON_IsString(name) || name->valuestring[0] == '\0' ||
		strlen(name->valuestring) > 256 ||
		!signup_is_text(name->valuestring, "")))
		return sl_error(ctx, "ValidationError",
		    "name: must be UTF-8 text of 1 to 256 bytes without "
		    "control characters");
	m.to = to->valuestring;
	m.name = cJSON_IsString(name) ? name->valuestring : NULL;
	m.from = sl_getenv(ctx, "MAIL_FROM");
	if (m.from == NULL || *m.from == '\0')
		m.from = DEFAULT_FROM;
	if (signup_check_email(m.from, &why) == -1)
		return sl_error(ctx, "ConfigurationError",
		    "MAIL_FROM: '%s' is not a valid address: it %s", m.from,
		    why);
	m.from_name = sl_getenv(ctx, "MAIL_FROM_NAME");
	if (m.from_name == NULL || !signup_is_text(m.from_name, ""))
		m.from_name = DEFAULT_FROM_NAME;
	base = sl_getenv(ctx, "VERIFY_URL_BASE");
	if (base == NULL || *base == '\0')
		base = DEFAULT_VERIFY_URL;
	if (!signup_is_text(base, "") || !is_ascii(base))
		return sl_error(ctx, "ConfigurationError",
		    "VERIFY_URL_BASE must be printable ASCII");
	if (asprintf(&url, "%s%s", base, token->valuestring) == -1)
		return sl_error(ctx, "EmailTransientError", "out of memory");
	smtp = sl_getenv(ctx, "SMTP_URL");
	if (smtp != NULL && *smtp == '\0')
		smtp = NULL;
	/* SMTP wants CRLF line ends; mail readers expect LF in a Maildir. */
	if (build_message(&m, url, smtp != NULL ? "\r\n" : "\n") == -1) {
		free(url);
		return sl_error(ctx, "EmailTransientError",
		    "cannot build the message: %s", strerror(errno));
	}
	free(url);

	if (smtp != NULL)
		rc = send_smtp(ctx, &m, smtp);
	else {
		dir = sl_getenv(ctx, "MAILDIR");
		if (dir == NULL || *dir == '\0') {
			data = sl_getenv(ctx, "SLUICE_DATA_DIR");
			if (data == NULL || *data == '\0') {
				free(m.text);
				return sl_error(ctx, "ConfigurationError",
				    "set SMTP_URL or MAILDIR");
			}
			snprintf(defdir, sizeof(defdir), "%s/mail", data);
			dir = defdir;
		}
		rc = deliver_maildir(ctx, &m, dir, path);
		if (rc == 0)
			sl_log(ctx, "send_email: delivered %s", path);
	}
	free(m.text);
	if (rc == -1)
		return -1;
	*result = cJSON_CreateObject();
	if (*result == NULL)
		return sl_error(ctx, "EmailTransientError", "out of memory");
	cJSON_AddStringToObject(*result, "messageId", m.msgid);
	cJSON_AddBoolToObject(*result, "delivered", 1);
	cJSON_AddStringToObject(*result, "transport",
	    smtp != NULL ? "smtp" : "maildir");
	cJSON_AddStringToObject(*result, "to", m.to);
	return 0;
}

/*
 * Logging.  One mutex guards the secret list; log lines are formatted into a
 * local buffer, scrubbed, escaped, then written in one call so that lines
 * from different threads never interleave.  Shape-based masking lives only
 * in log_redact_http(): applied to every text it masked ordinary names
 * ("contact.mp4" has "act." in it).
 */
#include "util/log.h"
#include "util/clock.h"
#include "util/escape.h"
#include "util/strbuf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#define MAX_SECRETS 32

static enum log_level cur_level = LOG_LVL_INFO;
static bool to_syslog;
static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static char *secrets[MAX_SECRETS];
static size_t nsecrets;
static size_t npinned; /* secrets[0..npinned) are never evicted */

void log_init(enum log_level level, bool use_syslog)
{
	cur_level = level;
	to_syslog = use_syslog;
	if (use_syslog)
		openlog("tiktokfs", LOG_PID, LOG_DAEMON);
}

void log_set_level(enum log_level level)
{
	cur_level = level;
}

int log_level_parse(const char *s)
{
	static const char *names[] = { "error", "warn", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/*
 * Two kinds of secret: the client secret lives as long as the process and is
 * pinned; tokens rotate (two per refresh), so when the table is full the
 * oldest token goes, never a pinned entry.  A daemon that runs for months
 * refreshes hundreds of times and must still scrub the client secret.
 */
static void add_secret(const char *secret, bool pinned)
{
	if (!secret || strlen(secret) < 4)
		return;
	pthread_mutex_lock(&secrets_lock);
	for (size_t i = 0; i < nsecrets; i++)
		if (!strcmp(secrets[i], secret))
			goto out;
	if (nsecrets == MAX_SECRETS) {
		size_t victim = npinned;

		if (victim == MAX_SECRETS)
			goto out; /* nothing may be evicted: keep the older secrets */
		free(secrets[victim]);
		memmove(secrets + victim, secrets + victim + 1,
			sizeof(secrets[0]) * (MAX_SECRETS - victim - 1));
		nsecrets--;
	}
	if (pinned && npinned < nsecrets) {
		/* pinned entries sit at the front */
		memmove(secrets + npinned + 1, secrets + npinned,
			sizeof(secrets[0]) * (nsecrets - npinned));
		secrets[npinned] = xstrdup(secret);
	} else {
		secrets[nsecrets] = xstrdup(secret);
	}
	if (pinned)
		npinned++;
	nsecrets++;
out:
	pthread_mutex_unlock(&secrets_lock);
}

void log_add_secret(const char *secret)
{
	add_secret(secret, true);
}

void log_add_token(const char *token)
{
	add_secret(token, false);
}

void log_forget_secrets(void)
{
	pthread_mutex_lock(&secrets_lock);
	for (size_t i = 0; i < nsecrets; i++)
		free(secrets[i]);
	nsecrets = 0;
	npinned = 0;
	pthread_mutex_unlock(&secrets_lock);
}

static void mask_from(char *p, size_t n)
{
	memset(p, '*', n);
}

/* Mask the value after @prefix up to the next delimiter. */
static void mask_after(char *s, const char *prefix, const char *stop)
{
	size_t plen = strlen(prefix);

	for (char *p = strstr(s, prefix); p; p = strstr(p, prefix)) {
		p += plen;
		size_t n = strcspn(p, stop);
		mask_from(p, n);
		p += n;
	}
}

char *log_redact(char *s, size_t size)
{
	(void)size; /* masking never grows the string */
	pthread_mutex_lock(&secrets_lock);
	for (size_t i = 0; i < nsecrets; i++) {
		size_t n = strlen(secrets[i]);
		for (char *p = strstr(s, secrets[i]); p; p = strstr(p + n, secrets[i]))
			mask_from(p, n);
	}
	pthread_mutex_unlock(&secrets_lock);
	return s;
}

char *log_redact_http(char *s, size_t size)
{
	static const char *const shapes[] = {
	    "act.",	      "rft.",	       "Bearer ",	 "access_token=",
	    "refresh_token=", "upload_token=", "client_secret=",
	};

	log_redact(s, size);
	/* shapes that are secret whoever made them */
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		mask_after(s, shapes[i], " \t\r\n\"'&,;)");
	return s;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *tags[] = { "error", "warn", "info", "debug" };
	char line[2048], *shown;
	va_list ap;
	int n;

	if (level > cur_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	log_redact(line, sizeof(line));
	/* a file name with a newline must not start a line of its own */
	shown = esc_text_dup(line);
	if (to_syslog) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
		syslog(prio[level], "%s", shown);
		goto out;
	}
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	ts = wall_real_timespec(); /* operators read real times */
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld tiktokfs %s: %s\n", stamp, ts.tv_nsec / 1000000L, tags[level],
		shown);
out:
	free(shown);
}

/*
 * Logging for operators.  Lines go to stderr in the foreground and to syslog
 * as a daemon.  Nothing secret may reach a log, and two helpers see to it:
 *
 *   log_redact()       masks the registered secrets (client secret, tokens,
 *                      upload URLs) wherever they appear.  Safe on any
 *                      text: it never touches a file name, a user name or a
 *                      caption that merely looks like a token, so
 *                      "contact.mp4" stays "contact.mp4".
 *   log_redact_http()  also masks token *shapes* ("act."/"rft." tokens,
 *                      "Bearer ", access_token=/refresh_token=/upload_token=
 *                      /client_secret= values).  Only for HTTP texts: what
 *                      net/ got from libcurl or TikTok, never paths.
 *
 * The log functions run log_redact() on every line and show control bytes
 * and invalid UTF-8 C-style (util/escape.h), so a file name cannot forge a
 * log line.
 */
#ifndef TIKTOKFS_LOG_H
#define TIKTOKFS_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Where lines go: stderr (foreground, tests) or syslog (daemon). */
void log_init(enum log_level level, bool use_syslog);
void log_set_level(enum log_level level);
/* "error", "warn", "info", "debug"; returns -1 for anything else. */
int log_level_parse(const char *s);

/* Remember a secret (client_secret, a token) so that it is scrubbed from every
 * later log line.  Copies the string; thread-safe. */
void log_add_secret(const char *secret);
/* The same for a token that rotates: when the table is full the oldest
 * token is forgotten, never a secret added with log_add_secret(). */
void log_add_token(const char *token);
void log_forget_secrets(void);

/* Mask every registered secret in @s, in place, with '*' and return @s.
 * Used for anything a person will read: logs, STATUS.txt, error files,
 * xattrs.  @s must be a writable buffer of @size bytes (masking never grows
 * the text). */
char *log_redact(char *s, size_t size);
/* log_redact() plus the token shapes listed above; for HTTP texts only
 * (libcurl's messages, TikTok's answers) in net/. */
char *log_redact_http(char *s, size_t size);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif

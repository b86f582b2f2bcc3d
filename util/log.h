/*
 * Logging for operators.  Lines go to stderr in the foreground and to syslog
 * as a daemon.  Nothing secret may reach a log: anything that might hold a
 * token, a client secret or an upload URL passes through log_redact() first,
 * and the log functions themselves scrub known secret shapes as a last line
 * of defence (tokens "act."/"rft.", "upload_token=", registered secrets).
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

/* Replace every secret in @s, in place, with "[redacted]" style markers and
 * return @s.  Used for anything a person will read: logs, STATUS.txt, error
 * files, xattrs.  @s must be a writable buffer of @size bytes. */
char *log_redact(char *s, size_t size);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif

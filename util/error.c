/*
 * struct tt_error helpers.  Every text that goes in is redacted, because
 * these strings end up in NAME.error files and xattrs that users read.
 * tt_error_line() is the one place that turns an error into the words a
 * command prints, so that check, login, mount and watch say it alike.
 */
#include "util/error.h"
#include "util/escape.h"
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tt_error_clear(struct tt_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

void tt_error_set(struct tt_error *e, enum err_class cls, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	e->cls = cls;
	va_start(ap, fmt);
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
	va_end(ap);
	log_redact(e->what, sizeof(e->what));
}

void tt_error_advise(struct tt_error *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->advice, sizeof(e->advice), fmt, ap);
	va_end(ap);
	log_redact(e->advice, sizeof(e->advice));
}

void tt_error_code(struct tt_error *e, const char *code, const char *log_id)
{
	if (!e)
		return;
	snprintf(e->code, sizeof(e->code), "%s", code ? code : "");
	snprintf(e->log_id, sizeof(e->log_id), "%s", log_id ? log_id : "");
}

int tt_error_errno(enum err_class cls)
{
	switch (cls) {
	case ERR_RETRY:
		return -EIO;
	case ERR_INCOMPLETE:
	case ERR_DEFER:
		return -EAGAIN;
	default:
		return -EINVAL;
	}
}

const char *err_class_name(enum err_class cls)
{
	switch (cls) {
	case ERR_NONE:
		return "none";
	case ERR_RETRY:
		return "retry";
	case ERR_DEFER:
		return "defer";
	case ERR_USER:
		return "user";
	case ERR_PERMANENT:
		return "permanent";
	case ERR_INCOMPLETE:
		return "incomplete";
	}
	return "unknown";
}

/* @s as it is, or escaped: a name in it may hold a newline or ESC. */
static void add_text(struct strbuf *sb, const char *s, enum tt_error_style style)
{
	if (style == TT_ERR_LOG)
		strbuf_addstr(sb, s);
	else
		esc_text(sb, s);
}

void tt_error_line(struct strbuf *sb, const struct tt_error *e, enum tt_error_style style)
{
	size_t n = strlen(e->what);

	add_text(sb, e->what, style);
	if (style == TT_ERR_LINES) {
		if (e->advice[0])
			strbuf_addstr(sb, "\n  ");
		add_text(sb, e->advice, style);
		if (e->log_id[0])
			strbuf_addf(sb, "\n  (TikTok log_id %s)", e->log_id);
		return;
	}
	if (!e->advice[0])
		return;
	strbuf_addstr(sb, n && e->what[n - 1] == '.' ? " " : ". ");
	add_text(sb, e->advice, style);
}

void tt_error_print(FILE *f, const char *prefix, const struct tt_error *e,
		    enum tt_error_style style)
{
	struct strbuf sb = STRBUF_INIT;

	if (prefix)
		strbuf_addf(&sb, "%s: ", prefix);
	tt_error_line(&sb, e, style);
	strbuf_addch(&sb, '\n');
	fputs(sb.buf, f);
	strbuf_release(&sb);
}

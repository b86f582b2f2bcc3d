/*
 * struct tt_error helpers.  Every text that goes in is redacted, because
 * these strings end up in NAME.error files and xattrs that users read.
 */
#include "util/error.h"
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
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

/*
 * Account names, account directories and bindings (see account.h for the
 * rules and the layout).  The binding is written like the other state
 * files: atomically (temp file, fsync, rename, fsync of the directory),
 * mode 0600, since it says who the account is.
 */
#include "meta/account.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meta/config.h"
#include "util/fileio.h"
#include "util/strbuf.h"

#define BINDING_FILE "binding.json"
#define ACCOUNTS_DIR "accounts"

static const char name_rule[] = "an account name is a folder name: ASCII letters, digits, '-', "
				"'_' and '.' (not first), 1 to 64 bytes";

static bool name_byte_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

int account_name_check(const char *name, char *why, size_t size)
{
	size_t n = strlen(name);

	if (n == 0) {
		snprintf(why, size, "the account name is empty: %s", name_rule);
		return -EINVAL;
	}
	if (n > ACCOUNT_NAME_MAX) {
		snprintf(why, size, "the account name is %zu bytes, over the limit of %d: %s", n,
			 ACCOUNT_NAME_MAX, name_rule);
		return -EINVAL;
	}
	if (name[0] == '.') {
		snprintf(why, size, "the account name starts with '.': %s", name_rule);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (name_byte_ok(c))
			continue;
		/* the byte is shown by number: it may be a control or half of UTF-8 */
		if (c >= ' ' && c < 0x7f)
			snprintf(why, size, "the account name has '%c' (byte %zu): %s", c, i + 1,
				 name_rule);
		else
			snprintf(why, size, "the account name has byte 0x%02x (byte %zu): %s", c,
				 i + 1, name_rule);
		return -EINVAL;
	}
	return 0;
}

/* One name of a list, [s, e): kept in @l, or -EINVAL with @why. */
static int list_add(struct account_list *l, const char *s, const char *e, char *why, size_t size)
{
	char name[ACCOUNT_NAME_MAX + 2];
	size_t n = (size_t)(e - s);

	if (n == 0) {
		snprintf(why, size, "an empty name between commas: write names separated by commas, "
				    "such as yt, brand-b");
		return -EINVAL;
	}
	/* one byte over the limit is enough for account_name_check to say so */
	if (n > ACCOUNT_NAME_MAX + 1)
		n = ACCOUNT_NAME_MAX + 1;
	memcpy(name, s, n);
	name[n] = '\0';
	if (account_name_check(name, why, size))
		return -EINVAL;
	for (size_t i = 0; i < l->n && i < ACCOUNT_LIST_MAX; i++)
		if (!strcmp(l->names[i], name)) {
			snprintf(why, size, "names '%s' twice: name each account once", name);
			return -EINVAL;
		}
	if (l->n < ACCOUNT_LIST_MAX)
		memcpy(l->names[l->n], name, n + 1);
	l->n++;
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

int account_list_parse(const char *s, struct account_list *l, char *why, size_t size)
{
	const char *p = s;

	memset(l, 0, sizeof(*l));
	while (is_space(*p))
		p++;
	if (!*p || !strcmp(p, "none"))
		return 0;
	for (;;) {
		const char *e = p + strcspn(p, ",");
		const char *t = e;

		while (is_space(*p))
			p++;
		while (t > p && is_space(t[-1]))
			t--;
		if (list_add(l, p, t, why, size))
			return -EINVAL;
		if (!*e)
			return 0;
		p = e + 1;
	}
}

char *account_list_format(const struct account_list *l)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_init(&sb);
	for (size_t i = 0; i < l->n && i < ACCOUNT_LIST_MAX; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", l->names[i]);
	if (!sb.len)
		strbuf_addstr(&sb, "none");
	return strbuf_detach(&sb, NULL);
}

char *account_state_dir(const char *state_dir, const char *name)
{
	if (!strcmp(name, CONFIG_DEFAULT_ACCOUNT))
		return xstrdup(state_dir);
	return xasprintf("%s/%s/%s", state_dir, ACCOUNTS_DIR, name);
}

/* mkdir @path 0700 unless it is there; a directory that is there keeps its
 * mode, except that @tighten makes it 0700 (it holds a login). */
static int mkdir_private(const char *path, bool tighten)
{
	struct stat st;

	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (tighten && (st.st_mode & 077) && chmod(path, 0700))
		return -errno;
	return 0;
}

int account_dir_prepare(const char *state_dir, const char *name)
{
	char *acc = NULL, *dir = NULL;
	int rc;

	/* state_dir's parents follow file_mkdir_p's rule; state_dir itself,
	 * which holds the default login and every other one, is 0700. */
	rc = file_mkdir_p(state_dir, 0700);
	if (!rc)
		rc = mkdir_private(state_dir, true);
	if (rc || !strcmp(name, CONFIG_DEFAULT_ACCOUNT))
		return rc;
	acc = xasprintf("%s/%s", state_dir, ACCOUNTS_DIR);
	dir = xasprintf("%s/%s", acc, name);
	rc = mkdir_private(acc, true);
	if (!rc)
		rc = mkdir_private(dir, true);
	free(dir);
	free(acc);
	return rc;
}

static void copy_str(char *dst, size_t size, json_t *v)
{
	snprintf(dst, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int account_binding_load(const char *dir, struct account_binding *b)
{
	char *path = xasprintf("%s/%s", dir, BINDING_FILE);
	json_error_t jerr;
	json_t *root = NULL, *v;
	int rc = 0;

	memset(b, 0, sizeof(*b));
	if (access(path, F_OK)) {
		rc = -errno;
		goto out;
	}
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	copy_str(b->open_id, sizeof(b->open_id), json_object_get(root, "open_id"));
	if (!json_is_object(root) || !b->open_id[0]) {
		rc = -EINVAL;
		goto out;
	}
	copy_str(b->display_name, sizeof(b->display_name), json_object_get(root, "display_name"));
	copy_str(b->username, sizeof(b->username), json_object_get(root, "username"));
	v = json_object_get(root, "bound_at");
	b->bound_at = json_is_integer(v) ? json_integer_value(v) : 0;
out:
	json_decref(root);
	free(path);
	return rc;
}

int account_binding_save(const char *dir, const struct account_binding *b)
{
	json_t *root;
	char *text, *path;
	int rc;

	root = json_pack("{s:s, s:s, s:s, s:I}", "open_id", b->open_id, "display_name",
			 b->display_name, "username", b->username, "bound_at",
			 (json_int_t)b->bound_at);
	if (!root) /* a name that is not UTF-8: json_pack checks */
		return -EINVAL;
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (!text)
		return -ENOMEM;
	path = xasprintf("%s/%s", dir, BINDING_FILE);
	rc = file_write_atomic(path, text, strlen(text), 0600, true);
	free(text);
	free(path);
	return rc;
}

int account_binding_remove(const char *dir)
{
	char *path = xasprintf("%s/%s", dir, BINDING_FILE);
	int rc = unlink(path) && errno != ENOENT ? -errno : 0;

	free(path);
	return rc;
}

/*
 * Reading what YouTube says of a video (net/yt_video.h).  Words come from
 * Google, so an unknown one is never trusted to end anything: an unknown
 * uploadStatus keeps the processing wait going until its deadline.
 */
#include "net/yt_video.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "net/tjson.h"

enum yt_proc yt_proc_from(const char *upload_status)
{
	static const struct {
		const char *word;
		enum yt_proc state;
	} words[] = {{"uploaded", YTP_PROCESSING},
		     {"processed", YTP_PROCESSED},
		     {"failed", YTP_FAILED},
		     {"rejected", YTP_REJECTED},
		     {"deleted", YTP_DELETED}};

	if (!upload_status || !*upload_status)
		return YTP_UNSEEN;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(upload_status, words[i].word))
			return words[i].state;
	return YTP_PROCESSING;
}

const char *yt_proc_name(enum yt_proc state)
{
	static const char *const names[] = {
	    [YTP_UNSEEN] = "uploaded",	   [YTP_PROCESSING] = "processing",
	    [YTP_PROCESSED] = "processed", [YTP_FAILED] = "failed",
	    [YTP_REJECTED] = "rejected",   [YTP_DELETED] = "deleted",
	};

	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "uploaded";
}

bool yt_proc_final(enum yt_proc state)
{
	return state == YTP_PROCESSED || state == YTP_FAILED || state == YTP_REJECTED ||
	       state == YTP_DELETED;
}

void yt_meta_privacy(const char *meta_json, char *out, size_t size)
{
	json_error_t jerr;
	json_t *root = meta_json ? tjson_parse(meta_json, strlen(meta_json), &jerr) : NULL;

	snprintf(out, size, "%s", tjson_str(json_object_get(root, "status"), "privacyStatus"));
	json_decref(root);
}

bool yt_private_lock(const char *asked, const char *got, char *warning, size_t size)
{
	if (!asked || !got || strcmp(got, "private") != 0 ||
	    (strcmp(asked, "public") != 0 && strcmp(asked, "unlisted") != 0))
		return false;
	snprintf(warning, size,
		 "YouTube made this video private although %s was asked: the Google Cloud "
		 "project of this account is not audited, and YouTube keeps every upload of an "
		 "unaudited project private. Make it %s in YouTube Studio; to keep the privacy "
		 "you ask for, have the project audited (Google's YouTube API Services audit "
		 "form)",
		 asked, asked);
	return true;
}

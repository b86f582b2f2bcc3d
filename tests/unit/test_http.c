/*
 * net/http.c against a tiny loopback server run in a thread: the request
 * carries the user agent and no "Expect:", a reply above the limit is
 * refused, and maybe_sent tells "certainly not sent" (connection refused)
 * from "may have arrived" (the server read the request, then hung up).
 */
#include "net/http.h"
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

enum mode { REPLY_SMALL, REPLY_HUGE, HANG_UP };

static int lfd, port;
static enum mode mode;
static char seen[8192];

static void serve_one(void)
{
	int fd = accept(lfd, NULL, NULL);
	size_t len = 0;

	if (fd < 0)
		return;
	memset(seen, 0, sizeof(seen));
	while (len < sizeof(seen) - 1 && !strstr(seen, "\r\n\r\n")) {
		ssize_t n = read(fd, seen + len, sizeof(seen) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (mode == REPLY_SMALL) {
		static const char r[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
					"Connection: close\r\n\r\nok";
		if (write(fd, r, sizeof(r) - 1) < 0) {
		}
	} else if (mode == REPLY_HUGE) {
		static char chunk[65536];
		char head[128];
		size_t total = 5u << 20;
		int n = snprintf(
		    head, sizeof(head),
		    "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", total);
		memset(chunk, 'x', sizeof(chunk));
		if (write(fd, head, (size_t)n) < 0)
			total = 0;
		for (size_t sent = 0; sent < total; sent += sizeof(chunk))
			if (write(fd, chunk, sizeof(chunk)) < 0)
				break;
	}
	close(fd); /* HANG_UP: the request arrived, no answer */
}

static void *server(void *arg)
{
	(void)arg;
	serve_one();
	return NULL;
}

static int exchange(enum mode m, const char *body, struct http_reply *r)
{
	CURL *h = http_easy_new(NULL);
	pthread_t th;
	char url[64];
	int rc;

	mode = m;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v2/x/", port);
	pthread_create(&th, NULL, server, NULL);
	rc = http_post(h, url, "act.TESTTOKEN", "application/json; charset=UTF-8", body, r);
	pthread_join(th, NULL);
	curl_easy_cleanup(h);
	return rc;
}

TEST(test_request_headers)
{
	struct http_reply r;

	http_reply_init(&r);
	CHECK_INT(exchange(REPLY_SMALL, "{}", &r), 0);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.body.buf, "ok");
	CHECK_CONTAINS(seen, "User-Agent: tiktokfs/" TIKTOKFS_VERSION "\r\n");
	CHECK_CONTAINS(seen, "Authorization: Bearer act.TESTTOKEN\r\n");
	CHECK_CONTAINS(seen, "Content-Type: application/json; charset=UTF-8\r\n");
	CHECK(strstr(seen, "Expect:") == NULL);
	http_reply_release(&r);
}

TEST(test_huge_reply_refused)
{
	struct http_reply r;

	http_reply_init(&r);
	CHECK(exchange(REPLY_HUGE, "{}", &r) < 0);
	CHECK_CONTAINS(r.curl_msg, "larger than");
	CHECK(r.body.len <= (4u << 20));
	http_reply_release(&r);
}

TEST(test_hang_up_after_request_may_have_been_sent)
{
	struct http_reply r;
	struct tt_error e;

	http_reply_init(&r);
	CHECK(exchange(HANG_UP, "{}", &r) < 0);
	CHECK_INT(r.maybe_sent, 1);
	http_transport_error(&r, "video/init", &e);
	CHECK_INT(e.cls, ERR_RETRY);
	CHECK_CONTAINS(e.what, "network: video/init");
	http_reply_release(&r);
}

TEST(test_refused_connection_certainly_not_sent)
{
	CURL *h = http_easy_new(NULL);
	struct http_reply r;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char url[64];

	/* A port that was just free: bind, learn it, close without listening. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(sa.sin_port));
	http_reply_init(&r);
	CHECK(http_post(h, url, NULL, "application/json", "{}", &r) < 0);
	CHECK_INT(r.curl, CURLE_COULDNT_CONNECT);
	CHECK_INT(r.maybe_sent, 0);
	http_reply_release(&r);
	curl_easy_cleanup(h);
}

int main(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int one = 1;

	/* The huge reply's writer sees the client hang up. */
	signal(SIGPIPE, SIG_IGN);
	http_global_init();
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl)) {
		perror("listen");
		return 1;
	}
	port = ntohs(sa.sin_port);
	unit_run_all();
	close(lfd);
	return UNIT_DONE();
}

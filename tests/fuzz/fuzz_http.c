/* fuzz_http: arbitrary bytes as an HTTP request to a running `kolm serve`
 * (in-process, loopback): the request line, headers, query parsing,
 * bodies for /api/forecast and multipart uploads for /api/verify.  The
 * server must answer or close, never crash, and keep serving. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kolm/serve.h"

static struct kolm_server *srv;
static uint16_t port;

static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* read the answer: up to 1 s for its first bytes, then until the server
 * closes or goes quiet for 50 ms (a kept-alive connection stays open) */
static void drain(int fd)
{
	char buf[16384];
	int wait = 1000;
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, wait) <= 0)
			return;
		if (read(fd, buf, sizeof buf) <= 0)
			return;
		wait = 50;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!srv) {
		struct kolm_serve_opts o = {0};
		o.threads = 2;
		o.timeout_s = 2;
		o.max_upload_bytes = 1u << 20;
		if (kolm_server_start(&o, &srv, NULL))
			abort();
		port = kolm_server_port(srv);
	}
	int fd = dial();
	if (fd < 0)
		abort(); /* the server stopped accepting: a finding */
	size_t off = 0;
	while (off < size) {
		ssize_t w = send(fd, data + off, size - off, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	drain(fd);
	close(fd);
	return 0;
}

/* kolm serve - the picker page and the JSON API (docs/SERVE.md).  The
 * server lives in the library (kolm/serve.h); this verb parses options,
 * starts it, says where it listens, and waits for SIGINT/SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "kolm/ctx.h"
#include "kolm/serve.h"

static int uint_opt(const char *name, const char *v, long long lo, long long hi, long long *out)
{
	if (cli_parse_i64(v, out) || *out < lo || *out > hi)
		return cli_usage_error("serve: %s: '%s' is not a number in %lld..%lld", name, v, lo, hi);
	return 0;
}

enum { O_HOST, O_PORT, O_THREADS, O_MAXCONN, O_TIMEOUT, O_MAXBODY, O_MAXUPLOAD };

static const struct cli_opt opts[] = {
	OPT_VALUE(0, "host", "ADDR", O_HOST, "address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all)"),
	OPT_VALUE(0, "port", "N", O_PORT, "TCP port (default 8080; 0 picks a free one)"),
	OPT_VALUE(0, "threads", "N", O_THREADS, "worker threads (default: online CPUs, at least 2)"),
	OPT_VALUE(0, "max-connections", "N", O_MAXCONN, "open connections at once (default 512)"),
	OPT_VALUE(0, "timeout", "S", O_TIMEOUT, "idle connection timeout in seconds (default 10)"),
	OPT_VALUE(0, "max-body", "BYTES", O_MAXBODY, "POST body limit (default 262144)"),
	OPT_VALUE(0, "max-upload", "BYTES", O_MAXUPLOAD, "POST /api/verify upload limit, all files together (default 4 GiB)"),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	struct kolm_serve_opts *so = args;
	long long v;
	int rc;
	switch (id) {
	case O_HOST: so->host = val; break;
	case O_PORT:
		if ((rc = uint_opt("--port", val, 0, 65535, &v)))
			return rc;
		so->port = (uint16_t)v;
		break;
	case O_THREADS:
		if ((rc = uint_opt("--threads", val, 1, 256, &v)))
			return rc;
		so->threads = (int)v;
		break;
	case O_MAXCONN:
		if ((rc = uint_opt("--max-connections", val, 1, 65536, &v)))
			return rc;
		so->max_connections = (unsigned)v;
		break;
	case O_TIMEOUT:
		if ((rc = uint_opt("--timeout", val, 1, 3600, &v)))
			return rc;
		so->timeout_s = (unsigned)v;
		break;
	case O_MAXBODY:
		if ((rc = uint_opt("--max-body", val, 1024, 64LL << 20, &v)))
			return rc;
		so->max_body_bytes = (size_t)v;
		break;
	case O_MAXUPLOAD:
		if ((rc = uint_opt("--max-upload", val, 1 << 20, 1LL << 40, &v)))
			return rc;
		so->max_upload_bytes = (uint64_t)v;
		break;
	}
	return 0;
}

static int run(struct cli *cli, void *args)
{
	struct kolm_serve_opts *so = args;
	/* one descriptor per connection: lift the soft limit to the hard one */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* block the stop signals before any thread starts, so sigwait() below
	 * is the only place they arrive */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	so->ctx_opts = cli->ctx_opts;
	struct kolm_err err = {0};
	struct kolm_server *srv = NULL;
	if (kolm_server_start(so, &srv, &err) != KOLM_OK)
		return cli_fail(&err);
	const char *host = so->host && *so->host ? so->host : "127.0.0.1";
	int v6 = strchr(host, ':') != NULL;
	printf("kolm serve: http://%s%s%s:%u/\n", v6 ? "[" : "", host, v6 ? "]" : "", (unsigned)kolm_server_port(srv));
	fflush(stdout);
	int sig = 0;
	sigwait(&set, &sig);
	kolm_server_stop(srv);
	return 0;
}

static const struct kolm_serve_opts defaults = {.port = 8080};

const struct cli_cmd cmd_serve = {
	.usage = "usage: kolm serve [--host ADDR] [--port N] [options]\n"
		 "Serve the picker page, the verify page and the JSON API (GET /, /verify, /api/catalog,\n"
		 "/api/forecast, /api/matrix, /healthz; POST /api/verify).  The forecast JSON is byte for byte `kolm plan --json`.\n",
	.opts = opts,
	.tail = "Prints the URL on stdout, serves until SIGINT or SIGTERM, then exits 0.\n",
	.flags = CLI_SEE_HELP | CLI_NEEDS_OPTION,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = cli_no_operands,
	.run = run,
};

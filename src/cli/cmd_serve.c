/* kolm serve - the picker page and the JSON API (docs/SERVE.md).  The
 * server lives in the library (kolm/serve.h); this verb parses options,
 * starts it, says where it listens, and waits for SIGINT/SIGTERM. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "kolm/ctx.h"
#include "kolm/serve.h"

static void usage(FILE *fp)
{
	fputs("usage: kolm serve [--host ADDR] [--port N] [options]\n"
	      "Serve the picker page, the verify page and the JSON API (GET /, /verify, /api/catalog,\n"
	      "/api/forecast, /api/matrix, /healthz; POST /api/verify).  The forecast JSON is byte for byte `kolm plan --json`.\n\n"
	      "  --host ADDR           address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all)\n"
	      "  --port N              TCP port (default 8080; 0 picks a free one)\n"
	      "  --threads N           worker threads (default: online CPUs, at least 2)\n"
	      "  --max-connections N   open connections at once (default 512)\n"
	      "  --timeout S           idle connection timeout in seconds (default 10)\n"
	      "  --max-body BYTES      POST body limit (default 262144)\n"
	      "  --max-upload BYTES    POST /api/verify upload limit, all files together (default 4 GiB)\n\n"
	      "Prints the URL on stdout, serves until SIGINT or SIGTERM, then exits 0.\n",
	      fp);
}

static int uint_opt(const char *name, const char *v, long long lo, long long hi, long long *out)
{
	if (cli_parse_i64(v, out) || *out < lo || *out > hi)
		return cli_usage_error("serve: %s: '%s' is not a number in %lld..%lld", name, v, lo, hi);
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	enum { O_HOST = 1000, O_PORT, O_THREADS, O_MAXCONN, O_TIMEOUT, O_MAXBODY, O_MAXUPLOAD, O_HELP };
	static const struct option opts[] = {
		{"host", required_argument, 0, O_HOST},
		{"port", required_argument, 0, O_PORT},
		{"threads", required_argument, 0, O_THREADS},
		{"max-connections", required_argument, 0, O_MAXCONN},
		{"timeout", required_argument, 0, O_TIMEOUT},
		{"max-body", required_argument, 0, O_MAXBODY},
		{"max-upload", required_argument, 0, O_MAXUPLOAD},
		{"help", no_argument, 0, O_HELP},
		{0, 0, 0, 0},
	};
	struct kolm_serve_opts so = {0};
	so.port = 8080;
	long long v;
	int c, rc;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_HOST: so.host = optarg; break;
		case O_PORT:
			if ((rc = uint_opt("--port", optarg, 0, 65535, &v)))
				return rc;
			so.port = (uint16_t)v;
			break;
		case O_THREADS:
			if ((rc = uint_opt("--threads", optarg, 1, 256, &v)))
				return rc;
			so.threads = (int)v;
			break;
		case O_MAXCONN:
			if ((rc = uint_opt("--max-connections", optarg, 1, 65536, &v)))
				return rc;
			so.max_connections = (unsigned)v;
			break;
		case O_TIMEOUT:
			if ((rc = uint_opt("--timeout", optarg, 1, 3600, &v)))
				return rc;
			so.timeout_s = (unsigned)v;
			break;
		case O_MAXBODY:
			if ((rc = uint_opt("--max-body", optarg, 1024, 64LL << 20, &v)))
				return rc;
			so.max_body_bytes = (size_t)v;
			break;
		case O_MAXUPLOAD:
			if ((rc = uint_opt("--max-upload", optarg, 1 << 20, 1LL << 40, &v)))
				return rc;
			so.max_upload_bytes = (uint64_t)v;
			break;
		case O_HELP: usage(stdout); return 0;
		case ':': return cli_usage_error("serve: option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error("serve: unknown option '%s' (see 'kolm serve --help')", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("serve: unexpected argument '%s'", argv[optind]);

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

	struct kolm_ctx_opts co;
	char buf[8192];
	kolm_ctx_opts_from_env(&co, buf, sizeof buf);
	so.ctx_opts = &co;
	struct kolm_err err = {0};
	struct kolm_server *srv = NULL;
	if (kolm_server_start(&so, &srv, &err) != KOLM_OK)
		return cli_fail(&err);
	const char *host = so.host && *so.host ? so.host : "127.0.0.1";
	int v6 = strchr(host, ':') != NULL;
	printf("kolm serve: http://%s%s%s:%u/\n", v6 ? "[" : "", host, v6 ? "]" : "", (unsigned)kolm_server_port(srv));
	fflush(stdout);
	int sig = 0;
	sigwait(&set, &sig);
	kolm_server_stop(srv);
	return 0;
}

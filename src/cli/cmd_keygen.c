/* kolm keygen - an Ed25519 key pair for signing artifacts. */
#include <stdio.h>

#include "cli.h"
#include "kolm/artifact.h"

struct args {
	const char *out;
};

static const struct cli_opt opts[] = {
	OPT_VALUE('o', NULL, "KEY", 'o', "the private key's path; the public key goes to KEY.pub"),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	((struct args *)args)->out = val;
	return 0;
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	if (!((struct args *)args)->out || argc != 0)
		return cli_usage_error("keygen: usage: kolm keygen -o KEY");
	return 0;
}

static int run(struct cli *cli, void *args)
{
	const char *out = ((struct args *)args)->out;
	char fp[65];
	struct kolm_err err = {0};
	if (kolm_keygen(out, fp, &err))
		return cli_fail(&err);
	printf("wrote %s (private, mode 0600) and %s.pub\nfingerprint SHA256:%s\n", out, out, fp);
	return 0;
}

static const struct args defaults;

const struct cli_cmd cmd_keygen = {
	.usage = "usage: kolm keygen -o KEY\n"
		 "Write an Ed25519 private key to KEY (PKCS#8 PEM, mode 0600) and its public key to KEY.pub\n"
		 "(PEM), and print the public key's SHA-256 fingerprint.  Never overwrites an existing KEY.\n",
	.opts = opts,
	.tail = "Exit: 0 ok, 2 usage or KEY exists, 4 I/O.\n",
	.flags = CLI_NEEDS_PLAIN,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};

/* kolm sign - sign an artifact's manifest (kolm.sig member). */
#include <stdio.h>

#include "cli.h"
#include "kolm/artifact.h"

struct args {
	const char *key, *artifact;
	int force;
};

static const struct cli_opt opts[] = {
	OPT_VALUE(0, "key", "KEY", 'k', "the Ed25519 private key (kolm keygen)"),
	OPT_FLAG(0, "force", 'f', "sign even when the key file is readable by group or others (refused otherwise)"),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	struct args *a = args;
	if (id == 'f')
		a->force = 1;
	else
		a->key = val;
	return 0;
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	struct args *a = args;
	if (!a->key || argc != 1)
		return cli_usage_error("sign: usage: kolm sign X.kolm --key KEY [--force]");
	a->artifact = argv[0];
	return 0;
}

static int run(struct cli *cli, void *args)
{
	const struct args *a = args;
	struct kolm_err err = {0};
	if (kolm_sign(a->artifact, a->key, a->force, &err))
		return cli_fail(&err);
	printf("signed %s\n", a->artifact);
	return 0;
}

static const struct args defaults;

const struct cli_cmd cmd_sign = {
	.usage = "usage: kolm sign X.kolm --key KEY [--force]\n"
		 "Sign the artifact's kolm.json with the Ed25519 private key KEY (kolm keygen); the signature\n"
		 "becomes the kolm.sig member, replacing any earlier one.  The artifact is rewritten atomically\n"
		 "(a symlink's target is signed; the link stays).  A key others can read is refused unless --force.\n",
	.opts = opts,
	.tail = "Exit: 0 ok, 2 usage, 3 bad artifact or key, 4 I/O.\n",
	.flags = CLI_NEEDS_PLAIN,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};

/* kolm sign - sign an artifact's manifest (kolm.sig member). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "kolm/artifact.h"

int cmd_sign(int argc, char **argv)
{
	static const struct option lo[] = {{"key", required_argument, 0, 'k'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *key = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		if (c == 'k')
			key = optarg;
		else if (c == 'h') {
			puts("usage: kolm sign X.kolm --key KEY\n"
			     "Sign the artifact's kolm.json with the Ed25519 private key KEY (kolm keygen); the signature\n"
			     "becomes the kolm.sig member, replacing any earlier one.  The artifact is rewritten atomically.\n"
			     "Exit: 0 ok, 2 usage, 3 bad artifact or key, 4 I/O.");
			return 0;
		} else if (c == ':')
			return cli_usage_error("sign: %s needs a value", argv[optind - 1]);
		else
			return cli_usage_error("sign: unknown option '%s'", argv[optind - 1]);
	}
	if (!key || optind + 1 != argc)
		return cli_usage_error("sign: usage: kolm sign X.kolm --key KEY");
	struct kolm_err err = {0};
	if (kolm_sign(argv[optind], key, &err))
		return cli_fail(&err);
	printf("signed %s\n", argv[optind]);
	return 0;
}

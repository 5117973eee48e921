/* kolm keygen - an Ed25519 key pair for signing artifacts. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "kolm/artifact.h"

int cmd_keygen(int argc, char **argv)
{
	static const struct option lo[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *out = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", lo, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'h') {
			puts("usage: kolm keygen -o KEY\n"
			     "Write an Ed25519 private key to KEY (PKCS#8 PEM, mode 0600) and its public key to KEY.pub\n"
			     "(PEM), and print the public key's SHA-256 fingerprint.  Never overwrites an existing KEY.\n"
			     "Exit: 0 ok, 2 usage or KEY exists, 4 I/O.");
			return 0;
		} else if (c == ':')
			return cli_usage_error("keygen: %s needs a value", argv[optind - 1]);
		else
			return cli_usage_error("keygen: unknown option '%s'", argv[optind - 1]);
	}
	if (!out || optind != argc)
		return cli_usage_error("keygen: usage: kolm keygen -o KEY");
	char fp[65];
	struct kolm_err err = {0};
	if (kolm_keygen(out, fp, &err))
		return cli_fail(&err);
	printf("wrote %s (private, mode 0600) and %s.pub\nfingerprint SHA256:%s\n", out, out, fp);
	return 0;
}

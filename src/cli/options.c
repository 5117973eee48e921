/* options.c - a verb's option table (cli.h) turned into its getopt_long
 * parser and into the option part of its --help, so the two cannot differ. */
#include <assert.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"

enum { MAX_ROWS = 96, HELP_VAL = 0x10000, ROW_VAL = 0x20000, HELP_COL_MAX = 24 };

/* The table with its includes expanded in place. */
struct rows {
	const struct cli_opt *r[MAX_ROWS];
	int n;
};

static void flatten(struct rows *rs, const struct cli_opt *t)
{
	for (; t && t->kind != CLI_OPT_END; t++) {
		if (t->kind == CLI_OPT_INCLUDE) {
			flatten(rs, t->more);
			continue;
		}
		assert(rs->n < MAX_ROWS);
		for (int i = 0; i < rs->n && t->kind != CLI_OPT_GROUP; i++) /* one row per option */
			assert((!t->name || !rs->r[i]->name || strcmp(t->name, rs->r[i]->name)) &&
			       (!t->short_name || t->short_name != rs->r[i]->short_name));
		rs->r[rs->n++] = t;
	}
}

static int is_option(const struct cli_opt *o)
{
	return o->kind == CLI_OPT_FLAG || o->kind == CLI_OPT_VALUE;
}

static int parse_error(const struct cli *cli, int c, const char *as_typed)
{
	unsigned f = cli->cmd->flags;
	if (c == ':' && (f & CLI_NEEDS_OPTION))
		return cli_usage_error("%s: option '%s' needs a value", cli->verb, as_typed);
	if (c == ':' && (f & CLI_NEEDS_PLAIN))
		return cli_usage_error("%s: %s needs a value", cli->verb, as_typed);
	if (f & CLI_SEE_HELP)
		return cli_usage_error("%s: unknown option '%s' (see 'kolm %s --help')", cli->verb, as_typed, cli->verb);
	return cli_usage_error("%s: unknown option '%s'", cli->verb, as_typed);
}

int cli_parse(struct cli *cli, void *args, int argc, char **argv, int *argc_out, char ***argv_out)
{
	const struct cli_cmd *cmd = cli->cmd;
	struct rows rs = {0};
	flatten(&rs, cmd->opts);
	struct option lo[MAX_ROWS + 2]; /* the rows, --help, the end */
	char so[3 * MAX_ROWS + 3];
	int nl = 0, ns = 0;
	so[ns++] = ':'; /* a missing value returns ':', not '?' */
	for (int i = 0; i < rs.n; i++) {
		const struct cli_opt *o = rs.r[i];
		if (!is_option(o))
			continue;
		int has_arg = o->kind == CLI_OPT_VALUE ? required_argument : no_argument;
		if (o->name)
			lo[nl++] = (struct option){o->name, has_arg, NULL, ROW_VAL + i};
		if (o->short_name) {
			so[ns++] = (char)o->short_name;
			if (has_arg)
				so[ns++] = ':';
		}
	}
	lo[nl++] = (struct option){"help", no_argument, NULL, HELP_VAL};
	lo[nl] = (struct option){0, 0, 0, 0};
	if (cmd->flags & CLI_DASH_H)
		so[ns++] = 'h';
	so[ns] = '\0';
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		cli->opt = argv[optind - 1];
		if (c == HELP_VAL || (c == 'h' && (cmd->flags & CLI_DASH_H))) {
			cli_help(cmd, stdout);
			return CLI_HELPED;
		}
		const struct cli_opt *o = NULL;
		if (c >= ROW_VAL)
			o = rs.r[c - ROW_VAL];
		for (int i = 0; !o && c != '?' && c != ':' && i < rs.n; i++)
			if (is_option(rs.r[i]) && rs.r[i]->short_name == c)
				o = rs.r[i];
		if (!o)
			return parse_error(cli, c, argv[optind - 1]);
		int rc = cmd->opt(cli, args, o->id, optarg);
		if (rc)
			return rc;
	}
	cli->opt = NULL;
	*argc_out = argc - optind;
	*argv_out = argv + optind;
	return 0;
}

int cli_operands_at_most(const struct cli *cli, int argc, char **argv, int max)
{
	if (argc > max)
		return cli_usage_error("%s: unexpected argument '%s'", cli->verb, argv[max]);
	return 0;
}

int cli_no_operands(struct cli *cli, void *args, int argc, char **argv)
{
	return cli_operands_at_most(cli, argc, argv, 0);
}

int cli_threads(const struct cli *cli, const char *val, long long *out)
{
	if (cli_parse_i64(val, out) != 0 || *out < 1 || *out > 256)
		return cli_usage_error("%s: -t needs a thread count from 1 to 256, not '%s'", cli->verb, val);
	return 0;
}

int cli_json_opt(struct cli *cli, void *args, int id, const char *val)
{
	((struct cli_json_args *)args)->json = 1;
	return 0;
}

/* "-p, --n-prompt N", "--json", "-o KEY" */
static int spec(const struct cli_opt *o, char *buf, size_t cap)
{
	int n = 0;
	if (o->short_name && o->name)
		n = snprintf(buf, cap, "-%c, --%s", o->short_name, o->name);
	else if (o->short_name)
		n = snprintf(buf, cap, "-%c", o->short_name);
	else
		n = snprintf(buf, cap, "--%s", o->name);
	if (o->kind == CLI_OPT_VALUE && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " %s", o->arg);
	return n;
}

void cli_help(const struct cli_cmd *cmd, FILE *fp)
{
	struct rows rs = {0};
	flatten(&rs, cmd->opts);
	char s[128];
	int col = 0;
	for (int i = 0; i < rs.n; i++) {
		int n = is_option(rs.r[i]) ? spec(rs.r[i], s, sizeof s) : 0;
		if (n > col && n <= HELP_COL_MAX)
			col = n;
	}
	fputs(cmd->usage, fp);
	if (rs.n)
		fputc('\n', fp);
	for (int i = 0; i < rs.n; i++) {
		const struct cli_opt *o = rs.r[i];
		if (o->kind == CLI_OPT_GROUP) {
			fprintf(fp, "%s\n", o->help);
			continue;
		}
		int n = spec(o, s, sizeof s);
		if (n > col)
			fprintf(fp, "  %s\n%*s", s, col + 4, "");
		else
			fprintf(fp, "  %-*s  ", col, s);
		if (!*o->help)
			fputc('\n', fp);
		for (const char *h = o->help; *h;) {
			size_t len = strcspn(h, "\n");
			fprintf(fp, "%.*s\n", (int)len, h);
			h += len;
			if (*h == '\n' && *++h)
				fprintf(fp, "%*s", col + 4, "");
		}
	}
	if (cmd->tail)
		fprintf(fp, "\n%s", cmd->tail);
}

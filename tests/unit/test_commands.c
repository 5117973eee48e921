/* test_commands.c - every command kolm prints, for every catalog device x
 * each of its runtimes x the fp16/int8/int4 tiers, uses only flags the
 * tools really have (data/tool-flags.json, quoted from their docs in
 * docs/COMMANDS.md); hostile paths survive the shell as one argument. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/forecast.h"

static struct kolm_ctx *ctx;
static json_t *flags;

/* Split a shell line into words, honouring '...' and "..." quoting. */
static int words(const char *line, char out[][512], int max)
{
	int n = 0;
	const char *p = line;
	while (*p && n < max) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t k = 0;
		while (*p && *p != ' ') {
			if (*p == '\'') {
				p++;
				while (*p && *p != '\'') {
					if (k < 511)
						out[n][k++] = *p;
					p++;
				}
				if (*p)
					p++;
			} else if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (k < 511)
						out[n][k++] = *p;
					p++;
				}
				if (*p)
					p++;
			} else {
				if (k < 511)
					out[n][k++] = *p;
				p++;
			}
		}
		out[n][k] = '\0';
		n++;
	}
	return n;
}

static void check_line(const char *line, const char *where)
{
	if (line[0] == '#')
		return; /* a note, a no-op in the shell */
	char w[64][512] = {{0}};
	int n = words(line, w, 64), first = 1;
	char tool[512];
	const char *base = strrchr(w[0], '/') ? strrchr(w[0], '/') + 1 : w[0];
	snprintf(tool, sizeof tool, "%s", base);
	if (!strcmp(w[0], "python3") && n > 2 && !strcmp(w[1], "-m")) {
		snprintf(tool, sizeof tool, "%s", w[2]);
		first = 3;
	} else if (!strcmp(w[0], "python3") && n > 1 && !strcmp(w[1], "-c")) {
		snprintf(tool, sizeof tool, "python3 -c");
		first = 1;
	} else if (!strcmp(w[0], "python3") && n > 1) {
		const char *b = strrchr(w[1], '/') ? strrchr(w[1], '/') + 1 : w[1];
		snprintf(tool, sizeof tool, "%s", b);
		first = 2;
	} else if (!strcmp(w[0], "xcrun")) {
		snprintf(tool, sizeof tool, "devicectl");
		first = 2;
	}
	if (!strcmp(tool, "adb") && n > 2 && !strcmp(w[1], "shell")) {
		/* adb shell "cd DIR && VAR=v ./bin/TOOL ...": each command of the
		 * remote line is its own tool (a cd, and NAME=VALUE, are not) */
		char remote[512];
		snprintf(remote, sizeof remote, "%s", w[2]);
		for (char *save = NULL, *c = strtok_r(remote, "&", &save); c; c = strtok_r(NULL, "&", &save)) {
			while (*c == ' ')
				c++;
			for (char *sp, *eq; *c != '-' && (sp = strchr(c, ' ')) && (eq = strchr(c, '=')) && eq < sp;)
				c = sp + 1;
			if (*c && strncmp(c, "cd ", 3))
				check_line(c, where);
		}
		if (n > 3) /* only a redirection may follow the quoted line */
			assert_string_equal(w[3], ">");
		return;
	}
	if (!strcmp(tool, "ssh") && n > 2) {
		/* ssh [-p PORT] HOST COMMAND...: the remote command is its own tool */
		int h = !strcmp(w[1], "-p") ? 3 : 1;
		char remote[2048] = "";
		for (int i = h + 1; i < n; i++) {
			strncat(remote, w[i], sizeof remote - strlen(remote) - 2);
			strncat(remote, " ", sizeof remote - strlen(remote) - 1);
		}
		check_line(remote, where);
		return;
	}
	json_t *t = json_object_get(json_object_get(flags, "tools"), tool);
	if (!t)
		fail_msg("%s: tool '%s' is not in data/tool-flags.json: %s", where, tool, line);
	for (int i = first; i < n; i++) {
		if (w[i][0] != '-' || w[i][1] == '\0')
			continue;
		char f[512];
		snprintf(f, sizeof f, "%s", w[i]);
		char *eq = strchr(f, '=');
		if (eq)
			*eq = '\0';
		int ok = 0;
		size_t k;
		json_t *x;
		json_array_foreach(json_object_get(t, "flags"), k, x)
			if (!strcmp(json_string_value(x), f))
				ok = 1;
		if (!ok)
			fail_msg("%s: %s has no flag '%s' (in: %s)", where, tool, f, line);
	}
}

static int setup(void **s)
{
	(void)s;
	struct kolm_ctx_opts o = {0};
	if (kolm_ctx_new(&ctx, &o, NULL))
		return -1;
	flags = kolm_ctx_json(ctx, "data/tool-flags.json", NULL);
	return flags ? 0 : -1;
}

static int teardown(void **s)
{
	(void)s;
	kolm_ctx_free(ctx);
	return 0;
}

/* a pick of base, quant and device with the default overhead */
static struct kolm_pick pick(const char *base, const char *quant, const char *device)
{
	struct kolm_pick p = {0};
	p.base_id = base;
	p.quant = quant;
	p.device_id = device;
	p.overhead_gb = -1;
	return p;
}

static void test_every_flag_is_real(void **s)
{
	(void)s;
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	static const char *tiers[] = {"fp16", "int8", "int4"};
	static const char *kv[] = {NULL, "q8_0"};
	int rendered = 0;
	for (int d = 0; d < cat->n_devices; d++) {
		const struct kolm_device *dev = &cat->devices[d];
		for (int r = 0; r < dev->n_runtimes; r++) {
			for (size_t q = 0; q < 3; q++) {
				struct kolm_pick p = pick("llama-3.2-3b", tiers[q], dev->id);
				p.runtime = dev->runtimes[r];
				p.kv_type = kv[q % 2];
				struct kolm_forecast f;
				struct kolm_err err = {0};
				if (kolm_forecast(ctx, &p, &f, &err))
					continue; /* e.g. a backend without that tier */
				const struct kolm_commands *c = &f.commands;
				/* no step a device cannot do printed as if it could: no Python
				 * on a phone, no kolm bench of an export kolm's engine does
				 * not read (it reads GGUF and MLX directories); the MLX bench
				 * step (a Mac's shell) starts with kolm bench; on a phone
				 * (MLX Swift in an iOS app) MLX's run and bench steps are
				 * notes, no mlx_lm command */
				const char *tr = dev->transfer ? dev->transfer : "scp";
				int phone = !strcmp(tr, "adb") || !strcmp(tr, "ios");
				if (phone)
					assert_null(strstr(c->run, "python3"));
				/* nor a server or a benchmark run in a phone's own shell: on
				 * Android through adb shell, on iOS a note (an app) */
				for (size_t k = 0; phone && k < 2; k++) {
					const char *step = k ? c->bench : c->run;
					char *copy = step ? strdup(step) : NULL;
					for (char *line = copy ? strtok(copy, "\n") : NULL; line; line = strtok(NULL, "\n"))
						if (line[0] != '#' && strncmp(line, "adb ", 4) && strncmp(line, "xcrun devicectl ", 16) &&
						    strncmp(line, "kolm bench --from-json ", 23))
							fail_msg("%s/%s: %s runs in a phone's shell: %s", dev->id, dev->runtimes[r],
								 k ? "bench" : "run", line);
					free(copy);
				}
				if (strcmp(f.backend.id, "gguf") && strcmp(f.backend.id, "mlx"))
					assert_null(strstr(c->bench, "kolm bench"));
				if (!strcmp(f.backend.id, "mlx") && !phone)
					assert_ptr_equal(strstr(c->bench, "kolm bench "), c->bench);
				if (!strcmp(f.backend.id, "mlx") && phone) {
					assert_true(c->run[0] == '#' && c->bench[0] == '#' && !strchr(c->bench, '\n'));
					assert_null(strstr(c->run, "mlx_lm."));
				}
				assert_non_null(c->export);
				assert_non_null(c->transfer);
				assert_non_null(c->run);
				assert_non_null(c->verify);
				assert_non_null(c->bench);
				const char *steps[][2] = {
					{"download", c->download}, {"pack", c->pack},
					{"export", c->export}, {"export_upstream", c->export_upstream},
					{"transfer", c->transfer}, {"run", c->run}, {"verify", c->verify}, {"bench", c->bench},
					{"airgap_source", c->airgap_source}, {"airgap_target", c->airgap_target}};
				for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
					if (!steps[k][1])
						continue;
					char where[160];
					snprintf(where, sizeof where, "%s/%s/%s/%s", dev->id, dev->runtimes[r], tiers[q], steps[k][0]);
					char *copy = strdup(steps[k][1]);
					for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n"))
						check_line(line, where);
					free(copy);
				}
				rendered++;
				kolm_forecast_release(&f);
			}
		}
	}
	printf("%d device x runtime x tier picks rendered, every flag checked\n", rendered);
	assert_true(rendered > 150);
}

/* A path with spaces, quotes and $ survives the shell as one argument. */
static void test_hostile_path(void **s)
{
	(void)s;
	const char *dir = "/tmp/it's a $HOME \"dir\"";
	struct kolm_pick p = pick("llama-3.2-1b", "int4", "rpi5-8gb");
	p.out_dir = dir;
	struct kolm_forecast f;
	assert_int_equal(kolm_forecast(ctx, &p, &f, NULL), 0);
	const char *tr = f.commands.transfer;
	assert_non_null(tr);
	const char *scp = strstr(tr, "\nscp ");
	assert_non_null(scp);
	char cmd[2048];
	/* replace the tool by printf: each argument on its own line */
	snprintf(cmd, sizeof cmd, "printf '%%s\\n' %s", scp + 5);
	FILE *pp = popen(cmd, "r");
	assert_non_null(pp);
	char line[1024];
	int found = 0;
	while (fgets(line, sizeof line, pp)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "/tmp/it's a $HOME \"dir\"/llama-3.2-1b-q4_k_m.gguf"))
			found = 1;
	}
	pclose(pp);
	assert_true(found);
	kolm_forecast_release(&f);
}

static void test_kv_and_offload_flags(void **s)
{
	(void)s;
	struct kolm_pick p = pick("llama-3.1-70b", "q4_k_m", "rtx-4090");
	p.kv_type = "q8_0";
	p.offload = "auto";
	struct kolm_forecast f;
	assert_int_equal(kolm_forecast(ctx, &p, &f, NULL), 0);
	const char *run = f.commands.run;
	char want[64];
	snprintf(want, sizeof want, "-ngl %d ", f.offload.gpu_layers);
	assert_non_null(strstr(run, want));
	assert_non_null(strstr(run, "-fa on -ctk q8_0 -ctv q8_0"));
	kolm_forecast_release(&f);
}

/* The journey from a catalog base, in order: download the checkpoint,
 * pack it, export from that .kolm, verify the export against the same
 * .kolm (so verify's binding holds); a gated repo logs in first. */
static void test_journey_order(void **s)
{
	(void)s;
	struct kolm_pick p = pick("llama-3.2-3b", "q4_k_m", "rpi5-8gb");
	p.out_dir = "out";
	struct kolm_forecast f;
	assert_int_equal(kolm_forecast(ctx, &p, &f, NULL), 0);
	const struct kolm_commands *c = &f.commands;
	assert_string_equal(c->download, "hf auth login\nhf download meta-llama/Llama-3.2-3B --local-dir Llama-3.2-3B");
	assert_string_equal(c->pack, "kolm pack Llama-3.2-3B -o llama-3.2-3b.kolm");
	assert_string_equal(c->export, "kolm export llama-3.2-3b.kolm --quant q4_k_m --device rpi5-8gb -o out");
	assert_string_equal(c->verify, "kolm verify llama-3.2-3b.kolm out/llama-3.2-3b-q4_k_m.gguf");
	kolm_forecast_release(&f);
	/* an ungated repo: no login line */
	p.base_id = "qwen3-4b";
	assert_int_equal(kolm_forecast(ctx, &p, &f, NULL), 0);
	assert_string_equal(f.commands.download, "hf download Qwen/Qwen3-4B --local-dir Qwen3-4B");
	kolm_forecast_release(&f);
	/* from a .kolm: nothing to download or pack */
	p.artifact = "x.kolm";
	assert_int_equal(kolm_forecast(ctx, &p, &f, NULL), 0);
	assert_null(f.commands.download);
	assert_null(f.commands.pack);
	assert_string_equal(f.commands.export, "kolm export x.kolm --quant q4_k_m --device rpi5-8gb -o out");
	kolm_forecast_release(&f);
}

/* --ssh: the login and port reach ssh, scp and rsync by each tool's own
 * flag; a bad target or a device not reached by ssh is refused. */
static void test_ssh_target(void **s)
{
	(void)s;
	struct kolm_pick p = pick("qwen3-4b", "q4_k_m", "rpi5-8gb");
	p.ssh = "pi@10.0.0.5:2222";
	struct kolm_forecast f;
	assert_int_equal(kolm_forecast(ctx, &p, &f, NULL), 0);
	assert_string_equal(f.commands.transfer, "ssh -p 2222 pi@10.0.0.5 mkdir -p models\n"
						 "rsync -e 'ssh -p 2222' --partial --progress ./qwen3-4b-q4_k_m.gguf pi@10.0.0.5:models/");
	kolm_forecast_release(&f);
	p.base_id = "qwen2.5-0.5b";
	p.ssh = "me@box";
	assert_int_equal(kolm_forecast(ctx, &p, &f, NULL), 0);
	assert_string_equal(f.commands.transfer, "ssh me@box mkdir -p models\nscp ./qwen2.5-0.5b-q4_k_m.gguf me@box:models/");
	kolm_forecast_release(&f);
	static const char *bad[] = {"box", "me@", "@box", "me@-oProxyCommand=x", "me@box:0", "me@box:65536", "me@box:",
				    "me@box:22x", "m e@box", "me@box;rm"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct kolm_err err = {0};
		p.ssh = bad[i];
		assert_int_equal(kolm_forecast(ctx, &p, &f, &err), KOLM_E_USAGE);
	}
	struct kolm_err err = {0};
	p.ssh = "me@box";
	p.device_id = "pixel-8";
	assert_int_equal(kolm_forecast(ctx, &p, &f, &err), KOLM_E_USAGE);
	assert_non_null(strstr(err.msg, "not ssh"));
}

/* KOLM_RSYNC_OVER_BYTES (kolm_ctx_opts.rsync_over_bytes) moves the scp/rsync
 * threshold: the same 0.4 GB file goes by scp under the 2 GB default and by
 * rsync --partial over a 1000-byte one; a value that is not a byte count is
 * refused when the context is made. */
static void test_rsync_threshold(void **s)
{
	(void)s;
	struct kolm_ctx_opts o = {0};
	struct kolm_ctx *c2 = NULL;
	o.rsync_over_bytes = "1000";
	assert_int_equal(kolm_ctx_new(&c2, &o, NULL), 0);
	struct kolm_pick p = pick("qwen2.5-0.5b", "q4_k_m", "rpi5-8gb");
	p.ssh = "me@box";
	struct kolm_forecast f;
	assert_int_equal(kolm_forecast(c2, &p, &f, NULL), 0);
	assert_string_equal(f.commands.transfer,
			    "ssh me@box mkdir -p models\nrsync --partial --progress ./qwen2.5-0.5b-q4_k_m.gguf me@box:models/");
	kolm_forecast_release(&f);
	kolm_ctx_free(c2);
	static const char *bad[] = {"", "abc", "-5", "1e9", "12 ", "0x10", "9999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct kolm_err err = {0};
		o.rsync_over_bytes = bad[i];
		c2 = NULL;
		assert_int_equal(kolm_ctx_new(&c2, &o, &err), KOLM_E_USAGE);
		assert_null(c2);
		assert_non_null(strstr(err.msg, "KOLM_RSYNC_OVER_BYTES"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_flag_is_real),
		cmocka_unit_test(test_hostile_path),
		cmocka_unit_test(test_kv_and_offload_flags),
		cmocka_unit_test(test_journey_order),
		cmocka_unit_test(test_ssh_target),
		cmocka_unit_test(test_rsync_threshold),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

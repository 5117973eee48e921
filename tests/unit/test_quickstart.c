/* test_quickstart.c - `kolm quickstart`: the hand-written guides for the
 * five reference devices and the generated one for every other device carry,
 * verbatim, every command `kolm plan` gives for the same pick, including the
 * signed air-gapped transfer; the default pick follows Spec RS-1's rule (3B
 * int4 for SBCs and phones, 7B-8B int4 elsewhere) and falls back when the
 * model would not fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/forecast.h"
#include "kolm/quickstart.h"

static struct kolm_ctx *ctx;

static int setup(void **s)
{
	(void)s;
	struct kolm_ctx_opts o = {0};
	return kolm_ctx_new(&ctx, &o, NULL);
}

static int teardown(void **s)
{
	(void)s;
	kolm_ctx_free(ctx);
	return 0;
}

static char *quickstart(const char *dev, const char *base, const char *quant, int airgap)
{
	struct kolm_pick p = {0};
	p.device_id = dev;
	p.base_id = base;
	p.quant = quant;
	p.overhead_gb = -1;
	char *md = NULL;
	struct kolm_err err = {0};
	int rc = kolm_quickstart(ctx, &p, airgap, &md, &err);
	if (rc == KOLM_E_NO && md && !strncmp(md, "> **Does not fit:** ", 20))
		rc = 0; /* an over pick: the guide, saying so first */
	if (rc)
		fail_msg("quickstart %s: %s", dev, err.msg);
	return md;
}

static void plan(const char *dev, const char *base, const char *quant, struct kolm_forecast *f)
{
	struct kolm_pick p = {0};
	p.device_id = dev;
	p.base_id = base;
	p.quant = quant;
	p.overhead_gb = -1;
	assert_int_equal(kolm_forecast(ctx, &p, f, NULL), 0);
}

/* Every line of every command step appears verbatim in md; returns lines checked. */
static int contains_commands(const char *md, const struct kolm_forecast *f, const char *where, int with_airgap)
{
	const struct kolm_commands *c = &f->commands;
	const char *steps[][2] = {
		{"export", c->export}, {"export_upstream", c->export_upstream}, {"transfer", c->transfer},
		{"run", c->run}, {"verify", c->verify}, {"bench", c->bench},
		{"airgap_source", c->airgap_source}, {"airgap_target", c->airgap_target}};
	int n = 0;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if (!with_airgap && !strncmp(steps[i][0], "airgap", 6))
			continue;
		const char *s = steps[i][1];
		if (!s)
			fail_msg("%s: plan has no commands.%s", where, steps[i][0]);
		char *copy = strdup(s);
		for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
			char want[8300];
			/* a whole line of a code block, not a fragment of prose */
			snprintf(want, sizeof want, "\n%s\n", line);
			if (!strstr(md, want))
				fail_msg("%s: commands.%s line missing: %s", where, steps[i][0], line);
			n++;
		}
		free(copy);
	}
	return n;
}

static void test_rpi5_has_plans_commands(void **s)
{
	(void)s;
	char *md = quickstart("rpi5-8gb", NULL, NULL, 0);
	/* the default pick for an SBC is Spec RS-1's 3B int4 (make run's pick too) */
	struct kolm_forecast f;
	plan("rpi5-8gb", "llama-3.2-3b", "int4", &f);
	int n = contains_commands(md, &f, "rpi5-8gb", 1);
	assert_true(n >= 14);
	assert_non_null(strstr(md, "# kolm quickstart: Raspberry Pi 5 (8 GB)"));
	assert_non_null(strstr(md, "vcgencmd get_throttled")); /* hand-written, not generated */
	assert_non_null(strstr(md, "--require-signature"));
	assert_non_null(strstr(md, "2019377984 bytes")); /* the forecast's own size */
	assert_null(strstr(md, "{{"));
	/* the explicit pick gives the same commands; only the pick's reason differs */
	char *md2 = quickstart("rpi5-8gb", "llama-3.2-3b", "int4", 0);
	assert_int_equal(contains_commands(md2, &f, "rpi5-8gb explicit", 1), n);
	assert_non_null(strstr(md2, "Pick: the pick you gave"));
	free(md2);
	free(md);
	kolm_forecast_release(&f);
}

static void test_five_full_guides(void **s)
{
	(void)s;
	static const struct {
		const char *dev, *base, *marker;
	} full[] = {
		{"rpi5-8gb", "llama-3.2-3b", "aarch64"},
		{"jetson-orin-nano", "llama-3.2-3b", "DCMAKE_CUDA_ARCHITECTURES=87"},
		{"m3-pro", "llama-3.1-8b", "pip install mlx-lm"},
		{"iphone-15-pro", "llama-3.2-3b", "Developer Mode"},
		{"rtx-4090", "llama-3.1-8b", "DCMAKE_CUDA_ARCHITECTURES=89"},
	};
	for (size_t i = 0; i < sizeof full / sizeof full[0]; i++) {
		assert_true(kolm_quickstart_is_full(ctx, full[i].dev));
		char *md = quickstart(full[i].dev, NULL, NULL, 0);
		struct kolm_forecast f;
		plan(full[i].dev, full[i].base, "int4", &f);
		contains_commands(md, &f, full[i].dev, 1);
		if (!strstr(md, full[i].marker))
			fail_msg("%s: hand-written guide lacks '%s'", full[i].dev, full[i].marker);
		assert_non_null(strstr(md, "## Air-gapped transfer"));
		assert_null(strstr(md, "{{"));
		free(md);
		kolm_forecast_release(&f);
	}
}

/* The Orin Nano's usable memory rules out 8B at int4: the default falls back to 3B. */
static void test_default_falls_back_when_over(void **s)
{
	(void)s;
	struct kolm_forecast f;
	plan("jetson-orin-nano", "llama-3.1-8b", "int4", &f);
	assert_int_equal(f.fit.verdict, KOLM_FIT_OVER);
	kolm_forecast_release(&f);
	char *md = quickstart("jetson-orin-nano", NULL, NULL, 0);
	assert_non_null(strstr(md, "llama-3.2-3b-q4_k_m.gguf"));
	assert_null(strstr(md, "llama-3.1-8b-q4_k_m.gguf"));
	free(md);
}

static void test_every_device_generated(void **s)
{
	(void)s;
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	int generated = 0;
	for (int d = 0; d < cat->n_devices; d++) {
		const char *id = cat->devices[d].id;
		char *md = quickstart(id, NULL, NULL, 0);
		assert_null(strstr(md, "{{"));
		assert_non_null(strstr(md, "## Air-gapped transfer"));
		if (!kolm_quickstart_is_full(ctx, id)) {
			assert_non_null(strstr(md, "kolm has no hand-written guide"));
			generated++;
		}
		/* the commands are those of the pick the page names */
		char *reproduce = strstr(md, "`kolm quickstart ");
		assert_non_null(reproduce);
		char base[64], quant[64];
		const char *b = strstr(reproduce, "--base ");
		const char *q = strstr(reproduce, "--quant ");
		assert_true(b && q);
		assert_int_equal(sscanf(b, "--base %63[^ `]", base), 1);
		assert_int_equal(sscanf(q, "--quant %63[^ `]", quant), 1);
		struct kolm_forecast f;
		plan(id, base, quant, &f);
		contains_commands(md, &f, id, 1);
		kolm_forecast_release(&f);
		free(md);
	}
	assert_true(generated >= cat->n_devices - 5);
	printf("%d devices: 5 hand-written quickstarts, %d generated\n", cat->n_devices, generated);
}

static void test_airgap_guide(void **s)
{
	(void)s;
	char *md = quickstart("rpi5-8gb", NULL, NULL, 1);
	assert_non_null(strstr(md, "\nkolm keygen -o kolm-signing.key\n"));
	assert_non_null(strstr(md, "--sign kolm-signing.key"));
	assert_non_null(strstr(md, "\nsync\n"));
	assert_non_null(strstr(md, "--pubkey kolm-signing.key.pub --require-signature"));
	free(md);
	/* a phone verifies on the host it is cabled to, then pushes */
	md = quickstart("pixel-8", NULL, NULL, 1);
	assert_non_null(strstr(md, "cabled to"));
	assert_non_null(strstr(md, "--require-signature"));
	free(md);
}

static void test_unknown_device(void **s)
{
	(void)s;
	struct kolm_pick p = {0};
	p.device_id = "rpi9";
	char *md = NULL;
	struct kolm_err err = {0};
	assert_int_equal(kolm_quickstart(ctx, &p, 0, &md, &err), KOLM_E_NOTFOUND);
	assert_null(md);
	assert_non_null(strstr(err.msg, "rpi9"));
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_rpi5_has_plans_commands),
		cmocka_unit_test(test_five_full_guides),
		cmocka_unit_test(test_default_falls_back_when_over),
		cmocka_unit_test(test_every_device_generated),
		cmocka_unit_test(test_airgap_guide),
		cmocka_unit_test(test_unknown_device),
	};
	return cmocka_run_group_tests(t, setup, teardown);
}

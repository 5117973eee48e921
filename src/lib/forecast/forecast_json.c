/* forecast_json.c - struct kolm_forecast, the matrix and the ranking as
 * kolm.forecast/1, kolm.matrix/1 and kolm.best/1 JSON (forecast.h;
 * docs/FORMAT.md).  A rendering only: every figure is already computed and
 * rounded in the struct; keys come out in the documented order. */
#include "kolm/forecast.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kolm/types.h"

static void set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

static json_t *source_json(const struct kolm_forecast *f)
{
	const struct kolm_hparams *hp = &f->source.hp;
	json_t *o = json_object();
	set(o, "kind", json_string(f->source.kind));
	set(o, "id", json_string(f->source.id));
	set(o, "name", json_string(f->source.name));
	if (f->source.base && f->source.base->hf_repo)
		set(o, "hf_repo", json_string(f->source.base->hf_repo));
	if (f->source.path)
		set(o, "path", json_string(f->source.path));
	set(o, "arch", json_string(hp->arch));
	set(o, "model_type", json_string(hp->model_type));
	set(o, "params", json_integer(f->source.params));
	set(o, "active_params", json_integer(f->source.active_params));
	set(o, "layers", json_integer(hp->n_layer));
	set(o, "hidden", json_integer(hp->n_embd));
	set(o, "heads", json_integer(hp->n_head));
	set(o, "kv_heads", json_integer(hp->n_head_kv));
	set(o, "head_dim", json_integer(hp->head_dim));
	set(o, "vocab", json_integer(hp->n_vocab));
	set(o, "tied_embeddings", json_boolean(hp->tied));
	if (hp->n_expert)
		set(o, "experts",
		    json_pack("{s:I,s:I}", "total", (json_int_t)hp->n_expert, "active", (json_int_t)hp->n_expert_used));
	set(o, "tensors", json_integer(f->source.n_tensors));
	set(o, "tokenizer", json_string(hp->tokenizer));
	return o;
}

static json_t *type_counts(const struct kolm_forecast *f, int bytes)
{
	json_t *o = json_object();
	for (int t = 0; t < 64; t++)
		if (f->format.type_count[t])
			set(o, kolm_type_name(t),
			    bytes ? json_integer((json_int_t)f->format.type_bytes[t]) : json_integer(f->format.type_count[t]));
	return o;
}

static json_t *format_json(const struct kolm_forecast *f)
{
	const struct kolm_format *fmt = f->format.fmt;
	json_t *o = json_object();
	set(o, "id", json_string(fmt->id));
	set(o, "backend", json_string(fmt->backend));
	set(o, "tier", fmt->tier ? json_string(fmt->tier) : json_null());
	set(o, "label", json_string(fmt->label));
	if (fmt->ftype >= 0)
		set(o, "ftype", json_integer(fmt->ftype));
	set(o, "bits_per_weight", json_real(f->format.bits_per_weight));
	if (!strcmp(fmt->backend, "gguf")) {
		set(o, "tensor_types", type_counts(f, 0));
		set(o, "tensor_type_bytes", type_counts(f, 1));
	}
	set(o, "rule", json_string(f->format.rule));
	return o;
}

static json_t *device_json(const struct kolm_forecast *f)
{
	const struct kolm_device *d = &f->device;
	json_t *o = json_object();
	char dn[160];
	set(o, "id", json_string(d->id));
	set(o, "name", json_string(kolm_device_name(d, dn, sizeof dn)));
	set(o, "class", json_string(d->klass));
	set(o, "memory_bytes", json_integer((json_int_t)d->mem_bytes));
	set(o, "memory_kind", json_string(d->mem_kind));
	set(o, "bandwidth_bytes_per_s", json_integer((json_int_t)llround(d->bw_bytes_per_s)));
	set(o, "flops_fp16", json_integer((json_int_t)llround(d->flops_fp16)));
	set(o, "storage_bytes_per_s", json_integer((json_int_t)llround(d->storage_bytes_per_s)));
	if (d->power_mode)
		set(o, "power_mode", json_string(d->power_mode));
	const char *bs = d->json ? json_string_value(json_object_get(d->json, "bandwidth_source")) : NULL;
	if (bs)
		set(o, "bandwidth_source", json_string(bs));
	if (f->device_is_local)
		set(o, "detected",
		    json_pack("{s:s,s:i,s:I,s:s,s:s,s:s}", "cpu_model", f->local.cpu_model, "cores", f->local.cores,
			      "memory_bytes", (json_int_t)f->local.mem_bytes, "gpu", f->local.gpu_name, "board", f->local.board,
			      "how", f->local_why));
	if (f->device_is_local && f->probed)
		json_object_set_new(
			json_object_get(o, "detected"), "probe",
			json_pack("{s:f,s:f,s:i,s:f,s:b,s:s,s:s}", "bandwidth_bytes_per_s", f->probe.bw_bytes_per_s,
				  "flops_fp32_fma", f->probe.flops, "threads", f->probe.threads, "seconds", f->probe.seconds,
				  "cached", f->probe.cached, "measured_at", f->probe.measured_at, "cache", f->probe.cache_path));
	return o;
}

static json_t *backend_json(const struct kolm_forecast *f)
{
	json_t *o = json_object();
	set(o, "id", json_string(f->backend.id));
	set(o, "reason", json_string(f->backend.reason));
	set(o, "runtime", json_string(f->backend.runtime));
	set(o, "runtime_reason", json_string(f->backend.runtime_reason));
	return o;
}

static json_t *size_json(const struct kolm_forecast *f)
{
	json_t *o = json_object();
	set(o, "bytes", json_integer((json_int_t)f->size.bytes));
	set(o, "tensor_bytes", json_integer((json_int_t)f->size.tensor_bytes));
	set(o, "header_bytes", json_integer((json_int_t)f->size.header_bytes));
	set(o, "gb", json_real(f->size.gb));
	set(o, "exact", json_boolean(f->size.exact));
	set(o, "basis", json_string(f->size.basis));
	return o;
}

static json_t *memory_json(const struct kolm_memory *m)
{
	json_t *o = json_object();
	set(o, "weights_bytes", json_integer((json_int_t)m->weights));
	set(o, "kv_cache_bytes", json_integer((json_int_t)m->kv_cache));
	set(o, "kv_type", json_string(m->kv_type));
	set(o, "ctx", json_integer(m->ctx));
	set(o, "compute_buffer_bytes", json_integer((json_int_t)m->compute_buffer));
	if (m->mmproj)
		set(o, "mmproj_bytes", json_integer((json_int_t)m->mmproj));
	if (m->draft)
		set(o, "draft_bytes", json_integer((json_int_t)m->draft));
	set(o, "runtime_base_bytes", json_integer((json_int_t)m->runtime_base));
	set(o, "total_bytes", json_integer((json_int_t)m->total));
	set(o, "device_memory_bytes", json_integer((json_int_t)m->device));
	set(o, "platform_cap_bytes", m->platform_cap ? json_integer((json_int_t)m->platform_cap) : json_null());
	if (m->platform_cap_note && m->platform_cap)
		set(o, "platform_cap_note", json_string(m->platform_cap_note));
	set(o, "usable_bytes", json_integer((json_int_t)m->usable));
	set(o, "overhead", json_string(m->flat ? "flat (--overhead-gb)" : "computed"));
	set(o, "basis",
	    json_string(m->flat ? "flat rule: file size + a flat runtime overhead (--overhead-gb)"
				: "forecast: file + KV cache (2 x layers x ctx x kv_heads x head_dim x kv type bytes, "
				  "sliding-window layers capped) + compute buffer (llama.cpp's graph for one 512-token "
				  "ubatch over the full cache, placed by ggml-alloc's rules: the KQ mask, the "
				  "activations alive at once, the logits and the holes the placement leaves) + its "
				  "output buffer (vocab x 4 B) + runtime base (data/runtimes.json)"));
	return o;
}

static json_t *fit_json(const struct kolm_forecast *f)
{
	json_t *o = json_object();
	set(o, "verdict", json_string(kolm_fit_name(f->fit.verdict)));
	set(o, "ratio", json_real(f->fit.ratio));
	set(o, "rule",
	    json_string(f->memory.flat ? "pass if file + overhead <= 80% of device memory, tight if <= 100%, over above"
				       : "pass if total memory <= 80% of usable memory (device memory, or the platform cap "
					 "when lower), tight if <= 100%, over above"));
	return o;
}

static json_t *ctx_budget_json(const struct kolm_ctx_budget *b)
{
	json_t *per = json_object();
	for (int k = 0; k < 3; k++)
		set(per, b->per_kv_type[k].kv_type,
		    json_pack("{s:I,s:I}", "max_pass", (json_int_t)b->per_kv_type[k].max_pass, "max_fit",
			      (json_int_t)b->per_kv_type[k].max_fit));
	return json_pack("{s:I,s:I,s:I,s:s,s:o,s:s}", "max_pass", (json_int_t)b->max_pass, "max_fit",
			 (json_int_t)b->max_fit, "limit", (json_int_t)b->limit, "kv_type", b->kv_type, "per_kv_type", per,
			 "rule",
			 b->offload ? "largest context (up to the model's trained context) whose --offload split still fits "
				      "on the GPU (the layers that fit go there) with the host RAM side passing (<= 80% of it) / "
				      "fitting (<= 100%)"
				    : "largest context (up to the model's trained context) whose total memory still passes (<= "
				      "80% of usable) / still fits (<= 100%)");
}

static json_t *offload_json(const struct kolm_offload *of)
{
	json_t *o = json_pack("{s:i,s:i,s:I,s:I,s:I,s:I,s:s,s:s,s:s}", "gpu_layers", of->gpu_layers, "host_layers",
			      of->host_layers, "gpu_bytes", (json_int_t)of->gpu_bytes, "host_bytes",
			      (json_int_t)of->host_bytes, "gpu_usable_bytes", (json_int_t)of->gpu_usable,
			      "host_memory_bytes", (json_int_t)of->host_memory, "gpu_verdict",
			      kolm_fit_name(of->gpu_verdict), "host_verdict", kolm_fit_name(of->host_verdict), "basis",
			      of->basis);
	set(o, "ngl", json_integer(of->ngl));
	return o;
}

static json_t *speed_json(const struct kolm_forecast_speed *s)
{
	json_t *o = json_object();
	set(o, "low", json_real(s->low));
	set(o, "mid", json_real(s->mid));
	set(o, "high", json_real(s->high));
	set(o, "basis", json_string(s->basis));
	set(o, "rows", json_integer(s->rows));
	return o;
}

static json_t *k_loss_json(const struct kolm_forecast *f)
{
	const struct kolm_k_loss *k = &f->k_loss;
	const struct kolm_measured_k_loss *m = &f->measured_k_loss;
	json_t *o = json_object();
	set(o, "points", json_real(k->points));
	set(o, "kld", k->kld >= 0 ? json_real(k->kld) : json_null());
	set(o, "basis", json_string(k->basis));
	set(o, "measured",
	    f->has_measured_k_loss ? json_pack("{s:f,s:f,s:f,s:s}", "points", m->points, "reference_k", m->reference_k,
					       "export_k", m->export_k, "basis", m->basis)
				   : json_null());
	return o;
}

static json_t *commands_json(const struct kolm_commands *c)
{
	const char *steps[][2] = {
		{"download", c->download}, {"pack", c->pack}, {"export", c->export},
		{"export_upstream", c->export_upstream}, {"transfer", c->transfer},
		{"run", c->run}, {"verify", c->verify}, {"bench", c->bench},
		{"airgap_source", c->airgap_source}, {"airgap_target", c->airgap_target},
	};
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (steps[i][1])
			set(o, steps[i][0], json_string(steps[i][1]));
	return o;
}

json_t *kolm_forecast_decode_json(const struct kolm_forecast *f)
{
	json_t *o = speed_json(&f->decode);
	set(o, "bandwidth_bound", json_real(f->bandwidth_bound));
	set(o, "bytes_per_token", json_integer((json_int_t)f->bytes_per_token));
	set(o, "depth", json_integer(f->decode_depth));
	json_t *a = json_array();
	for (int i = 0; a && i < f->n_at_ctx; i++) {
		json_t *pt = json_object();
		set(pt, "ctx", json_integer((json_int_t)f->at_ctx[i].ctx));
		set(pt, "low", json_real(f->at_ctx[i].low));
		set(pt, "mid", json_real(f->at_ctx[i].mid));
		set(pt, "high", json_real(f->at_ctx[i].high));
		json_array_append_new(a, pt);
	}
	set(o, "at_ctx", a);
	set(o, "at_ctx_basis", json_string(f->at_ctx_basis));
	return o;
}

json_t *kolm_forecast_prefill_json(const struct kolm_forecast *f)
{
	return speed_json(&f->prefill);
}

/* The rates, the first token and the cold start. */
static void speeds_json(json_t *o, const struct kolm_forecast *f)
{
	set(o, "decode_tps", kolm_forecast_decode_json(f));
	set(o, "prefill_tps", kolm_forecast_prefill_json(f));
	json_t *tt = json_object();
	set(tt, "prompt_tokens", json_integer(f->ttft_prompt_tokens));
	set(tt, "seconds", json_real(f->ttft_s));
	set(o, "ttft_s", tt);
	json_t *cs = json_object();
	set(cs, "seconds", json_real(f->cold_start_s));
	set(cs, "storage", json_string(f->storage));
	set(cs, "basis", json_string("forecast: file size / the storage's sequential read speed (not in the tok/s rate)"));
	set(o, "cold_start_s", cs);
}

json_t *kolm_forecast_json(const struct kolm_forecast *f)
{
	json_t *o = json_object();
	set(o, "schema", json_string("kolm.forecast/1"));
	set(o, "forecast", json_string("figures not read from your own file are forecasts; each names its basis"));
	set(o, "source", source_json(f));
	set(o, "format", format_json(f));
	set(o, "device", device_json(f));
	set(o, "backend", backend_json(f));
	set(o, "size", size_json(f));
	set(o, "memory", memory_json(&f->memory));
	set(o, "fit", fit_json(f));
	if (f->has_ctx_budget)
		set(o, "context", ctx_budget_json(&f->ctx_budget));
	if (f->has_offload)
		set(o, "offload", offload_json(&f->offload));
	speeds_json(o, f);
	set(o, "k_loss", k_loss_json(f));
	set(o, "commands", commands_json(&f->commands));
	if (f->n_gates > 0) {
		json_t *gates = json_array();
		for (int i = 0; i < f->n_gates; i++) {
			const struct kolm_gate_result *g = &f->gates[i];
			json_array_append_new(gates, json_pack("{s:s,s:f,s:f,s:b}", "name", g->name, "limit", g->limit,
							       "value", g->value, "pass", g->pass));
		}
		set(o, "gates", gates);
	}
	set(o, "caveats", json_copy(f->caveats));
	return o;
}

json_t *kolm_forecast_matrix_json(const struct kolm_forecast_matrix *m)
{
	json_t *rows = json_array();
	for (int i = 0; i < m->n_rows; i++) {
		const struct kolm_matrix_row *r = &m->rows[i];
		json_array_append_new(rows, r->skipped ? json_pack("{s:s,s:s,s:s}", "schema", "kolm.forecast/1", "skipped",
								   r->why, m->all_devices ? "device" : "format", r->id)
						       : kolm_forecast_json(&r->f));
	}
	return json_pack("{s:s,s:o}", "schema", "kolm.matrix/1", "rows", rows);
}

json_t *kolm_forecast_best_json(const struct kolm_forecast_best *b)
{
	json_t *rank = json_array();
	for (int i = 0; i < b->n_ranking; i++) {
		const struct kolm_best_row *r = &b->ranking[i];
		json_array_append_new(rank, json_pack("{s:s,s:s,s:b,s:f,s:f,s:I}", "id", r->id, "verdict",
						      kolm_fit_name(r->verdict), "gates_pass", r->gates_pass, "k_loss_points",
						      r->k_loss_points, "decode_tps_mid", r->decode_tps_mid, "params",
						      (json_int_t)r->params));
	}
	return json_pack("{s:s,s:s,s:s,s:o,s:o}", "schema", "kolm.best/1", "rule", b->rule, "why", b->why, "winner",
			 kolm_forecast_json(&b->winner), "ranking", rank);
}

int kolm_forecast_doc(struct kolm_ctx *ctx, const struct kolm_pick *pick, json_t **out, struct kolm_err *err)
{
	struct kolm_forecast f;
	*out = NULL;
	int rc = kolm_forecast(ctx, pick, &f, err);
	if (rc)
		return rc;
	*out = kolm_forecast_json(&f);
	kolm_forecast_release(&f);
	return *out ? KOLM_OK : kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
}

int kolm_forecast_matrix_doc(struct kolm_ctx *ctx, const struct kolm_pick *pick, int all_devices, json_t **out,
			     struct kolm_err *err)
{
	struct kolm_forecast_matrix m;
	*out = NULL;
	int rc = kolm_forecast_matrix(ctx, pick, all_devices, &m, err);
	if (rc)
		return rc;
	*out = kolm_forecast_matrix_json(&m);
	kolm_forecast_matrix_release(&m);
	return *out ? KOLM_OK : kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
}

char *kolm_forecast_dumps(const json_t *f)
{
	return json_dumps(f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
}

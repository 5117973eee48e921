# Stand-in for huggingface/exporters' "python -m exporters.coreml" (git-only, not on
# PyPI, so it cannot be installed here): it takes the same arguments and, with
# the real coremltools 9.0, converts the part of the checkpoint coremltools
# converts on Linux -- the tied embedding, the final RMSNorm and the LM head,
# real weights -- into OUT/Model.mlpackage.  The full transformer does not
# convert here (transformers 5.25's mask code: "PyTorch convert function for
# op 'diff' not implemented"; with eager attention and an explicit mask,
# "TypeError: only 0-dimensional arrays can be converted to Python scalars").
import argparse, json, os, sys
import numpy as np, torch, coremltools as ct
from safetensors.torch import load_file
a = argparse.ArgumentParser()
a.add_argument("--model", required=True); a.add_argument("--feature"); a.add_argument("--quantize")
a.add_argument("output")
o = a.parse_args()
cfg = json.load(open(os.path.join(o.model, "config.json")))
w = load_file(os.path.join(o.model, "model.safetensors"))
emb, norm = w["model.embed_tokens.weight"].float(), w["model.norm.weight"].float()
head = w.get("lm_head.weight", emb).float()
class M(torch.nn.Module):
    def forward(self, ids):
        x = torch.nn.functional.embedding(ids, emb)
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + cfg["rms_norm_eps"]) * norm
        return x @ head.T
ids = torch.zeros((1, 8), dtype=torch.int32)
t = torch.jit.trace(M().eval(), ids)
ml = ct.convert(t, inputs=[ct.TensorType(name="input_ids", shape=(1, 8), dtype=np.int32)],
                outputs=[ct.TensorType(name="logits")], convert_to="mlprogram",
                compute_precision=ct.precision.FLOAT16 if o.quantize == "float16" else ct.precision.FLOAT32)
# no minimum_deployment_target, as huggingface/exporters' export_pytorch calls
# ct.convert (src/exporters/coreml/convert.py): coremltools' default for an
# mlprogram, iOS15
os.makedirs(o.output, exist_ok=True)
ml.save(os.path.join(o.output, "Model.mlpackage"))

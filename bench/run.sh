#!/usr/bin/env bash
# Benchmarks of ollama-rs against the wire's floor (curl, sha256sum) and the official Python
# client, side by side in one run, against the test server's --bench mode on 127.0.0.1.
# Writes BENCHMARKS.md at the repository root and prints its table.
#
#   bench/run.sh [--quick] [--skip-build] [--skip-criterion] [--skip-blobs]
#
# --quick          fewer runs and a 200 MB blob instead of 2 GB (figures are noisier)
# --skip-build     use the release binaries already in $CARGO_TARGET_DIR/release
# --skip-criterion leave out the criterion micro-benchmarks (they need a second release build)
# --skip-blobs     leave out the blob benchmarks (they need 2.5 GB of free disk)
#
# What it installs when missing: Debian packages hyperfine, time, util-linux (script), curl,
# python3-venv (with apt-get); a Python venv in $CARGO_TARGET_DIR/bench/venv with the `ollama`
# package 0.6.x from PyPI. Nothing else is downloaded.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
QUICK=0 BUILD=1 CRITERION=1 BLOBS=1
for arg in "$@"; do
  case $arg in
    --quick) QUICK=1 ;;
    --skip-build) BUILD=0 ;;
    --skip-criterion) CRITERION=0 ;;
    --skip-blobs) BLOBS=0 ;;
    *) sed -n '2,16p' "$0" >&2; exit 2 ;;
  esac
done

say() { printf '\n== %s\n' "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ollama-rs-bench.XXXXXX")
RESULTS=$CARGO_TARGET_DIR/bench/results
SERVER_PID=
BATCH_PIDS=()
cleanup() {
  # Only the servers this script started, by their PIDs.
  for pid in $SERVER_PID "${BATCH_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- tools
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
[ -x /usr/bin/time ] || need_apt+=(time)
command -v script >/dev/null || need_apt+=(util-linux)
command -v curl >/dev/null || need_apt+=(curl)
command -v strace >/dev/null || need_apt+=(strace)
command -v sha256sum >/dev/null || need_apt+=(coreutils)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing Debian packages: ${need_apt[*]}"
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need_apt[@]}" >&2
fi

VENV=$CARGO_TARGET_DIR/bench/venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import ollama' 2>/dev/null; then
  say "creating $VENV and installing the Python client (pip install 'ollama>=0.6,<0.7')"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'ollama>=0.6,<0.7'
fi
PY=$VENV/bin/python

# ---------------------------------------------------------------- build
if [ $BUILD -eq 1 ]; then
  say "building release binaries and examples"
  (cd "$ROOT" && cargo build --release --workspace --bins --examples >&2)
fi
if [ $CRITERION -eq 1 ]; then
  say "criterion micro-benchmarks (crates/ollama-rs/benches/)"
  (cd "$ROOT" && cargo bench -p ollama-rs --bench ndjson --bench parse -- --noplot >&2)
fi
REL=$CARGO_TARGET_DIR/release
BIN=$REL/ollama-rs
CLIENT=$REL/examples/bench-client

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
: >"$RESULTS/commands.tsv"
cmd() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS/commands.tsv"; }
[ $CRITERION -eq 0 ] || cmd criterion "cargo bench -p ollama-rs --bench ndjson --bench parse"

if [ $QUICK -eq 1 ]; then RUNS=3 FAST_RUNS=20 ROUNDS=2; else RUNS=5 FAST_RUNS=50 ROUNDS=5; fi
TOKENS=200000 PULL_LINES=100000 EMBED_INPUTS=2000 EMBED_DIMS=4096 CONCURRENT=1000

# One connection per request in the concurrency run, on both sides of the socket.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ---------------------------------------------------------------- server
say "starting the test server (--bench)"
"$REL/test-server" --port 0 --bench --tokens $TOKENS --pull-lines $PULL_LINES \
  --embed-dims $EMBED_DIMS >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 100); do
  [ -s "$WORK/server.out" ] && break
  sleep 0.1
done
URL=$(head -n1 "$WORK/server.out")
[ -n "$URL" ] || { cat "$WORK/server.err" >&2; echo "the test server did not start" >&2; exit 1; }
export OLLAMA_HOST=$URL
unset OLLAMA_API_KEY
echo "$URL" >"$RESULTS/url"

HF=(hyperfine --style basic --shell=none)

# ---------------------------------------------------------------- 1. streaming
say "1. streaming $TOKENS generate tokens to a pipe"
"$BIN" generate bench hi >"$WORK/rs.txt"
"$PY" "$ROOT/bench/py/stream.py" "$URL" >"$WORK/py.txt"
printf '{"rs_bytes": %s, "py_bytes": %s}\n' "$(wc -c <"$WORK/rs.txt")" "$(wc -c <"$WORK/py.txt")" >"$RESULTS/stream_check.json"
cmp -s "$WORK/rs.txt" "$WORK/py.txt" || echo "warning: the two clients printed different text" >&2
"${HF[@]}" --output=pipe --warmup 1 --runs $RUNS --export-json "$RESULTS/stream.json" \
  -n ollama-rs "$BIN generate bench hi" \
  -n python "$PY $ROOT/bench/py/stream.py $URL" >&2
# How many writes the tokens took (one per token would be 200,000).
if command -v strace >/dev/null; then
  strace -f -qq -e trace=write -o "$WORK/writes" "$BIN" generate bench hi | cat >/dev/null
  grep -c '^[0-9]* *write(1,' "$WORK/writes" >"$RESULTS/stream_writes" || true
fi
cmd stream "OLLAMA_HOST=$URL hyperfine --shell=none --output=pipe '$BIN generate bench hi' '$PY bench/py/stream.py $URL'"

# ---------------------------------------------------------------- 2. start-up
say "2. start-up: list"
"${HF[@]}" --warmup 3 --runs $FAST_RUNS --export-json "$RESULTS/startup.json" \
  -n curl "curl -s $URL/api/tags" \
  -n ollama-rs "$BIN list" \
  -n python "$PY -c 'import ollama; ollama.list()'" >&2
cmd startup "OLLAMA_HOST=$URL hyperfine --shell=none 'curl -s $URL/api/tags' '$BIN list' \"$PY -c 'import ollama; ollama.list()'\""
"${HF[@]}" --warmup 3 --runs $FAST_RUNS --export-json "$RESULTS/version.json" \
  -n ollama-rs "$BIN --version" >&2
cmd version "hyperfine --shell=none '$BIN --version'"
stat -c %s "$BIN" >"$RESULTS/binary_size"
cmd size "stat -c %s $BIN"

# ---------------------------------------------------------------- 3. embeddings
say "3. embeddings: $EMBED_INPUTS inputs x $EMBED_DIMS dims"
inputs_json=$("$PY" -c "import json; print(json.dumps([f'input number {i}' for i in range($EMBED_INPUTS)]))")
curl -s "$URL/api/embed" -d "{\"model\":\"bench\",\"input\":$inputs_json}" | wc -c >"$RESULTS/embed_body_bytes"
"$CLIENT" embed "$URL" $EMBED_INPUTS $ROUNDS >"$RESULTS/embed_rs.json"
"$PY" "$ROOT/bench/py/embed.py" "$URL" $EMBED_INPUTS $ROUNDS >"$RESULTS/embed_py.json"
cmd embed "$CLIENT embed $URL $EMBED_INPUTS $ROUNDS; $PY bench/py/embed.py $URL $EMBED_INPUTS $ROUNDS"
/usr/bin/time -f %M -o "$WORK/rss" "$CLIENT" embed "$URL" $EMBED_INPUTS 0 >/dev/null
cp "$WORK/rss" "$RESULTS/embed_peak_kb"
cmd embed_peak "/usr/bin/time -f %M $CLIENT embed $URL $EMBED_INPUTS 0"
"$PY" -c "[print(f'input number {i}') for i in range($EMBED_INPUTS)]" >"$WORK/inputs.txt"
/usr/bin/time -f %M -o "$WORK/rss" "$BIN" embed bench --batch-size $EMBED_INPUTS <"$WORK/inputs.txt" >/dev/null
cp "$WORK/rss" "$RESULTS/embed_cli_peak_kb"
cmd embed_cli_peak "/usr/bin/time -f %M $BIN embed bench --batch-size $EMBED_INPUTS < inputs.txt > /dev/null"
/usr/bin/time -f %M -o "$WORK/rss" "$PY" "$ROOT/bench/py/embed.py" "$URL" $EMBED_INPUTS 0 >/dev/null
cp "$WORK/rss" "$RESULTS/embed_py_peak_kb"

# ---------------------------------------------------------------- 4. blobs
if [ $BLOBS -eq 1 ]; then
  if [ $QUICK -eq 1 ]; then BIG_MB=200; else BIG_MB=2048; fi
  need_kb=$(((BIG_MB + 200 + 300) * 1024))
  free_kb=$(df -Pk "$WORK" | awk 'NR==2 {print $4}')
  if [ "$free_kb" -lt "$need_kb" ]; then
    echo "skipping blobs: $((free_kb / 1024)) MB free in $WORK, $((need_kb / 1024)) MB needed" >&2
    echo "{\"skipped\": \"only $((free_kb / 1024)) MB free\"}" >"$RESULTS/blob_skipped.json"
  else
    say "4. blobs: ${BIG_MB} MB and 200 MB files in $WORK"
    big=$WORK/big.bin small=$WORK/small.bin
    head -c $((BIG_MB * 1024 * 1024)) /dev/urandom >"$big"
    head -c $((200 * 1024 * 1024)) /dev/urandom >"$small"
    echo $((BIG_MB * 1024 * 1024)) >"$RESULTS/blob_bytes"
    cat "$big" "$small" >/dev/null # warm the page cache
    digest=$(sha256sum "$big" | cut -d' ' -f1)
    "${HF[@]}" --warmup 1 --runs $RUNS --export-json "$RESULTS/hash.json" \
      -n sha256sum "sha256sum $big" \
      -n ollama-rs "$CLIENT hash $big" >&2
    cmd hash "hyperfine --shell=none 'sha256sum big.bin' '$CLIENT hash big.bin'"
    # curl --data-binary reads the file into memory first and refuses files of 1 GiB or more
    # ("out of memory" in curl 7.88), so the big file's floor is curl's streaming upload, -T.
    if [ $BIG_MB -lt 1024 ]; then
      curl_big="curl -s -o /dev/null -H 'Content-Type: application/octet-stream' --data-binary @$big $URL/api/blobs/sha256:$digest"
    else
      curl_big="curl -s -o /dev/null -H 'Content-Type: application/octet-stream' -X POST -T $big $URL/api/blobs/sha256:$digest"
    fi
    echo "$curl_big" | sed "s|$WORK/||; s|$URL|URL|" >"$RESULTS/curl_big_command"
    "${HF[@]}" --warmup 1 --runs $RUNS --export-json "$RESULTS/upload.json" \
      -n curl "$curl_big" \
      -n create_blob "$CLIENT blob $URL $big" >&2
    cmd upload "hyperfine --shell=none \"$(sed "s|URL|$URL|" "$RESULTS/curl_big_command")\" '$CLIENT blob $URL big.bin'"
    # The issue's own floor, --data-binary, on the 200 MB file.
    if [ $BIG_MB -gt 200 ]; then
      small_digest=$(sha256sum "$small" | cut -d' ' -f1)
      "${HF[@]}" --warmup 1 --runs $RUNS --export-json "$RESULTS/upload_small.json" \
        -n sha256sum "sha256sum $small" \
        -n curl "curl -s -o /dev/null -H 'Content-Type: application/octet-stream' --data-binary @$small $URL/api/blobs/sha256:$small_digest" \
        -n create_blob "$CLIENT blob $URL $small" >&2
      cmd upload_small "hyperfine --shell=none 'sha256sum small.bin' \"curl -s -o /dev/null -H 'Content-Type: application/octet-stream' --data-binary @small.bin $URL/api/blobs/sha256:DIGEST\" '$CLIENT blob $URL small.bin'"
    fi
    "$CLIENT" blob "$URL" "$big" >"$RESULTS/blob_split.json"
    /usr/bin/time -f %M -o "$WORK/rss" "$CLIENT" blob "$URL" "$big" >/dev/null
    cp "$WORK/rss" "$RESULTS/blob_peak_big_kb"
    /usr/bin/time -f %M -o "$WORK/rss" "$CLIENT" blob "$URL" "$small" >/dev/null
    cp "$WORK/rss" "$RESULTS/blob_peak_small_kb"
    cmd blob_peak "/usr/bin/time -f %M $CLIENT blob $URL big.bin; the same with small.bin"
    rm -f "$big" "$small"
  fi
fi

# ---------------------------------------------------------------- 5. progress
say "5. progress: pull of $PULL_LINES lines under a pseudo-terminal"
# The bars are drawn only on a terminal: script(1) gives the command one.
script -qfec "$BIN pull bench" "$WORK/typescript" >/dev/null </dev/null
printf '{"drawn_bytes": %s, "bars": %s}\n' "$(wc -c <"$WORK/typescript")" \
  "$(grep -c '▕' "$WORK/typescript" || true)" >"$RESULTS/progress_check.json"
"${HF[@]}" --warmup 1 --runs $RUNS --export-json "$RESULTS/progress.json" \
  -n bars "script -qfec '$BIN pull bench' /dev/null" \
  -n none "script -qfec '$BIN pull bench --progress=none' /dev/null" >&2
cmd progress "OLLAMA_HOST=$URL hyperfine --shell=none \"script -qfec '$BIN pull bench' /dev/null\" \"script -qfec '$BIN pull bench --progress=none' /dev/null\""

# ---------------------------------------------------------------- 6. concurrency
say "6. concurrency: $CONCURRENT chats at once"
"$CLIENT" chat "$URL" $CONCURRENT $ROUNDS >"$RESULTS/chat_rs.json"
"$PY" "$ROOT/bench/py/chat.py" "$URL" $CONCURRENT $ROUNDS >"$RESULTS/chat_py.json"
cmd chat "$CLIENT chat $URL $CONCURRENT $ROUNDS; $PY bench/py/chat.py $URL $CONCURRENT $ROUNDS"

# ---------------------------------------------------------------- 8. batch
if [ $QUICK -eq 1 ]; then BATCH_N=20000 BATCH_BIG=200000 BATCH_RUNS=1; else BATCH_N=100000 BATCH_BIG=1000000 BATCH_RUNS=3; fi
BATCH_J=16 # requests in flight per server, and the Python semaphore
say "8. batch: $BATCH_N embed requests over 1, 2 and 4 servers"
# Four servers of their own, with short vectors (8 dimensions): the job is the requests.
batch_urls=()
for i in 1 2 3 4; do
  "$REL/test-server" --port 0 --bench --embed-dims 8 >"$WORK/batch$i.out" 2>"$WORK/batch$i.err" &
  BATCH_PIDS+=($!)
done
for i in 1 2 3 4; do
  for _ in $(seq 100); do [ -s "$WORK/batch$i.out" ] && break; sleep 0.1; done
  batch_urls+=("$(head -n1 "$WORK/batch$i.out")")
done
"$PY" -c "
import json, sys
for path, n in ((sys.argv[1], int(sys.argv[2])), (sys.argv[3], int(sys.argv[4]))):
  with open(path, 'w') as f:
    for i in range(n):
      f.write(json.dumps({'id': i, 'endpoint': 'embed', 'model': 'bench', 'input': f'input number {i}'}) + '\n')
" "$WORK/batch.jsonl" $BATCH_N "$WORK/batch_big.jsonl" $BATCH_BIG
# Wall time (s) and peak memory (KB) of one run of `ollama-rs batch`, as JSON.
batch_run() { # NAME INPUT HOSTS...
  local name=$1 input=$2; shift 2
  local hosts; hosts=$(IFS=,; echo "$*")
  for run in $(seq $BATCH_RUNS); do
    rm -f "$WORK/out.jsonl"
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$BIN" batch "$input" -o "$WORK/out.jsonl" \
      --hosts "$hosts" -j $BATCH_J 2>"$WORK/batch.err" || { cat "$WORK/batch.err" >&2; exit 1; }
    lines=$(wc -l <"$WORK/out.jsonl")
    errors=$(grep -c '"error"' "$WORK/out.jsonl" || true)
    read -r wall kb <"$WORK/time"
    echo "{\"run\": $run, \"servers\": $#, \"lines\": $lines, \"errors\": $errors, \"seconds\": $wall, \"peak_kb\": $kb}"
  done >"$RESULTS/batch_$name.jsonl"
}
batch_run 1 "$WORK/batch.jsonl" "${batch_urls[0]}"
batch_run 2 "$WORK/batch.jsonl" "${batch_urls[@]:0:2}"
batch_run 4 "$WORK/batch.jsonl" "${batch_urls[@]}"
cmd batch "$BIN batch batch.jsonl -o out.jsonl -j $BATCH_J --hosts URL1[,URL2[,URL3,URL4]]  ($BATCH_N lines: {\"id\": i, \"endpoint\": \"embed\", \"model\": \"bench\", \"input\": \"input number i\"})"
BATCH_RUNS=1 batch_run big "$WORK/batch_big.jsonl" "${batch_urls[@]}"
cmd batch_big "the same with $BATCH_BIG lines over the 4 servers"
/usr/bin/time -f '%M' -o "$WORK/time" "$PY" "$ROOT/bench/py/batch.py" "${batch_urls[0]}" \
  "$WORK/batch.jsonl" "$WORK/out_py.jsonl" $BATCH_J >"$RESULTS/batch_py.json"
cp "$WORK/time" "$RESULTS/batch_py_peak_kb"
cmd batch_py "$PY bench/py/batch.py URL1 batch.jsonl out_py.jsonl $BATCH_J"
rm -f "$WORK/batch.jsonl" "$WORK/batch_big.jsonl" "$WORK/out.jsonl" "$WORK/out_py.jsonl"
for pid in "${BATCH_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
BATCH_PIDS=()

# ---------------------------------------------------------------- report
{
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "ollama-rs: $("$BIN" --version)"
  echo "python: $("$PY" --version 2>&1), ollama $("$PY" -c 'import importlib.metadata as m; print(m.version("ollama"))')"
  echo "rustc: $(rustc --version 2>/dev/null || echo unknown)"
  echo "$(hyperfine --version), $(curl --version | head -n1 | cut -d' ' -f1-2), $(sha256sum --version | head -n1)"
} >"$RESULTS/environment"
"$PY" "$ROOT/bench/report.py" "$RESULTS" "$CARGO_TARGET_DIR/criterion" "$ROOT/BENCHMARKS.md" $QUICK

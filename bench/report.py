"""Turns the raw results of bench/run.sh into BENCHMARKS.md and prints its table.

usage: report.py RESULTS_DIR CRITERION_DIR OUTPUT.md QUICK(0|1)
"""
import json
import os
import sys

results, criterion_dir, output, quick = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == '1'


def path(name):
  return os.path.join(results, name)


def have(name):
  return os.path.exists(path(name))


def load(name):
  with open(path(name)) as f:
    return json.load(f)


def number(name):
  with open(path(name)) as f:
    return float(f.read().strip())


def hyperfine(name):
  """Command name -> (median wall s, mean CPU s = user + system, runs)."""
  out = {}
  for r in load(name)['results']:
    out[r['command']] = (r['median'], r['user'] + r['system'], len(r['times']))
  return out


def criterion(group, bench):
  p = os.path.join(criterion_dir, group, bench, 'new', 'estimates.json')
  if not os.path.exists(p):
    return None
  with open(p) as f:
    return json.load(f)['median']['point_estimate'] / 1e9


def ms(s):
  if s < 0.001:
    return f'{s * 1e6:.1f} µs'
  return f'{s * 1000:.1f} ms' if s < 10 else f'{s:.2f} s'


def sec(s):
  return f'{s:.3f} s' if s < 10 else f'{s:.1f} s'


def mb(b):
  return f'{b / 1e6:.1f} MB'


rows = []
notes = []


def row(num, figure, ours, peer, ratio, target, met):
  verdict = '' if target in ('info', 'report') else 'yes' if met else '**no**'
  rows.append((num, figure, ours, peer, ratio, target, verdict))


# 1. Streaming
if have('stream.json'):
  h = hyperfine('stream.json')
  rs, py = h['ollama-rs'], h['python']
  row('1', 'stream 200,000 tokens to a pipe: CPU (user+sys, mean)', sec(rs[1]), sec(py[1]) + ' (Python)',
      f'{rs[1] / py[1]:.3f}', '≤ 0.05', rs[1] / py[1] <= 0.05)
  if have('stream_writes'):
    row('1', '… `write` calls to stdout for the 200,000 tokens (strace)', f"{number('stream_writes'):.0f}", '', '', 'report', True)
  row('1', '… wall time (median)', sec(rs[0]), sec(py[0]) + ' (Python)', f'{rs[0] / py[0]:.3f}', 'info', True)
  check = load('stream_check.json')
  if check['rs_bytes'] != check['py_bytes']:
    notes.append(f"The two clients printed {check['rs_bytes']} and {check['py_bytes']} bytes.")
serde = criterion('ndjson', 'serde_json_from_slice')
if serde is not None:
  for bench, label in (('decoder_chunk_per_line', 'one chunk per line'), ('decoder_64k_reads', '64 KiB reads'),
                       ('response_stream_chunk_per_line', 'ResponseStream, one chunk per line')):
    ours = criterion('ndjson', bench)
    if ours is not None:
      row('1', f'NDJSON decoding throughput vs serde_json on split lines ({label}), criterion median',
          ms(ours), ms(serde) + ' (serde_json)', f'{serde / ours:.2f}', '≥ 0.50', serde / ours >= 0.5)
  for group in ('parse_embed_200x4096', 'parse_list_20_models'):
    base, ours = criterion(group, 'serde_json_from_slice'), criterion(group, 'decode_line')
    if base and ours:
      row('1', f'document parsing `{group}`: decode_line vs serde_json', ms(ours), ms(base) + ' (serde_json)',
          f'{base / ours:.2f}', 'info', True)
else:
  notes.append('The criterion micro-benchmarks were not run (--skip-criterion).')

# 2. Start-up
h = hyperfine('startup.json')
rs, curl, py = h['ollama-rs'], h['curl'], h['python']
row('2', '`ollama-rs list` wall (median) vs `curl -s /api/tags`', ms(rs[0]), ms(curl[0]) + ' (curl)',
    f'{rs[0] / curl[0]:.2f}', '≤ 1.5', rs[0] / curl[0] <= 1.5)
row('2', '`ollama-rs list` wall (median) vs `python -c "import ollama; ollama.list()"`', ms(rs[0]),
    ms(py[0]) + ' (Python)', f'{rs[0] / py[0]:.3f}', '≤ 0.10', rs[0] / py[0] <= 0.10)

# 3. Embeddings
rs, py = load('embed_rs.json'), load('embed_py.json')
body = number('embed_body_bytes')
peak = number('embed_peak_kb') * 1024
row('3', f"embed {rs['inputs']} inputs × {rs['dims']} dims ({mb(body)} body): request + parse (median)",
    sec(rs['median_seconds']), sec(py['median_seconds']) + ' (Python)',
    f"{py['median_seconds'] / rs['median_seconds']:.1f}× faster", '≥ 5× faster',
    py['median_seconds'] / rs['median_seconds'] >= 5)
row('3', 'embed: peak memory (max RSS of the whole process) / body size', mb(peak), mb(body) + ' (body)',
    f'{peak / body:.2f}', '≤ 1.5', peak / body <= 1.5)
if have('embed_cli_peak_kb'):
  cli = number('embed_cli_peak_kb') * 1024
  pyp = number('embed_py_peak_kb') * 1024
  row('3', '… `ollama-rs embed` command (prints every vector), peak memory / body', mb(cli),
      mb(pyp) + ' (Python client)', f'{cli / body:.2f}', 'info', True)

# 4. Blobs
if have('hash.json'):
  size = number('blob_bytes')
  h = hyperfine('hash.json')
  ours, floor = h['ollama-rs'][0], h['sha256sum'][0]
  row('4', f'hash a {mb(size)} warm file: speed vs sha256sum (median)',
      f'{ms(ours)} ({size / ours / 1e6:.0f} MB/s)', f'{ms(floor)} ({size / floor / 1e6:.0f} MB/s)',
      f'{floor / ours:.2f}', '≥ 0.90', floor / ours >= 0.9)
  u = hyperfine('upload.json')
  blob, upload = u['create_blob'][0], u['curl'][0]
  with open(path('curl_big_command')) as f:
    how = '`curl -T` (streaming)' if ' -T ' in f.read() else '`curl --data-binary`'
  row('4', f'create_blob (hash + upload) of {mb(size)} vs sha256sum + {how} (medians)', ms(blob),
      f'{ms(floor)} + {ms(upload)} = {ms(floor + upload)}', f'{blob / (floor + upload):.2f}', '≤ 1.2',
      blob / (floor + upload) <= 1.2)
  if 'streaming' in how:
    notes.append('curl 7.88 refuses `--data-binary @file` for files of 1 GiB or more ("out of memory": '
                 'it reads the file into memory first), so the 2 GB floor is `curl -X POST -T file`, the same upload '
                 'streamed; the 200 MB row uses `--data-binary` as the issue words it.')
  if have('upload_small.json'):
    us = hyperfine('upload_small.json')
    b, h2, c = us['create_blob'][0], us['sha256sum'][0], us['curl'][0]
    row('4', f'create_blob (hash + upload) of {mb(200 * 1024 * 1024)} vs sha256sum + `curl --data-binary` (medians)', ms(b),
        f'{ms(h2)} + {ms(c)} = {ms(h2 + c)}', f'{b / (h2 + c):.2f}', '≤ 1.2', b / (h2 + c) <= 1.2)
  split = load('blob_split.json')
  row('4', '… of which hashing / upload (one run)', f"{ms(split['hash_seconds'])} / {ms(split['upload_seconds'])}",
      f'{ms(floor)} / {ms(upload)}', '', 'info', True)
  big, small = number('blob_peak_big_kb') * 1024, number('blob_peak_small_kb') * 1024
  row('4', f'create_blob peak memory, {mb(size)} file vs 200 MB file', mb(big), mb(small) + ' (200 MB file)',
      f'{big / small:.2f}', '≤ 50 MB, same', big <= 50e6 and small <= 50e6 and abs(big - small) <= 0.1 * small)
  if quick:
    notes.append('Quick run: the big blob was 200 MB, not 2 GB.')
elif have('blob_skipped.json'):
  notes.append('Blobs were skipped: ' + load('blob_skipped.json')['skipped'])

# 5. Progress
h = hyperfine('progress.json')
bars, none = h['bars'], h['none']
check = load('progress_check.json')
row('5', f"pull of 100,000 progress lines under a pty: CPU with bars vs `--progress=none` "
    f"({check['drawn_bytes']} bytes drawn)", sec(bars[1]), sec(none[1]) + ' (none)', f'{bars[1] / none[1]:.2f}',
    '≤ 1.5', bars[1] / none[1] <= 1.5)

# 6. Concurrency
rs, py = load('chat_rs.json'), load('chat_py.json')
row('6', f"{rs['requests']} concurrent chats on one client: throughput (median of {rs['rounds']} rounds)",
    f"{rs['requests_per_second']:.0f} req/s, {rs['errors']} errors",
    f"{py['requests_per_second']:.0f} req/s, {py['errors']} errors (AsyncClient)",
    f"{rs['requests_per_second'] / py['requests_per_second']:.1f}×", '≥ 5×, no error',
    rs['errors'] == 0 and rs['requests_per_second'] / py['requests_per_second'] >= 5)
if rs['first_error']:
  notes.append(f"First ollama-rs error: {rs['first_error']}")
if py['first_error']:
  notes.append(f"First Python error: {py['first_error']}")

# 8. Batch
if have('batch_1.jsonl'):
  def batch(name):
    with open(path(f'batch_{name}.jsonl')) as f:
      runs = [json.loads(line) for line in f if line.strip()]
    runs.sort(key=lambda r: r['seconds'])
    median = runs[len(runs) // 2]
    return median, max(r['peak_kb'] for r in runs) * 1024, sum(r['errors'] for r in runs)
  one, one_peak, one_err = batch('1')
  py = load('batch_py.json')
  rps = lambda r: r['lines'] / r['seconds']
  n = f"{one['lines']:,}"
  row('8', f'batch: {n} embed requests, one server: throughput (median of runs)',
      f'{rps(one):.0f} req/s, {one_err} errors',
      f"{py['requests_per_second']:.0f} req/s, {py['errors']} errors (asyncio.gather, AsyncClient)",
      f"{rps(one) / py['requests_per_second']:.1f}×", '≥ 5×, no error',
      one_err == 0 and rps(one) / py['requests_per_second'] >= 5)
  for k in ('2', '4'):
    r, _, err = batch(k)
    row('8', f'… over {k} servers: throughput vs one server', f'{rps(r):.0f} req/s, {err} errors',
        f'{rps(one):.0f} req/s (1 server)', f'{rps(r) / rps(one):.2f}× (linear: {k}×)', 'report', True)
  big, big_peak, big_err = batch('big')
  four, four_peak, _ = batch('4')
  row('8', f"batch peak memory: {big['lines']:,} lines vs {four['lines']:,} (4 servers)",
      mb(big_peak) + f', {big_err} errors', mb(four_peak), f'{big_peak / four_peak:.2f}', '≤ 1.2',
      big_err == 0 and big_peak / four_peak <= 1.2)
  row('8', f'… Python peer peak memory, {n} requests', '', mb(number('batch_py_peak_kb') * 1024), '', 'info', True)
  notes.append('Batch scaling: the client and all four test servers share this machine\'s '
               f"{os.cpu_count()} cores, so more servers add no CPU; the ratio shows how little the "
               'client costs per request rather than what four machines would give.')

# 7. Binary
size = number('binary_size')
v = hyperfine('version.json')['ollama-rs']
row('7', 'release binary size (LTO, codegen-units=1, strip)', mb(size), '', '', 'report', True)
row('7', '`ollama-rs --version` wall (median)', ms(v[0]), '', '', 'report', True)

header = ('#', 'Figure', 'ollama-rs', 'Peer / floor', 'Ratio', 'Target', 'Met')
table = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
table += ['| ' + ' | '.join(r) + ' |' for r in rows]

with open(path('environment')) as f:
  environment = f.read().strip().splitlines()
# Commands as one would type them at the repository's root, with the server's address as URL.
root = os.path.dirname(os.path.abspath(output)) + '/'
with open(path('url')) as f:
  url = f.read().strip()
commands = []
with open(path('commands.tsv')) as f:
  for line in f:
    key, command = line.rstrip('\n').split('\t', 1)
    command = command.replace(root, '').replace(url, 'URL')
    commands.append(f'- {key}: `{command}`')

doc = [
  '# Benchmarks',
  '',
  'Written by `bench/run.sh` (do not edit by hand). Every figure comes from one run on one machine, '
  'each comparison side by side; the machine is shared and noisy, so read the ratios. Wall times are '
  "medians, CPU times are hyperfine's means of user + system time over all runs, peak memory is "
  '`/usr/bin/time` max RSS of the whole process. The server is the test server in `--bench` mode '
  '(`cargo run --release --example test-server -- --port 0 --bench`), which sends cached answers '
  'from memory; the Python peer is the official `ollama` package.',
  '',
] + table + ['']
if notes:
  doc += ['## Notes', ''] + [f'- {n}' for n in notes] + ['']
doc += ['## Environment', ''] + [f'- {e}' for e in environment] + ['']
doc += ['## Commands', '', 'From the repository root, with a server started by '
        '`target/release/test-server --port 0 --bench`, `URL` standing for the address it prints; '
        '`big.bin` and `small.bin` are 2 GiB and 200 MiB of random bytes. `bench/run.sh` runs them all.', ''] + commands
doc += ['', '## Reproduce', '', '```sh', 'bench/run.sh            # full run (2 GB blob)',
        'bench/run.sh --quick    # fewer runs, 200 MB blob', '```', '']
with open(output, 'w') as f:
  f.write('\n'.join(doc))
print('\n'.join(table))
for n in notes:
  print('note:', n)
print(f'\nwritten to {output}')

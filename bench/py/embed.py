"""Peer of `bench-client embed`: one embed call of N inputs per round, median after a warm-up."""
import json
import statistics
import sys
import time

import ollama

url, inputs, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = ollama.Client(host=url)
texts = [f'input number {i}' for i in range(inputs)]
times = []
shape = (0, 0)
for round_ in range(rounds + 1):
  start = time.perf_counter()
  r = client.embed(model='bench', input=texts)
  elapsed = time.perf_counter() - start
  shape = (len(r.embeddings), len(r.embeddings[0]) if r.embeddings else 0)
  del r
  if round_ > 0 or rounds == 0:
    times.append(elapsed)
print(json.dumps({'inputs': shape[0], 'dims': shape[1], 'rounds': rounds, 'median_seconds': statistics.median(times)}))

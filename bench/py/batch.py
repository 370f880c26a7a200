"""Peer of `ollama-rs batch`: a JSON-lines file of embed requests sent the way the Python
client's users write it, asyncio.gather over one AsyncClient with a semaphore, the results
written as JSON lines. Prints the wall time and the throughput.

usage: batch.py URL INPUT.jsonl OUTPUT.jsonl CONCURRENCY
"""
import asyncio
import json
import sys
import time

import ollama


async def main(url, input_path, output_path, concurrency):
  client = ollama.AsyncClient(host=url)
  semaphore = asyncio.Semaphore(concurrency)
  with open(input_path) as f:
    requests = [json.loads(line) for line in f if line.strip()]

  async def one(request):
    async with semaphore:
      try:
        response = await client.embed(model=request['model'], input=request['input'])
        return {'id': request['id'], 'response': response.model_dump(exclude_none=True)}
      except Exception as e:  # noqa: BLE001 - every failure becomes an error line
        return {'id': request['id'], 'error': {'message': str(e)}}

  start = time.perf_counter()
  results = await asyncio.gather(*(one(r) for r in requests))
  with open(output_path, 'w') as out:
    for r in results:
      out.write(json.dumps(r) + '\n')
  seconds = time.perf_counter() - start
  errors = sum(1 for r in results if 'error' in r)
  print(json.dumps({'requests': len(requests), 'errors': errors, 'seconds': seconds,
                    'requests_per_second': len(requests) / seconds}))


asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))

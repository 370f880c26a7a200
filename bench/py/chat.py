"""Peer of `bench-client chat`: N concurrent chats on one AsyncClient per round, median after a warm-up."""
import asyncio
import json
import statistics
import sys
import time

import ollama


async def main(url, requests, rounds):
  client = ollama.AsyncClient(host=url)
  times, errors, first_error = [], 0, None

  async def one(i):
    return await client.chat(model='bench', messages=[{'role': 'user', 'content': f'hi {i}'}], options={'num_predict': 8})

  for round_ in range(rounds + 1):
    start = time.perf_counter()
    results = await asyncio.gather(*(one(i) for i in range(requests)), return_exceptions=True)
    elapsed = time.perf_counter() - start
    for r in results:
      if isinstance(r, BaseException) or not r.message.content:
        errors += 1
        first_error = first_error or repr(r)
    if round_ > 0:
      times.append(elapsed)
  seconds = statistics.median(times)
  print(json.dumps({'requests': requests, 'rounds': rounds, 'errors': errors, 'first_error': first_error,
                    'median_seconds': seconds, 'requests_per_second': requests / seconds}))


asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))

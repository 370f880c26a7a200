"""Peer of `ollama-rs generate`: stream a generation and print each token as it arrives."""
import sys

import ollama

client = ollama.Client(host=sys.argv[1])
for part in client.generate(model='bench', prompt='hi', stream=True):
  print(part.response, end='', flush=True)
print()

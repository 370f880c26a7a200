complete --keep-order --exclusive --command ollama-rs --arguments "(COMPLETE=fish ollama-rs -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"

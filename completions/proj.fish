complete --keep-order --exclusive --command proj --arguments "(COMPLETE=fish proj -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"

"""One module per command that lives outside cli.py (serve, stats, check, import, publish, outline,
review); cli.py loads each only when it is run, so `congressgen build` starts fast."""

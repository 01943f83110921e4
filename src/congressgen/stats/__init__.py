"""`congressgen stats`: 阅读 and 下载量 counts measured from the web server's own access logs.

- `logparse`: lines of nginx/Apache logs (combined or JSON), plain or gzip;
- `bots`: the user agents that are not readers;
- `urlmap`: request URL → report, from the same site model the build makes;
- `store`: the SQLite store `data/stats.sqlite3` and what a build reads from it;
- `ingest`: reading logs into the store without ever counting a line twice.

Modules are imported by name (not re-exported here): the build imports only `store`.
"""

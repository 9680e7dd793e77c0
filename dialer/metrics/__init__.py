"""Prometheus metrics at `/metrics`: what the runtime holds, read at scrape time (live.py),
the ARI and database latency histograms fed by hooks (registry.py), the campaigns'
abandonment read from the database per scrape (store.py), and who may scrape (access.py,
http.py)."""

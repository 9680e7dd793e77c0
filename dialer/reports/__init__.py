"""Reports (issue 18): agent performance, campaigns per hour, dispositions; pure figures
(periods.py, agents.py, campaigns.py, dispositions.py, charts.py, tables.py), their reads
(store.py), the JSON / CSV routes and the console pages (http.py)."""

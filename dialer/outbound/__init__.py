"""Outbound campaigns: the runner (runner.py), the calls (shell.py), their pure decisions
(decisions.py, pacing.py, sharing.py, eligibility.py, rules.py, amd.py, records.py) and storage."""

"""Follow-ups: the pure rules (decisions.py), their storage (store.py), the calls (shell.py)."""

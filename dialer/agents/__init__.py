"""Agents: their desk-phone sessions (shell.py) and what the runtime reads of them (store.py)."""

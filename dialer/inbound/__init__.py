"""Calls to the company number: ring groups and action-plan calls (shell.py), who rings
(ringing.py, pure), the ring plan and settings (store.py)."""

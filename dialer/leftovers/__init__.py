"""Channels left in the Stasis app after a restart that nothing tracks (shell.py)."""

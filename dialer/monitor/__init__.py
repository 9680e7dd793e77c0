"""Supervisors on agents' calls: listen, whisper, barge (issue 18)."""

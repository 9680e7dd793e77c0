"""The voicemail beep: a pure detector (detector.py) and the listener on a call's audio (shell.py)."""

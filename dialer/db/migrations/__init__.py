"""peewee-migrate migration files (NNN_name.py), read by `dialer.db.migrate`.

A package so that setuptools ships the files with `dialer`.
"""

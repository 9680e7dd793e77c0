"""Accounts: plans, users, roles, profiles, API tokens (HTTP routes; store in dialer/db)."""

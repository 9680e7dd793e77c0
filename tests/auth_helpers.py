"""Signing tests in: a user of the account with a role, and the API token header to send."""

from __future__ import annotations

from dialer.db import auth
from dialer.db.models import User


def bearer(account_id: int, role: str = "admin", username: str | None = None,
           **user_fields) -> dict:
    """Headers of a new user of the account (sync: run it in the database's thread)."""
    name = username or f"{role.replace(' ', '-')}-{User.select().count() + 1}"
    user = auth.create_user(account_id, username=name, password="password1", role=role,
                            **user_fields)
    return {"Authorization": f"Bearer {auth.create_api_token(user['id'])['token']}"}

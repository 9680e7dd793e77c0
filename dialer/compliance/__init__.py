"""Compliance (issue 17): do-not-call lists at registry scale, looked up by index at claim time."""

# dialer.db.models imports our models at its end (MODELS); loading it first keeps that
# order whichever module is imported first.
from ..db import models as _db_models  # noqa: F401,E402

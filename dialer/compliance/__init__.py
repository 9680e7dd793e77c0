"""Compliance (issue 17): do-not-call lists at registry scale, looked up by index at claim time;
calling rules by the callee's jurisdiction (jurisdictions.py, calling.py) and the verdict each
attempt keeps (evidence.py)."""

from typing import TYPE_CHECKING

# dialer.db.models imports our models at its end (MODELS): loading it first keeps that
# order whichever module is imported first. Import order only: nothing for mypy to follow.
if not TYPE_CHECKING:
    from ..db import models as _db_models  # noqa: F401

"""Hold, transfers (blind, warm) and three-way conference of an answered call (issue 18)."""

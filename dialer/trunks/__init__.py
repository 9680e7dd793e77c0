"""Carriers: trunks as objects, the routing choice per attempt, trunk health."""

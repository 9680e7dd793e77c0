"""Caller-ID pools: local presence, daily caps, numbers rested on a low answer rate."""

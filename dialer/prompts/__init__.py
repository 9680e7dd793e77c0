"""Audio prompts (issue 19): an account's own recordings (uploaded, recorded from a desk
phone, or spoken by espeak-ng), converted for telephone audio and played by id; and the
shipped Asterisk sounds a message may name instead."""

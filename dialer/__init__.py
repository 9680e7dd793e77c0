"""dialer: a call-campaign dialer running as an Asterisk ARI (Stasis) application."""
__version__ = "0.1.0"

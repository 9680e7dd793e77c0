"""The only code that talks to Asterisk: ARI REST client, events websocket, reconnect + resync."""

from .client import AriClient, backoff_delay
from .rest import CALL_BRIDGE_TYPE, encode_params, once_in_stasis
from .errors import AriConflict, AriError, AriNotFound, AriUnavailable, AriUnprocessable
from .events import CATCH_ALL, GLOBAL_KEY, Dispatcher, event_key, parse_event

__all__ = [
    "AriClient", "AriError", "AriNotFound", "AriConflict", "AriUnprocessable", "AriUnavailable",
    "Dispatcher", "event_key", "parse_event", "backoff_delay", "encode_params", "once_in_stasis",
    "CATCH_ALL", "GLOBAL_KEY", "CALL_BRIDGE_TYPE",
]

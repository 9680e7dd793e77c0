"""The Asterisk lab: a real PBX plus a carrier/phone simulator, for demos and tests."""

from .instances import Instance, Lab, LabConfig
from .root import LabError, ensure_root

__all__ = ["Instance", "Lab", "LabConfig", "LabError", "ensure_root"]

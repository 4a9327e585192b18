"""Run a student's code in an untrusted worker process; see docs/grading.md."""
from .protocol import Handle, ProtocolError
from .proxy import KINDS, Sandbox, StudentError, StudentModule

__all__ = ["Handle", "KINDS", "ProtocolError", "Sandbox", "StudentError", "StudentModule"]

"""Download the Louvre's online image library, one zip per artwork entry."""

__version__ = "0.1.0"

"""sse-profiles: member profiles of social and solidarity economy organizations -> validated records."""

__version__ = "0.1.0"

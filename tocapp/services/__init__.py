"""Use cases. Each takes an explicit session and acting user, flushes, and never commits:
the request wrapper (or the CLI command) commits once at the end."""

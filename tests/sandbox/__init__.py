"""The local TikTok sandbox, a package: tests do `from sandbox.client import
Sandbox` with tests/ on the path.

Its modules import each other relatively (`from .sb_state import ...`), so they
load once, as sandbox.sb_*, however the sandbox is started.  The entry point
stays a script, `python3 tests/sandbox/sandbox.py ...` (client.py starts it so):
it puts tests/ on the path and imports the package by name.
"""

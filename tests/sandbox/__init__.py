"""The local TikTok sandbox; a package so that tests can `from sandbox.client import Sandbox`."""

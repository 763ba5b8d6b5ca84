"""Unleash's dialect: its statistics routes and renderings, and the client API SDKs speak."""

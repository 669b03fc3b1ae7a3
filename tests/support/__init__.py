"""Test support: real PostgreSQL and Redis servers on free loopback ports, shared fixtures."""

"""Sphinx extension drawing OpenStack operation sequence diagrams."""

__version__ = "0.1.0"

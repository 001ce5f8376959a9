"""Subcommands beyond `check`, one module each, registered on the CLI group."""
from __future__ import annotations


def register(group) -> None:
    for name in ("lint", "fmt", "test", "explain", "penalties"):
        module = __import__(f"compliance.commands.{name}", fromlist=["command"])
        group.add_command(module.command)

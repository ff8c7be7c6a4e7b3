"""The `jiayi` command. Each part of Jiayi registers its own sub-commands."""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules providing `register(subparsers, groups)`, in the order they appear in --help;
# `groups` maps a command group ("nlu", "voice") to its sub-commands so that a later
# module may add to it (the benchmarks add `jiayi nlu bench` and `jiayi voice bench`).
COMMAND_MODULES = (
    "bot.commands",
    "nlu.cli",
    "nlu.speech.cli",
    "scheduler.cli",
    "bot.bench.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jiayi", description="Jiayi (家医) community health bot")
    sub = parser.add_subparsers(dest="command", required=True)
    groups: dict[str, argparse._SubParsersAction] = {}
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A part not installed in this build simply adds no commands.
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.register(sub, groups)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from actions.config import SettingsError

    try:
        result = args.handler(args)
    except SettingsError as exc:
        print(f"jiayi: a setting cannot be used: {exc}", file=sys.stderr)
        return 2
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())

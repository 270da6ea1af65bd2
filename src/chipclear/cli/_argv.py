"""Which option or argument a raw command-line word belongs to, for an error that names it.

An argument that is not UTF-8 text is refused before click parses anything (click would pass its lone surrogates
on to the engine); the message names the option the word is the value of (``--end-user``), or the positional
argument (``NAME``), as every other bad input names its field. Only the command tree is read: no command runs.
"""

from __future__ import annotations

from typing import Any


def argument_label(root: Any, args: list[str], index: int) -> str:
    """The name of the option or argument that ``args[index]`` (0-based) fills, or ``argument N`` (1-based)."""
    fallback = f"argument {index + 1}"
    command, positional, expects_value_of = root, 0, None
    for i, word in enumerate(args[: index + 1]):
        if expects_value_of is not None:
            if i == index:
                return str(expects_value_of)
            expects_value_of = None
            continue
        if word.startswith("-") and word != "-":
            name, sep, _ = word.partition("=")
            option = _option(command, name)
            if option is None:
                return fallback
            if sep:
                if i == index:
                    return _long_name(option)
            elif not _is_flag(option):
                expects_value_of = _long_name(option)
            continue
        sub = _subcommand(command, word) if positional == 0 else None
        if sub is not None:
            if i == index:
                return fallback
            command, positional = sub, 0
            continue
        if i == index:
            argument = _positional_name(command, positional)
            return f"argument {argument}" if argument else fallback
        positional += 1
    return fallback


def _subcommand(command: Any, word: str) -> Any:
    real = getattr(command, "real_command", None)
    if real is not None:
        return real(word)
    commands = getattr(command, "commands", None)
    return commands.get(word) if commands else None


def _option(command: Any, name: str) -> Any:
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") == "option" and name in [*param.opts, *param.secondary_opts]:
            return param
    return None


def _is_flag(option: Any) -> bool:
    return bool(getattr(option, "is_flag", False) or getattr(option, "count", False))


def _long_name(option: Any) -> str:
    return str(max(option.opts, key=len))


def _positional_name(command: Any, position: int) -> str | None:
    arguments = [p for p in getattr(command, "params", []) if getattr(p, "param_type_name", "") == "argument"]
    for argument in arguments:
        if argument.nargs == -1 or position < argument.nargs:
            return str(argument.name).upper()
        position -= argument.nargs
    return None

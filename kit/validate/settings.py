"""The Settings tab: keys the kit does not know, and values it cannot use, with what it uses instead.

``kit.program.read_setting`` decides whether a value is usable, as it does when the kit reads ``Settings``,
so a value is reported exactly when the kit falls back to its default.
"""

from __future__ import annotations

from typing import Any

from kit import schema
from kit.cells import as_text, parse_amount, parse_int
from kit.errors import KitError
from kit.program import Program, Settings, read_setting
from kit.segments import parse_segments
from kit.validate.findings import _Collector
from kit.validate.words import _quote, suggest

S = schema.SETTINGS.col


def _setting_rule(setting: schema.Setting) -> str:
    """The values a setting takes, in words: 'a whole number from 1 to 12', 'yes or no'."""
    if setting.kind is schema.SettingKind.YES_NO:
        return "yes or no"
    noun = "a whole number" if setting.kind is schema.SettingKind.INTEGER else "a number"
    low, high = (f"{b:g}" if b is not None else None for b in (setting.low, setting.high))
    if low is not None and high is not None:
        return f"{noun} from {low} to {high}"
    if low is not None:
        return f"{noun} from {low} up"
    return f"{noun} up to {high}" if high is not None else noun


def _setting_used(settings: Settings, key: str) -> str:
    """What the kit uses instead of an unusable value of ``key``, in words (from ``Settings``, so the two agree)."""
    used = settings.value(key) if key in schema.SETTING_BY_KEY else None
    if used is None:  # an activity's SLA with no declaration of its own: the program's default SLA
        return f"uses {schema.SLA_PREFIX}default ({settings.integer(schema.SLA_PREFIX + 'default')})"
    if isinstance(used, bool):
        return f"uses the default {'yes' if used else 'no'}"
    return f"uses the default {used:g}"


def _settings_checks(found: _Collector, program: Program) -> None:
    """Unknown keys, and values the kit cannot use: ``read_setting`` decides, as it does for ``Settings``."""
    frame = program[schema.SETTINGS]
    tab = schema.SETTINGS.name
    known_keys = list(schema.SETTING_BY_KEY) + [f"{schema.SLA_PREFIX}{a}" for a in schema.ACTIVITY_TYPES]
    for row, key, value in zip(frame.index, frame[S.key], frame[S.value], strict=True):
        if key is None:
            continue
        setting = schema.setting_declaration(key)
        if setting is None:
            guess = suggest(key, known_keys, cutoff=80)
            hint = f'; did you mean "{guess}"?' if guess else " and ignores it."
            found.add(tab, row, S.key, "unknown_setting", f"The kit has no setting {_quote(key)}{hint}")
            continue
        if value is None:
            continue
        if setting.kind is schema.SettingKind.SEGMENTS:
            try:
                parse_segments(value)
            except KitError as error:
                found.add(tab, row, S.value, "bad_setting", f"{key} cannot be read: {error}.")
        elif read_setting(setting, value) is None:
            found.add(
                tab,
                row,
                S.value,
                "bad_setting",
                f"{key} is {_quote(_short(value))}, {_setting_fault(setting, value)}; the kit "
                f"{_setting_used(program.settings, key)} until this is fixed.",
            )


def _short(value: Any) -> Any:
    """A long cell as a person can read it in one line: a huge number as 1e+308 rather than its 309 digits."""
    text = as_text(value)
    if len(text) <= 30:
        return value
    number = parse_amount(value)
    return f"{number:.4g}" if number is not None else text[:30] + "…"


def _setting_fault(setting: schema.Setting, value: Any) -> str:
    """What is wrong with a value ``read_setting`` refused: too large, too small, or not what it takes."""
    if setting.kind in (schema.SettingKind.INTEGER, schema.SettingKind.NUMBER):
        number = parse_int(value) if setting.kind is schema.SettingKind.INTEGER else parse_amount(value)
        if number is not None and setting.high is not None and number > setting.high:
            return f"too large: at most {setting.high:g}"
        if number is not None and setting.low is not None and number < setting.low:
            return f"too small: at least {setting.low:g}"
    return f"not {_setting_rule(setting)}"

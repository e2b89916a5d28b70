"""Render user-facing sentences from scripts_zh/ templates and load lexicons kept there as data."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
import yaml

SCRIPTS_DIR = Path(str(files("scripts_zh")))
LEXICON_DIR = SCRIPTS_DIR / "lexicons"
DATA_DIR = SCRIPTS_DIR / "data"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(SCRIPTS_DIR),
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # replies are plain text; each transport escapes for its own markup
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    auto_reload=False,  # templates ship with the code: no stat() of the file on every reply
)


def render(template: str, /, **context: Any) -> str:
    """Render the template `scripts_zh/<template>.j2` with a strict context.

    Args:
        template: Template name without the `.j2` suffix, e.g. "ask_monthly_income".
        **context: Values the template uses; numbers arrive already formatted.

    Returns:
        The rendered text, stripped of leading and trailing blank space.
    """
    return _env.get_template(f"{template}.j2").render(**context).strip()


def block(template: str, name: str, /, **context: Any) -> str:
    """Render one named block of a template alone (a form slot's `label`), stripped.

    Args:
        template: Template name without the `.j2` suffix.
        name: The block's name.
        **context: Values the block uses.
    """
    compiled = _env.get_template(f"{template}.j2")
    return "".join(compiled.blocks[name](compiled.new_context(context))).strip()


def template_names() -> list[str]:
    """List every template name (relative, without `.j2`)."""
    return sorted(
        str(path.relative_to(SCRIPTS_DIR).with_suffix("")) for path in SCRIPTS_DIR.rglob("*.j2")
    )


@cache
def _labels() -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted(LEXICON_DIR.glob("buttons*.yaml")):
        with path.open(encoding="utf-8") as handle:
            merged.update(yaml.safe_load(handle) or {})
    return merged


def label(choice_id: str) -> str:
    """Return a button's label: `lexicons/buttons*.yaml`, keyed by the choice id or its prefix.

    A parametrised id such as "edit_loan:2" is labelled by "edit_loan" rendered with the number.
    """
    labels = _labels()
    if choice_id in labels:
        return labels[choice_id]
    head, _, arg = choice_id.rpartition(":")
    while head:  # the longest prefix that has a label: "rm:pd:15" is labelled by "rm:pd"
        if head in labels:
            return labels[head].format(arg=arg, n=int(arg) + 1 if arg.isdigit() else arg)
        head, _, rest = head.rpartition(":")
        arg = f"{rest}:{arg}"
    raise KeyError(f"no label for button {choice_id!r}")


@cache
def lexicon(name: str) -> Any:
    """Load `scripts_zh/lexicons/<name>.yaml` once and keep it."""
    with (LEXICON_DIR / f"{name}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)

"""The Jinja2 templates of the release: the linked-data pages, the ontology page, the web server rules.

The templates are files in ``src/cyberlex/templates/`` (shipped in the wheel as package data): the
view half of the modules that fill them, each reading only the names its module passes
(``StrictUndefined``: a misspelt name fails instead of printing nothing).

Two environments, each made once and each template compiled once (``auto_reload`` off: no stat of
the file per page):

- HTML (``*.html``), autoescaped. A value is escaped as ``html.escape`` does (quotes as ``&#x27;``
  and ``&quot;``), through ``finalize``: the pages have always been written so, and a release stays
  the same bytes as before the templates; Jinja2's own escaping (``&#39;``, ``&#34;``) would change
  every page with an apostrophe. Values that are already HTML (a macro's output) pass as they are.
- Text (the Apache, nginx and w3id.org rules), not escaped: these are not HTML.

Whitespace: ``trim_blocks`` and ``lstrip_blocks`` (a line holding only a block tag writes nothing)
and ``keep_trailing_newline``, so a template's lines are the lines of the file it writes.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

_LOADER = PackageLoader("cyberlex", "templates")
_OPTIONS: dict[str, Any] = {"loader": _LOADER, "undefined": StrictUndefined, "auto_reload": False,
                            "trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}


def escape_html(value: object) -> object:
    """A value as ``html.escape(…, quote=True)`` escapes it; HTML (a Markup) as it is. Text without
    quotes is left to Jinja2's escaping, which writes &, < and > as html.escape does (and faster)."""
    if type(value) is not str:
        if hasattr(value, "__html__"):
            return value
        value = str(value)
    if "'" in value or '"' in value:
        return Markup(html.escape(value, quote=True))
    return value


@cache
def html_environment() -> Environment:
    """The environment of the HTML templates (autoescape on)."""
    return Environment(autoescape=True, finalize=escape_html, **_OPTIONS)


@cache
def text_environment() -> Environment:
    """The environment of the plain-text templates (server rules; no escaping)."""
    return Environment(autoescape=False, **_OPTIONS)


@cache
def html_template(name: str) -> Template:
    """An HTML template by its path under templates/, compiled once."""
    return html_environment().get_template(name)


@cache
def text_template(name: str) -> Template:
    """A plain-text template by its path under templates/, compiled once."""
    return text_environment().get_template(name)

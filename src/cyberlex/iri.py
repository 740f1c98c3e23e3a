"""Checking IRIs that come from documents before they become nodes of the graph.

A document may state any string as an IRI (an Akoma Ntoso keyword's ``href``, for one). Such an IRI
becomes a node, and a node under the base IRI becomes a page of the static site, written to a path
made from the IRI: ``…/id/../../../x`` or ``…/id//etc`` would name a file outside the site. So an IRI
from a document is taken only when it is an absolute http(s) IRI in the sense of RFC 3987 that a web
server would serve as written: a host, no spaces or characters IRIs exclude, and a path without
dot-segments (``.``, ``..``, also percent-encoded) or empty segments (``//``). Anything else is
dropped, with the reason, by the caller.
"""

from __future__ import annotations

import re
import urllib.parse

# Characters no IRI may hold (RFC 3987 excludes them; they are also what breaks Turtle and HTML):
# controls, space and other white space, and <>"{}|\^`.
_EXCLUDED = re.compile(r'[\x00-\x20\x7f-\x9f<>"{}|\\^`\s\u2028\u2029\ufeff]')
# A percent-escape must be two hexadecimal digits.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#@:\[\]]+)(?::\d{0,5})?$")


def iri_problem(iri: str) -> str | None:
    """Why an IRI from a document cannot become a node (one phrase), or None when it can."""
    if not iri:
        return "empty IRI"
    if len(iri) > 2000:
        return "IRI longer than 2000 characters"
    if _EXCLUDED.search(iri):
        return "IRI with a space, a control character or one of <>\"{}|\\^`"
    if _BAD_ESCAPE.search(iri):
        return "IRI with a malformed percent-escape"
    scheme, _sep, rest = iri.partition(":")
    if scheme.lower() not in ("http", "https") or not rest.startswith("//"):
        return "not an absolute http(s) IRI"
    authority, path = _split_authority(rest[2:])
    if "@" in authority:
        return "IRI with user information"
    if not authority or not _HOST.match(authority):
        return "IRI without a valid host"
    path = re.split(r"[?#]", path, maxsplit=1)[0]
    if path in ("", "/"):
        return None
    segments = path[1:].split("/")
    for number, segment in enumerate(segments):
        decoded = urllib.parse.unquote(segment)
        if decoded in (".", ".."):
            return "IRI with a dot-segment (. or ..) in its path"
        if "/" in decoded or "\\" in decoded:
            return "IRI with an encoded slash in its path"
        if segment == "" and number < len(segments) - 1:
            return "IRI with an empty segment (//) in its path"
    return None


def _split_authority(rest: str) -> tuple[str, str]:
    end = len(rest)
    for mark in "/?#":
        found = rest.find(mark)
        if found != -1:
            end = min(end, found)
    return rest[:end], rest[end:]

"""Read HTML (EUR-Lex, the Council register, news pages): the text of the content, without navigation.

Parsed by lxml's HTML parser (no network, comments and processing instructions dropped). Scripts,
styles, forms, navigation, page headers and footers, asides and elements whose id, class or role
names a menu, breadcrumb, cookie banner or sidebar are removed; the content is ``main``, else the
one ``article``, else EUR-Lex's document container, else ``body``. Headings, paragraphs, list
items and table cells are each written as one paragraph, separated by blank lines.
"""

from __future__ import annotations

import re

from lxml import etree, html

MEDIA_TYPE = "text/html"
MAX_HTML_BYTES = 64 * 1024 * 1024
DROP_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "button",
             "select", "iframe", "svg", "menu")
BOILERPLATE = re.compile(r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|cookies?|consent|sidebar|"
                         r"footer|header|banner|skip|share|social|toolbar|language-?(?:selector|switcher))(?:$|[\s_-])",
                         re.I)
BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd", "blockquote", "pre", "caption",
          "figcaption", "title"}
CONTENT = ("//main", "//article", "//*[@id='document1']", "//*[@id='text']", "//*[contains(@class,'eli-container')]",
           "//body")


class HtmlError(ValueError):
    """An HTML file that cannot be read; the message says why."""


def looks_like_html(data: bytes) -> bool:
    """Whether the bytes start (after a BOM, blanks, an XML declaration or comments) as an HTML page."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    head = re.sub(rb"<\?xml.*?\?>|<!--.*?-->|\s+", b" ", head, flags=re.S).strip()
    return head.startswith((b"<!doctype html", b"<html")) or bool(
        re.match(rb"<(?:head|body|meta|title)\b", head))


def read_html(data: bytes) -> str:
    """The text of an HTML page's content, headings and paragraphs kept, navigation and boilerplate left out."""
    if len(data) > MAX_HTML_BYTES:
        raise HtmlError(f"the HTML file is larger than {MAX_HTML_BYTES // (1024 * 1024)} MB")
    parser = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False)
    try:
        root = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise HtmlError(f"not readable HTML: {exc}") from exc
    for el in list(root.iter(*DROP_TAGS)):
        _drop(el)
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.tag in ("html", "body", "main", "article"):
            continue
        names = " ".join(filter(None, (el.get("id"), el.get("class"), el.get("role"))))
        if names and BOILERPLATE.search(names):
            _drop(el)
    content = next((found[0] for xpath in CONTENT if (found := root.xpath(xpath))), root)
    lines: list[str] = []
    _blocks(content, lines)
    return "\n\n".join(lines) + "\n"


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    previous = el.getprevious()
    parent.remove(el)
    if tail:  # keep the text that followed the element
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _blocks(el: etree._Element, lines: list[str]) -> None:
    """Block elements in document order; text directly in a container (a div with text) is a block too."""
    if not isinstance(el.tag, str):
        return
    if el.tag in BLOCKS:
        text = " ".join(el.text_content().split())
        if text:
            lines.append(text)
        return
    loose = " ".join((el.text or "").split())
    if loose:
        lines.append(loose)
    for child in el:
        _blocks(child, lines)
        tail = " ".join((child.tail or "").split())
        if tail:
            lines.append(tail)

"""Web server rules for the linked-data pages: the Apache .htaccess written at the site's root, an
nginx snippet doing the same, and the .htaccess to propose to w3id.org. Each is a template in
templates/rules/; this module works out the paths it needs from the base IRI."""

from __future__ import annotations

import urllib.parse

from cyberlex.map import mapping
from cyberlex.site.templating import text_template


def clause_kinds() -> str:
    """The path segments of a clause below its instrument's IRI (mappings/rdf.toml: "op", "pre"), as
    a regular expression's alternatives: the rules send a clause's IRI to its instrument's page."""
    return "|".join(sorted(mapping()["clause"]["path"].values()))


def apache_rules(base: str) -> str:
    """An .htaccess for Apache (mod_rewrite) at the site's root: the bare IRI gets a 303 to its page,
    its Turtle or its JSON-LD by the Accept header; ``<IRI>.ttl`` and ``<IRI>.jsonld`` work too."""
    return text_template("rules/apache.htaccess").render(base=base, clause_kinds=clause_kinds())


def nginx_rules(base: str, root: str = "/srv/cyberlex/site") -> str:
    """An nginx server snippet doing what the .htaccess does."""
    path = urllib.parse.urlsplit(base).path or "/"
    return text_template("rules/nginx.conf").render(base=base, root=root, path=path,
                                                       clause_kinds=clause_kinds())


def w3id_rules(base: str, site_url: str, ontology_url: str | None = None) -> str:
    """The .htaccess to propose to w3id.org (github.com/perma-id/w3id.org) for the folder of the base
    IRI: every IRI is sent 303 to the hosted static site, by Accept, so the host needs no rules."""
    path = urllib.parse.urlsplit(base).path.strip("/")
    top, _, rest = path.partition("/")
    return text_template("rules/w3id.htaccess").render(
        base=base, top=top, prefix=(rest + "/") if rest else "", site=site_url.rstrip("/") + "/",
        ontology=ontology_url.rstrip("/") if ontology_url else "", clause_kinds=clause_kinds())

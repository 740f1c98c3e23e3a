"""The site wing: the linked-data pages of a release and of `cyberlex serve --pages`.

`index` indexes the graph, `html` chooses what a page shows and renders it from the Jinja2 templates
(`templating`), `writer` writes the static site, `rules` the web server rules, `server` answers by
content negotiation, `ontodoc` renders the ontology page; `pages` gathers the public names.
"""

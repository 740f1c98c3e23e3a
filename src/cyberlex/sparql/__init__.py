"""The SPARQL wing: `query` (a build loaded into Oxigraph, or any SPARQL 1.1 endpoint), `serve` (the
Oxigraph server as a child process) and `guard` (the proxy in front of it that bounds queries)."""

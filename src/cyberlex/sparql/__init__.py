"""The SPARQL wing: `query` (a build loaded into Oxigraph, or any SPARQL 1.1 endpoint), `serve` (the
Oxigraph server as a child process) and `guard` (the proxy in front of it that bounds queries)."""

# The bounds on a query (cyberlex.sparql.query.QueryLimits), here so that the command line's options name
# them without importing the query module (and its HTTP client) on every command.
DEFAULT_MAX_QUERY_BYTES = 256 * 1024
DEFAULT_MAX_QUERY_DEPTH = 100

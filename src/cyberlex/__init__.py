"""cyberlex: a knowledge graph of international legal instruments on cybercrime."""

__version__ = "0.1.0"

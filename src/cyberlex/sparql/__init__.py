"""The sparql wing of cyberlex."""

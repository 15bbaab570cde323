"""Security graph, permission semantics and attack paths."""

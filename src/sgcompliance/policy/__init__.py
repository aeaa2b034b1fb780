"""The policy language: the JSON Schema contract, the loader, and the built-in packs."""

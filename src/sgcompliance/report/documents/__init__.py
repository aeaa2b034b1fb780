"""Formats of one JSON document per finding (ASFF, OCSF) and SARIF."""

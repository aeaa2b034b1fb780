"""sgcompliance: keeps AWS security groups compliant across an AWS Organization."""

from __future__ import annotations

__version__ = "0.1.0"

"""The pure engine: values and functions only (standard library, no I/O, no clock)."""

"""The HTML report: one self-contained page, its parts, and the text that goes into it."""

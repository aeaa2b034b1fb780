"""Report writers: one module per output format, chosen by name through `formats`."""

"""The demo: `sgc local demo` tells a story against the local AWS."""

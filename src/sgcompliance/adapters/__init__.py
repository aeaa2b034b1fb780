"""Adapters: the outside world behind the ports (AWS in `aws/`, local files, EMF log lines)."""

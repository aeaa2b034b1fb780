"""The only package that talks to AWS: sessions, member-account roles, EC2 reads and writes.

Nothing here builds a client at import time; callers hold a `ClientFactory` and pass clients on.
"""

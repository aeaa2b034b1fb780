"""Entry points: the `sgc` command line and (later) the Lambda handler."""

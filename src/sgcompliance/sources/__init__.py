"""What is judged: snapshots of security groups read from documents (describe output today)."""

"""Front ends: the command line, the generated docs, human-readable views of records."""

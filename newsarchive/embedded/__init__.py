"""A Django database backend for the embedded PostgreSQL: the server is started by the first connection."""

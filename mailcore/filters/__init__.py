"""Content filters the SMTP servers run on a message before routing it."""

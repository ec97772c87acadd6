"""Portal accounts: who logs in, with which roles, and the tokens they get."""

"""Users, deputies and communities: the domain rules shared by the admin pages and the CLI."""

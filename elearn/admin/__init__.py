"""Administration pages: users and roles, plugins, course instructors."""

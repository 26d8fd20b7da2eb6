"""Administration and onboarding: the district's nodal officer and each office's admin set up
their own people, posts and rules (staff import, first run)."""

"""Dispatch (प्रेषण): issuing signed letters, the dispatch register, public verification."""

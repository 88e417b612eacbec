"""The event feed: the global log and one aggregate's events, in order, as plain JSON."""

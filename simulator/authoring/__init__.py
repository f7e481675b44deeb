"""Tools for trainers: migrate old scenario files, check a scenario with scripted managers, keep a scenario library."""

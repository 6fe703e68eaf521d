"""The public directory: practitioners who opt in, their verified credentials and next free times, and an open feed of free slots."""

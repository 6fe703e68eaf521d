"""How long clinical records are kept, and erasing a client within what the law requires to keep."""

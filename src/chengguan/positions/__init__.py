"""Last known positions of field staff (监督员 and others) for the command map."""

"""One router per resource; each is thin over the service layer."""

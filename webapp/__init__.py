"""The clinic's web server on WEB_PORT: the demo page and the chat widget."""

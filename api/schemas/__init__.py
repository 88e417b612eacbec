"""msgspec Structs for every request body and response of the HTTP API."""

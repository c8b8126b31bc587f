"""Local fake provider servers that speak each provider's documented wire format."""

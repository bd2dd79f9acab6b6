"""tests.fakes: provider fakes that speak each provider's wire protocol on loopback."""

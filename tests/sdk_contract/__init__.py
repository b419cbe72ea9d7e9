"""Contract tests: the Singer SDK behaviour the plugins' private SDK use relies on."""

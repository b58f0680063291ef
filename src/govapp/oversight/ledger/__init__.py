"""The burden ledger (填报事项清单): data demands on grassroots units, the gateway, burden accounting and the duplicate-field matcher."""

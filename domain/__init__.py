"""okr-ledger: the event-sourced OKR domain: aggregates, events, rules and use cases."""

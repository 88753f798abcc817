"""Dead letters: the table, its services (record, retry, close) and selectors, and the operators' API."""

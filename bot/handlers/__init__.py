"""Job handlers run by the worker, one module per job kind (see ``bot.handlers.base``)."""

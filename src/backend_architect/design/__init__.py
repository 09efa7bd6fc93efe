"""The design loop: request, tool calls, validate, review, repair, finish; its tools, state, events and output."""

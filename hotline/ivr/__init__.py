"""IVR flows as data: the schema, the loader, the interpreter, and how numbers are spoken."""

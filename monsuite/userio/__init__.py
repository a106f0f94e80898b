"""The one way in and out of every command: reading the files a user gives (inputs), checking and
writing the files a run leaves (outputs), argument types for flags (argtypes), the argument parser that
turns a bad flag into one line (parser), and the printed error line with secrets redacted (say)."""

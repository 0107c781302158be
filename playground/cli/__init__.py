"""The command line: `playground train`, `bench`, and the launcher of the app.

Never imports the GUI's widgets; `main` imports `playground.app` only to launch it."""

// Start-up only: parse the command line and hand over to the command.
// (C callbacks live in the Service target, never here: top-level code is
// main-actor isolated and libmicrohttpd calls back on its own threads.)
HeliosCommand.main()

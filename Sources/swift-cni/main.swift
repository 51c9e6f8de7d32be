import CNI

// Every plugin library linked into this executable is in PluginTable (see Sources/README.md).
PluginTable.main()

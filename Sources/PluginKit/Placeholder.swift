// Placeholder: PluginKit is being written.
